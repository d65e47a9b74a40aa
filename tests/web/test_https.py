"""AIMS_HTTPS=1 turns on secure cookies, the proxy's X-Forwarded-Proto and Strict-Transport-Security."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

REPOSITORY = Path(__file__).resolve().parents[2]
NAMES = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
]


def _settings_with(https: str) -> dict:
    """The settings module as a fresh process reads it with ``AIMS_HTTPS`` set."""
    code = f"import json, openaims.web.settings as s; print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))"
    env = {**os.environ, "AIMS_HTTPS": https, "AIMS_TESTING": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_https_turns_on_hsts_for_a_year_with_subdomains():
    on = _settings_with("1")
    assert on["SECURE_HSTS_SECONDS"] == 31_536_000 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert on["SESSION_COOKIE_SECURE"] is True and on["CSRF_COOKIE_SECURE"] is True
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    off = _settings_with("0")
    assert not off["SECURE_HSTS_SECONDS"] and not off["SESSION_COOKIE_SECURE"]
    assert off["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.django_db
@override_settings(
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_answers_over_https_carry_strict_transport_security():
    over_https = Client().get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Browsers ignore the header over plain HTTP, and it is not sent there.
    assert "Strict-Transport-Security" not in Client().get("/login/")
