"""The sign-in throttle works per (username, address) with growing delays, never refuses a correct password because
someone else guessed wrong, and reads X-Forwarded-For only from a configured trusted proxy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from openaims.accounts import services
from openaims.accounts.choices import Role
from openaims.accounts.models import LoginFailure
from openaims.accounts.network import client_address
from tests.conftest import PASSWORD

OWNER_ADDRESS = "198.51.100.7"
STRANGER_ADDRESS = "203.0.113.9"
PROXY = "10.0.0.2"


def sign_in(username: str, password: str, address: str, **headers):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_a_stranger_guessing_elsewhere_never_stops_the_owner(members):
    username = members[Role.VIEWER].username
    for _ in range(12):
        assert sign_in(username, "wrong-password", STRANGER_ADDRESS).status_code in (401, 429)
    assert sign_in(username, PASSWORD, STRANGER_ADDRESS).status_code == 429
    assert sign_in(username, PASSWORD, OWNER_ADDRESS).status_code == 302


def test_colleagues_behind_one_proxy_are_not_stopped_by_one_persons_failures(members):
    """Without trusted proxies everyone behind the proxy shares its address: one person's 25 failures stop only
    that person."""
    for _ in range(25):
        sign_in(members[Role.VIEWER].username, "wrong-password", PROXY)
    for role in (Role.OWNER, Role.AUDITOR, Role.CONTRIBUTOR):
        assert sign_in(members[role].username, PASSWORD, PROXY).status_code == 302


@pytest.fixture
def clock(monkeypatch):
    """Django's clock stopped at a fixed moment; ``clock.advance(seconds)`` moves it (no test waits for real)."""

    class Clock:
        now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += dt.timedelta(seconds=seconds)

    stopped = Clock()
    monkeypatch.setattr(timezone, "now", lambda: stopped.now)
    return stopped


def test_a_pair_waits_longer_after_each_failure_past_the_limit(members, settings, clock):
    username = members[Role.VIEWER].username
    for _ in range(settings.AIMS_LOGIN_MAX_FAILURES):
        assert sign_in(username, "wrong-password", STRANGER_ADDRESS).status_code == 401
    refused = sign_in(username, PASSWORD, STRANGER_ADDRESS)
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert "Too many failed sign-ins. Try again in 2 seconds." in refused.content.decode()
    clock.advance(1)
    assert sign_in(username, PASSWORD, STRANGER_ADDRESS)["Retry-After"] == "1"
    waits = []
    for _ in range(12):
        clock.advance(services.login_wait(username=username, address=STRANGER_ADDRESS))
        assert sign_in(username, "wrong-password", STRANGER_ADDRESS).status_code == 401
        waits.append(services.login_wait(username=username, address=STRANGER_ADDRESS))
    assert waits == [4, 8, 16, 32, 64, 128, 256, 512] + [settings.AIMS_LOGIN_MAX_DELAY_SECONDS] * 4
    clock.advance(settings.AIMS_LOGIN_MAX_DELAY_SECONDS)
    assert sign_in(username, PASSWORD, STRANGER_ADDRESS).status_code == 302
    assert not LoginFailure.objects.filter(username=username, address=STRANGER_ADDRESS).exists()


def test_failures_are_forgotten_after_the_window(members, settings, clock):
    username = members[Role.VIEWER].username
    for _ in range(settings.AIMS_LOGIN_MAX_FAILURES + 3):
        LoginFailure.objects.create(username=username, address=STRANGER_ADDRESS)
    assert services.login_wait(username=username, address=STRANGER_ADDRESS) == 16
    clock.advance(settings.AIMS_LOGIN_WINDOW_SECONDS + 1)
    assert services.login_wait(username=username, address=STRANGER_ADDRESS) == 0


@override_settings(AIMS_LOGIN_ADDRESS_MAX_USERNAMES=10)
def test_an_address_trying_many_usernames_waits_but_other_addresses_do_not(members, clock):
    for n in range(10):
        sign_in(f"guess-{n}@example.org", "wrong-password", STRANGER_ADDRESS)
    refused = sign_in(members[Role.VIEWER].username, PASSWORD, STRANGER_ADDRESS)
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert sign_in(members[Role.VIEWER].username, PASSWORD, OWNER_ADDRESS).status_code == 302


def test_usernames_count_whatever_their_case(members, settings):
    username = members[Role.VIEWER].username
    for n in range(settings.AIMS_LOGIN_MAX_FAILURES):
        variant = username.upper() if n % 2 else username
        sign_in(variant, "wrong-password", STRANGER_ADDRESS)
    assert sign_in(username, PASSWORD, STRANGER_ADDRESS).status_code == 429


def _request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.AIMS_TRUSTED_PROXIES = []
    assert client_address(_request(PROXY, "192.0.2.1")) == PROXY


def test_forwarded_for_is_read_from_trusted_proxies_only(settings):
    settings.AIMS_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    # The right-most address that is not a trusted proxy is the client; what it claimed left of that is ignored.
    assert client_address(_request(PROXY, "192.0.2.66, 198.51.100.7")) == "198.51.100.7"
    assert client_address(_request(PROXY, "198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_address(_request("2001:db8::1", "198.51.100.7")) == "198.51.100.7"
    # A request that does not come from a trusted proxy cannot choose its address.
    assert client_address(_request(STRANGER_ADDRESS, "198.51.100.7")) == STRANGER_ADDRESS
    # Garbage or nothing stops at the last trusted hop.
    assert client_address(_request(PROXY, "not-an-address")) == PROXY
    assert client_address(_request(PROXY, "198.51.100.7, junk, 10.1.2.3")) == "10.1.2.3"
    assert client_address(_request(PROXY)) == PROXY


def test_a_bad_trusted_proxy_entry_is_a_configuration_error(settings):
    settings.AIMS_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match="entry 2"):
        client_address(_request(PROXY, "198.51.100.7"))


def test_behind_a_trusted_proxy_the_throttle_sees_each_client(members, settings):
    settings.AIMS_TRUSTED_PROXIES = [PROXY]
    username = members[Role.VIEWER].username
    for _ in range(settings.AIMS_LOGIN_MAX_FAILURES + 2):
        sign_in(username, "wrong-password", PROXY, HTTP_X_FORWARDED_FOR=STRANGER_ADDRESS)
    assert LoginFailure.objects.filter(address=STRANGER_ADDRESS).exists()
    assert not LoginFailure.objects.filter(address=PROXY).exists()
    assert sign_in(username, PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=STRANGER_ADDRESS).status_code == 429
    assert sign_in(username, PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=OWNER_ADDRESS).status_code == 302


def test_a_client_cannot_escape_its_wait_by_claiming_other_addresses(members, settings):
    username = members[Role.VIEWER].username
    for n in range(settings.AIMS_LOGIN_MAX_FAILURES):
        sign_in(username, "wrong-password", STRANGER_ADDRESS, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(username, PASSWORD, STRANGER_ADDRESS, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429
