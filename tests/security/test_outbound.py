"""Issue 11, attack 4: webhook URLs aimed at the server's own network.

A member who may set review settings tries every class of internal address through the API and the UI; each is
refused with a 4xx naming ``webhook_url`` and nothing is saved. At send time the host is resolved once and the
connection pinned to the vetted address (a resolver that changes its answer is never asked again), and the delivery
log tells the organization no more than delivered / failed (status N) / failed. No test reaches beyond loopback:
names are answered by a patched resolver.
"""

from __future__ import annotations

import socket
import threading

import pytest

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.monitoring.tasks import huey
from openaims.oversight.reviews import services, webhooks
from openaims.oversight.reviews.models import ReviewSettings, WebhookDelivery
from openaims.policy import outbound
from tests.oversight.reviews.helpers import (
    OfflineResolver,
    Receiver,
    make_item,
    make_rule,
    make_settings,
    make_system,
)

pytestmark = pytest.mark.django_db

SECRET = "a-webhook-secret-of-some-length"
PUBLIC_ADDRESS = "93.184.216.34"  # a public address: vetted, never actually reached (the tests patch the connect)
INTERNAL_MESSAGE = "Resolves to a private or internal address."

INTERNAL_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8000/admin/",
    "http://[::1]/hook",
    "http://localhost:6379/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://0.0.0.0:8000/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::127.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://017700000001/",
    "http://ｌｏｃａｌｈｏｓｔ/",  # full-width letters: the same name once in its ASCII (IDNA) form
    "http://１２７.０.０.１/",
]
BAD_FORM_URLS = {
    "file:///etc/passwd": "http or https",
    "gopher://127.0.0.1:6379/_INFO": "http or https",
    "ftp://files.example.org/": "http or https",
    "https://user:password@hooks.example.org/": "user name or password",
    "https://token@hooks.example.org/": "user name or password",
}


@pytest.fixture(autouse=True)
def _offline_resolver(monkeypatch):
    """Made-up names are "not known" without asking a DNS server; tests that need an answer patch their own."""
    monkeypatch.setattr(socket, "getaddrinfo", OfflineResolver(socket.getaddrinfo))


@pytest.fixture(autouse=True)
def _empty_schedule():
    huey.flush()
    yield
    huey.flush()


def _payload(system, url: str) -> dict:
    return {"ai_system_id": str(system.pk), "webhook_url": url, "webhook_secret": SECRET}


def _webhook_errors(response) -> list[str]:
    return [e["message"] for e in response.json().get("errors", []) if e["field"] == "webhook_url"]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_an_internal_address_is_refused_through_the_api(url, api_as, owner_actor):
    system = make_system(owner_actor)
    client = api_as(Role.CONTRIBUTOR)
    before = TrailEvent.objects.count()
    response = client.post("/api/v1/review-settings", _payload(system, url), content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    messages = _webhook_errors(response)
    assert messages, response.content  # the field is named
    assert not ReviewSettings.objects.exists() and TrailEvent.objects.count() == before
    assert "127.0.0.1" not in " ".join(messages)  # what it resolved to is not echoed


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/hook", "http://[::1]/", "http://169.254.169.254/", "http://10.0.0.1/"]
)
def test_the_message_says_why(url, api_as, owner_actor):
    response = api_as(Role.CONTRIBUTOR).post(
        "/api/v1/review-settings", _payload(make_system(owner_actor), url), content_type="application/json"
    )
    assert response.status_code == 422 and _webhook_errors(response) == [INTERNAL_MESSAGE]


