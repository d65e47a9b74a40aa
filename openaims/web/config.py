"""Configuration from environment variables, read once at start-up."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def data_dir() -> Path:
    """Where uploaded files and the secret key live (``AIMS_DATA_DIR``, default ``./var/data``)."""
    return Path(os.environ.get("AIMS_DATA_DIR", "var/data")).resolve()


#: How long a SQLite statement waits for the write lock held by another connection (a long import, say).
SQLITE_BUSY_TIMEOUT_SECONDS = 20
#: ``Strict-Transport-Security`` max-age when served over HTTPS: one year.
HSTS_SECONDS = 31_536_000


def trusted_proxies() -> list[str]:
    """``AIMS_TRUSTED_PROXIES``: addresses or networks (``10.0.0.0/8``) of the reverse proxies in front of the
    instance, comma-separated. Only requests from them have their ``X-Forwarded-For`` read."""
    return [p.strip() for p in os.environ.get("AIMS_TRUSTED_PROXIES", "").split(",") if p.strip()]


def default_database_url() -> str:
    return f"sqlite:///{Path('var/openaims.sqlite3').resolve()}"


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user@host:port/name`` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif url.startswith("sqlite:///"):
            path = path.lstrip("/") if not Path(path).is_absolute() else path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or ":memory:",
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
                # so two writers queue instead of failing with "database is locked" mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                # Seconds a statement waits for another connection's write lock before "database is locked".
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            },
            "TEST": {"NAME": None},
        }
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            # A kept connection is checked at the start of each request and replaced if the server dropped it
            # (restart, failover, pg_terminate_backend), instead of failing that request with a 500.
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgres://)")


def secret_key() -> str:
    """``AIMS_SECRET_KEY``, else the key stored by ``aims init`` in the data directory, else a new stored one."""
    key = os.environ.get("AIMS_SECRET_KEY")
    if key:
        return key
    path = data_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
