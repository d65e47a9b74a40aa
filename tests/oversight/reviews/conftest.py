"""The review tests save webhook URLs with made-up names: the outbound policy's look-up of them stays offline."""

from __future__ import annotations

import socket

import pytest

from tests.oversight.reviews.helpers import OfflineResolver


@pytest.fixture(autouse=True)
def _offline_resolver(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", OfflineResolver(socket.getaddrinfo))
