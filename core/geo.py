"""Geo-blocking, the one rule every entry point applies: a request is refused (403 country_blocked) when the
country it comes from, or the country of the player's profile, is blocked.

The request's country comes from a trusted edge's header (GEO_COUNTRY_HEADER, believed only from a peer in
TRUSTED_PROXY_NETWORKS) or else from a GeoIP2 country database (GEOIP2_DATABASE, needs the `geoip2` package).
The blocked set comes from GEO_BLOCKED_COUNTRIES_SOURCE (a dotted path to a function returning country codes: the
casino app's admin-managed list), so this kernel module names no app. A user's own country is read from its
`geo_country` attribute (None for staff or anyone without one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from rest_framework import permissions

from core.errors import ApplicationError
from core.net import client_address_of, peer_is_trusted_proxy


class CountryBlocked(ApplicationError):
    status, code, title = 403, "country_blocked", "The service is not available in this country"


def countries_blocked() -> frozenset[str]:
    source: Callable[[], Iterable[str]] = import_string(settings.GEO_BLOCKED_COUNTRIES_SOURCE)
    return frozenset(code.upper() for code in source())


@cache
def _geoip_reader(path: str):
    try:
        import geoip2.database  # optional: only deployments that configure a database need it
    except ImportError as exc:
        raise ImproperlyConfigured("GEOIP2_DATABASE is set but the geoip2 package is not installed") from exc
    return geoip2.database.Reader(path)


def _geoip_country(address: str) -> str | None:
    if not settings.GEOIP2_DATABASE or not address:
        return None
    try:
        return _geoip_reader(settings.GEOIP2_DATABASE).country(address).country.iso_code
    except (ValueError, LookupError):  # an address the database does not know (AddressNotFoundError is a LookupError)
        return None


def country_of(*, peer: str | None, headers: Mapping[str, str]) -> str | None:
    """The country a request comes from (ISO 3166 alpha-2, upper case), or None when nothing trustworthy says.

    `headers` is case-insensitive (Django's request.headers) or lower-case keys (an ASGI scope's)."""
    header = settings.GEO_COUNTRY_HEADER
    if header and peer_is_trusted_proxy(peer):
        value = (headers.get(header) or headers.get(header.lower()) or "").strip().upper()
        if len(value) == 2 and value.isalpha():
            return value
    forwarded_for = headers.get("X-Forwarded-For") or headers.get("x-forwarded-for")
    country = _geoip_country(client_address_of(peer=peer, forwarded_for=forwarded_for))
    return country.upper() if country else None


def geo_check(*, countries: Iterable[str | None]) -> None:
    """Raise CountryBlocked when any of the given countries (the request's, the profile's) is blocked."""
    named = {c.upper() for c in countries if c}
    if not named:
        return
    blocked = named & countries_blocked()
    if blocked:
        raise CountryBlocked(f"Not available in {', '.join(sorted(blocked))}.")


def request_geo_check(request, *, user=None) -> None:
    """Check a Django/DRF request's country and, for a signed-in user, their own country."""
    geo_check(
        countries=[
            country_of(peer=request.META.get("REMOTE_ADDR"), headers=request.headers),
            getattr(user, "geo_country", None) if user is not None and user.is_authenticated else None,
        ]
    )


class GeoAllowed(permissions.BasePermission):
    """DRF permission for every player entry point: raises 403 country_blocked (not DRF's generic 403)."""

    def has_permission(self, request, view):
        request_geo_check(request, user=getattr(request, "user", None))
        return True
