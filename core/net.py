"""Who is asking: the client address behind the operator's own proxies (NUM_PROXIES, TRUSTED_PROXY_NETWORKS).

One rule for throttles, the staff lockout and geo-blocking alike, so a forged X-Forwarded-For can never buy a fresh
counter or another country."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import cache

from django.conf import settings


@cache
def _trusted_networks(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def peer_is_trusted_proxy(peer: str | None) -> bool:
    """True when the direct peer is one of the operator's proxies, whose forwarding headers are believed."""
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    if not peer or not networks:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address_of(*, peer: str | None, forwarded_for: str | None) -> str:
    """The client's address: the peer itself, or, behind NUM_PROXIES proxies of our own, the address the outermost
    of them saw (counted from the right of X-Forwarded-For: everything left of it is the client's own word).

    When TRUSTED_PROXY_NETWORKS is set, X-Forwarded-For is read only from a peer inside it."""
    peer = peer or ""
    num_proxies = settings.NUM_PROXIES
    if num_proxies <= 0 or not forwarded_for:
        return peer
    if settings.TRUSTED_PROXY_NETWORKS and not peer_is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return peer
    return hops[-min(num_proxies, len(hops))]


def client_address(request, credentials: Mapping | None = None) -> str:
    """The client address of a Django or DRF request (also django-axes' AXES_CLIENT_IP_CALLABLE)."""
    meta = request.META
    return client_address_of(peer=meta.get("REMOTE_ADDR"), forwarded_for=meta.get("HTTP_X_FORWARDED_FOR"))
