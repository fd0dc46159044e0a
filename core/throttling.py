"""DRF throttles keyed by the real client address (core.net), and the player-login limits: a rate per address, a
rate per username. Rates are read from settings on each use, so they can be changed without reloading DRF."""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework import throttling

from core.net import client_address


class _ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class AnonRateThrottle(_ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddressMixin, throttling.UserRateThrottle):
    pass


class _SettingsRateThrottle(_ClientAddressMixin, throttling.SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)


class LoginAddressThrottle(_SettingsRateThrottle):
    """Login attempts from one client address, whichever usernames they try."""

    scope, rate_setting = "login_address", "LOGIN_RATE_PER_ADDRESS"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(_SettingsRateThrottle):
    """Login attempts at one username, from whichever addresses (a spread-out guess at one account)."""

    scope, rate_setting = "login_username", "LOGIN_RATE_PER_USERNAME"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None  # the serializer answers 400; nothing to count
        return self.cache_format % {"scope": self.scope, "ident": username_key(username)}


def username_key(username: str) -> str:
    """One counter per account whatever the case or padding (usernames are matched case-insensitively), hashed so
    that whatever a client types makes a well-formed cache key."""
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