@pytest.mark.parametrize(("url", "why"), BAD_FORM_URLS.items())
def test_other_schemes_and_credentials_are_refused(url, why, api_as, owner_actor):
    system = make_system(owner_actor)
    response = api_as(Role.CONTRIBUTOR).post(
        "/api/v1/review-settings", _payload(system, url), content_type="application/json"
    )
    assert 400 <= response.status_code < 500 and _webhook_errors(response), response.content
    assert not ReviewSettings.objects.exists()
    assert "password" not in " ".join(_webhook_errors(response)).replace("user name or password", "")
    assert outbound.url_problem(url) is not None and why in outbound.url_problem(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/", "http://[::ffff:169.254.169.254]/", "http://0x7f.1/"])
def test_changing_a_saved_webhook_to_an_internal_address_is_refused(url, api_as, owner_actor):
    settings = make_settings(
        owner_actor, make_system(owner_actor), webhook_url="https://hooks.example.org/r", webhook_secret=SECRET
    )
    response = api_as(Role.CONTRIBUTOR).patch(
        f"/api/v1/review-settings/{settings.pk}", {"webhook_url": url}, content_type="application/json"
    )
    assert 400 <= response.status_code < 500 and _webhook_errors(response), response.content
    settings.refresh_from_db()
    assert settings.webhook_url == "https://hooks.example.org/r"


def test_the_form_shows_the_refusal_on_the_field(ui_as, owner_actor):
    system = make_system(owner_actor)
    data = {
        "ai_system": str(system.pk),
        "hours_to_decide": "24",
        "blind_share": "0",
        "webhook_url": "http://169.254.169.254/latest/meta-data/",
        "webhook_secret": SECRET,
    }
    response = ui_as(Role.CONTRIBUTOR).post("/review-settings/new/", data)
    assert response.status_code in (200, 422)
    assert INTERNAL_MESSAGE in response.content.decode() and not ReviewSettings.objects.exists()


def test_a_name_resolving_to_an_internal_address_is_refused_when_saved(monkeypatch, api_as, owner_actor):
    _resolver(monkeypatch, ["10.1.2.3"])
    response = api_as(Role.CONTRIBUTOR).post(
        "/api/v1/review-settings",
        _payload(make_system(owner_actor), "https://hooks.partner.example/reviews"),
        content_type="application/json",
    )
    assert response.status_code == 422 and _webhook_errors(response) == [INTERNAL_MESSAGE]
    assert "10.1.2.3" not in response.content.decode()


def test_one_internal_address_among_public_ones_refuses_the_name(monkeypatch):
    _resolver(monkeypatch, [PUBLIC_ADDRESS, "127.0.0.1"], all_at_once=True)
    assert outbound.url_problem("https://hooks.partner.example/") == "resolves to a private or internal address"


def test_the_instance_allow_list_lets_a_host_through(settings, api_as, owner_actor):
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1", "10.20.0.0/16"]
    client = api_as(Role.CONTRIBUTOR)
    for url in ("http://127.0.0.1:9000/hook", "http://10.20.3.4/hook"):
        response = client.post(
            "/api/v1/review-settings", _payload(make_system(owner_actor), url), content_type="application/json"
        )
        assert response.status_code == 201, response.content
    refused = client.post(
        "/api/v1/review-settings",
        _payload(make_system(owner_actor), "http://10.21.0.1/"),
        content_type="application/json",
    )
    assert refused.status_code == 422  # outside the allow-listed network
    assert outbound.url_problem("file:///etc/passwd") is not None  # the allow-list changes addresses, not schemes


# --- At send time ---------------------------------------------------------------------------------------------


class Resolver:
    """A resolver answering ``answers`` in turn (the last one from then on), counting the questions."""

    def __init__(self, answers: list[str], all_at_once: bool = False):
        self.answers = list(answers)
        self.all_at_once = all_at_once
        self.asked: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        self.asked.append(host)
        addresses = (
            self.answers if self.all_at_once else [self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]]
        )
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]


def _resolver(monkeypatch, answers: list[str], all_at_once: bool = False) -> Resolver:
    resolver = Resolver(answers, all_at_once)
    monkeypatch.setattr(outbound.socket, "getaddrinfo", resolver)
    return resolver


def _decided_item(owner_actor, actor_of, url: str):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    make_settings(owner_actor, system, webhook_url=url, webhook_secret=SECRET)
    item = make_item(owner_actor, system)
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
    return item


def test_a_name_rebound_to_loopback_after_saving_is_refused_when_sent(monkeypatch, owner_actor, actor_of):
    with Receiver([200]) as receiver:
        url = f"http://hooks.partner.example:{receiver.port}/reviews"
        resolver = _resolver(monkeypatch, [PUBLIC_ADDRESS, "127.0.0.1"])
        item = _decided_item(owner_actor, actor_of, url)  # saved while the name answered a public address
        delivery = webhooks.deliver(item.pk, 1)  # now it answers 127.0.0.1, where the receiver listens
    assert resolver.asked == ["hooks.partner.example", "hooks.partner.example"]
    assert receiver.received == []
    assert (delivery.succeeded, delivery.status_code, delivery.outcome) == (False, None, "failed")


def test_the_connection_is_pinned_to_the_address_vetted(monkeypatch, owner_actor, actor_of):
    """The resolver answers a public address (when saved, and once when sent) and loopback afterwards: the request
    goes to the public address (carried to the receiver by the patched connect) with the URL's name as Host."""
    with Receiver([200]) as receiver:
        url = f"http://hooks.partner.example:{receiver.port}/reviews"
        resolver = _resolver(monkeypatch, [PUBLIC_ADDRESS, PUBLIC_ADDRESS, "127.0.0.1"])
        item = _decided_item(owner_actor, actor_of, url)
        connected: list[tuple] = []

        def connect(sockaddr, timeout):
            connected.append(tuple(sockaddr[:2]))
            return socket.create_connection(("127.0.0.1", receiver.port), timeout=timeout)

        monkeypatch.setattr(outbound, "_connect", connect)
        delivery = webhooks.deliver(item.pk, 1)
    # Once when saved, once when sent: the loopback answer was never asked for.
    assert resolver.asked.count("hooks.partner.example") == 2
    assert connected == [(PUBLIC_ADDRESS, receiver.port)]
    assert delivery.succeeded and delivery.outcome == "delivered"
    headers, _body = receiver.received[0]
    assert headers["host"] == f"hooks.partner.example:{receiver.port}"


