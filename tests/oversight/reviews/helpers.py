"""Records the review tests build on, made through the services."""

from __future__ import annotations

import ipaddress
import itertools
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from openaims.inventory.services import ai_system_create
from openaims.oversight.reviews import services

_numbers = itertools.count(1)


def make_system(actor, name: str | None = None):
    return ai_system_create(actor=actor, name=name or f"Loan scorer {next(_numbers)}", purpose="Scores loan requests.")


def make_rule(actor, system=None, **overrides):
    system = system or make_system(actor)
    fields = {"ai_system": system, "name": f"Every decision {next(_numbers)}", "kind": "all", **overrides}
    return services.routing_rule_create(actor=actor, **fields)


def make_settings(actor, system, **overrides):
    return services.review_settings_create(actor=actor, ai_system=system, **overrides)


def submit(actor, system, decision_id: str | None = None, **overrides):
    fields = {
        "decision_id": decision_id or f"d-{next(_numbers)}",
        "ai_output": "reject",
        "confidence": 0.62,
        "input_summary": {"income": 32000, "amount": 15000},
        "explanation": {"income": -0.4, "amount": -0.2},
        "subject_groups": {"sex": "female"},
        **overrides,
    }
    return services.review_item_submit(actor=actor, ai_system=system, **fields)


def make_item(actor, system=None, **overrides):
    """A pending review item of ``system`` (routed by an every-decision rule made here when it has none)."""
    system = system or make_system(actor)
    if not system.routing_rules.exists():
        make_rule(actor, system)
    return submit(actor, system, **overrides).item


class Receiver:
    """An HTTP server that answers the status codes given, in turn, and keeps what it received."""

    def __init__(self, codes: list[int], headers: dict[str, str] | None = None):
        self.codes = list(codes)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0])
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/reviews"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class OfflineResolver:
    """``socket.getaddrinfo`` for tests that save webhook URLs: numeric addresses and ``localhost`` as usual, every
    other name "not known" at once, so saving ``https://hooks.example.org/`` asks no DNS server (tests reach
    nothing beyond loopback)."""

    def __init__(self, real):
        self.real = real

    def __call__(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return self.real(host, port, *args, **kwargs)
