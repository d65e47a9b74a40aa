"""The client's address, as far as the instance can trust it (for the sign-in throttle and other rate limits)."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for number, entry in enumerate(entries, start=1):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"AIMS_TRUSTED_PROXIES: entry {number} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from exc
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The networks of ``AIMS_TRUSTED_PROXIES`` (none by default)."""
    return _networks(tuple(getattr(settings, "AIMS_TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(request) -> str:
    """The address of the client that sent ``request``.

    ``REMOTE_ADDR``, unless it is one of the trusted proxies: then ``X-Forwarded-For`` is read from the right
    (each proxy appends the address it received the request from), skipping trusted proxies, and the first address
    that is not one is the client. Entries left of it are whatever the client claimed and are never believed; an
    entry that is not an address stops the walk at the last trusted hop. Without trusted proxies the header is
    ignored, so a client cannot choose its own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = trusted_proxies()
    current = _parse(remote)
    if current is None or not proxies or not any(current in network for network in proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        current = address
        if not any(address in network for network in proxies):
            return str(address)
    return str(current)