def test_https_sends_the_name_as_server_name_to_the_pinned_address(monkeypatch):
    """TLS goes to the vetted address with the URL's name in the ClientHello (SNI), so the certificate is checked
    against the name, not the address."""
    server = socket.create_server(("127.0.0.1", 0))
    hello: list[bytes] = []

    def accept():
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            hello.append(conn.recv(4096))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    _resolver(monkeypatch, [PUBLIC_ADDRESS, "127.0.0.1"])
    connected: list[tuple] = []

    def connect(sockaddr, timeout):
        connected.append(tuple(sockaddr[:2]))
        return socket.create_connection(server.getsockname(), timeout=timeout)

    monkeypatch.setattr(outbound, "_connect", connect)
    with pytest.raises(outbound.OutboundFailed):  # our server speaks no TLS: the handshake fails
        outbound.post("https://hooks.partner.example/reviews", b"{}", {}, timeout=2)
    thread.join(5)
    server.close()
    assert connected == [(PUBLIC_ADDRESS, 443)]
    assert hello and b"hooks.partner.example" in hello[0]


def test_a_redirect_to_the_metadata_service_is_not_followed(settings, owner_actor, actor_of):
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    with Receiver([307], headers={"Location": "http://169.254.169.254/latest/meta-data/"}) as receiver:
        item = _decided_item(owner_actor, actor_of, receiver.url)
        delivery = webhooks.deliver(item.pk, 1)
    assert len(receiver.received) == 1 and delivery.outcome == "failed (status 307)"


def test_an_allow_listed_host_removed_from_the_list_is_refused_when_sent(settings, owner_actor, actor_of):
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    with Receiver([200]) as receiver:
        item = _decided_item(owner_actor, actor_of, receiver.url)
        settings.AIMS_OUTBOUND_ALLOW_HOSTS = []
        delivery = webhooks.deliver(item.pk, 1)
    assert receiver.received == [] and delivery.outcome == "failed"


def _silent_server(behaviour: str):
    """A loopback server that resets the connection, or answers garbage, or says nothing."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
            elif behaviour == "garbage":
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                conn.close()
            else:
                threading.Event().wait(3)
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server


def test_the_delivery_log_does_not_tell_refused_from_reset_or_not_http(
    settings, monkeypatch, owner_actor, actor_of, ui_as, api_as
):
    """The port scanner of the issue: a closed port, a reset, a non-HTTP service and silence all read "failed"
    in the page, the API and the trail."""
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("AIMS_WEBHOOK_TIMEOUT_SECONDS", "0.5")
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    servers = {name: _silent_server(name) for name in ("reset", "garbage", "silent")}
    ports = {"refused": closed_port, **{name: s.getsockname()[1] for name, s in servers.items()}}
    items = {}
    try:
        for name, port in ports.items():
            items[name] = _decided_item(owner_actor, actor_of, f"http://127.0.0.1:{port}/hook")
            webhooks.deliver(items[name].pk, 1)
    finally:
        for server in servers.values():
            server.close()
    outcomes = {name: WebhookDelivery.objects.get(item=item).outcome for name, item in items.items()}
    assert set(outcomes.values()) == {"failed"}, outcomes
    words = ("refused", "reset", "timed out", "timeout", "errno", "ssh", "remote", "badstatus", "connection")
    client = ui_as(Role.OWNER)
    for item in items.values():
        page = client.get(f"/reviews/{item.pk}/").content.decode().lower()
        assert "webhook deliveries" in page and "failed" in page
        assert not [w for w in words if w in page], [w for w in words if w in page]
        answer = api_as(Role.OWNER).get(f"/api/v1/reviews/{item.pk}").content.decode().lower()
        assert not [w for w in words if w in answer]
    trail = " ".join(str(e.changes) for e in TrailEvent.objects.filter(object_type__icontains="webhookdelivery"))
    assert trail and not [w for w in words if w in trail.lower()]


def test_the_answer_read_is_bounded(settings):
    """A receiver that streams without end: the status is read, at most MAX_RESPONSE_BYTES of the body."""
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    server = socket.create_server(("127.0.0.1", 0))
    sent: list[int] = []

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
        total = 0
        try:
            while total < 50 * 1024 * 1024:
                conn.sendall(b"x" * 65536)
                total += 65536
        except OSError:
            pass
        sent.append(total)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    answer = outbound.post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {}, timeout=5)
    thread.join(10)
    server.close()
    assert answer.status == 200 and sent and sent[0] < 50 * 1024 * 1024  # we hung up long before the end


@pytest.mark.parametrize(
    ("host", "internal"),
    [
        ("2130706433", True),
        ("0x7f.1", True),
        ("0177.1", True),
        ("127.0.0.1.", True),
        ("10.1", True),
        ("1.1", False),  # 1.0.0.1: public
        ("0x5d.0xb8.0xd8.0x22", False),  # 93.184.216.34
    ],
)
def test_numeric_host_forms_are_read_as_a_resolver_reads_them(host, internal):
    problem = outbound.url_problem(f"http://{host}/", resolve_name=False)
    assert (problem == "resolves to a private or internal address") is internal
