"""Player services: registration, KYC status changes (audited), and the JWT pair: login with its throttle and
lockout, strict one-time rotation, logout, and revocation of a whole token family when a used token comes back."""

from __future__ import annotations

import time
import uuid

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from casino.models import KycStatus, KycStatusChange, PlayerProfile, RevokedTokenFamily
from core.errors import ApplicationError, TooManyRequests, ValidationFailed
from core.geo import CountryBlocked, geo_check
from core.money import CURRENCY_EXPONENTS
from core.shards import jurisdiction_check
from core.throttling import username_key
from ledger.services import wallet_get_or_create

__all__ = [
    "CountryBlocked",
    "InvalidCredentials",
    "TokenInvalid",
    "player_kyc_set",
    "player_logout",
    "player_register",
    "player_token_obtain",
    "player_token_refresh",
]

FAMILY_CLAIM = "family"


class InvalidCredentials(ApplicationError):
    status, code, title = 401, "invalid_credentials", "Invalid username or password"


class TokenInvalid(ApplicationError):
    status, code, title = 401, "token_invalid", "The token is invalid, expired or already used"


def player_register(*, username: str, password: str, email: str, country: str, currency: str):
    """Create a player with a profile and an empty wallet in their currency."""
    country, currency = country.upper(), currency.upper()
    errors: dict[str, list[str]] = {}
    if len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        errors["country"] = ["Use an ISO 3166-1 alpha-2 country code."]
    if currency not in CURRENCY_EXPONENTS:
        errors["currency"] = ["Use an ISO 4217 currency code."]
    user_model = get_user_model()
    candidate = user_model(username=username, email=email)
    try:
        validate_password(password, user=candidate, password_validators=_player_password_validators())
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = ["This username is taken."]
    if errors:
        raise ValidationFailed(errors=errors)
    geo_check(countries=[country])  # the country typed; the API view checked the request's own
    jurisdiction_check(country=country)  # a jurisdiction cell registers its own countries' players only
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email, password=password)
            PlayerProfile.objects.create(user=user, country=country, currency=currency)
            wallet_get_or_create(user=user, currency=currency)
    except IntegrityError:
        raise ValidationFailed(errors={"username": ["This username is taken."]}) from None
    return user


def _player_password_validators():
    # Players' passwords follow their own policy; AUTH_PASSWORD_VALIDATORS is the (longer) staff one.
    return get_password_validators(settings.PLAYER_PASSWORD_VALIDATORS)


def player_kyc_set(*, user, status: str, changed_by=None, reason: str = "") -> bool:
    """Set a player's KYC status and leave an audit row (who, from, to, why); False when it already had it."""
    if status not in KycStatus.values:
        raise ValidationFailed(errors={"kyc_status": [f"One of {', '.join(KycStatus.values)}."]})
    with transaction.atomic():
        profile = PlayerProfile.objects.select_for_update().get(user=user)
        if profile.kyc_status == status:
            return False
        KycStatusChange.objects.create(
            player_id=profile.user_id,
            from_status=profile.kyc_status,
            to_status=status,
            changed_by=changed_by,
            reason=reason[:300],
        )
        PlayerProfile.objects.filter(pk=profile.pk).update(kyc_status=status)
    return True


def _token_pair(user, *, family: str | None = None) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)  # records an OutstandingToken, so it can be blacklisted once used
    # Every token rotated from one login carries the login's family id, so a reuse can revoke them all.
    refresh[FAMILY_CLAIM] = family or str(uuid.uuid4())
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _lockout_key(username: str) -> str:
    return f"login-lockout:{username_key(username)}"


def _failures_key(username: str) -> str:
    return f"login-failures:{username_key(username)}"


def login_lockout_check(*, username: str) -> None:
    """A username locked out after LOGIN_LOCKOUT_FAILURES failures in a row is refused, even the right password."""
    locked_until = cache.get(_lockout_key(username))
    if locked_until is not None and locked_until > time.time():
        raise TooManyRequests("Too many failed logins; try again later.", retry_after=locked_until - time.time())


def login_failure_record(*, username: str) -> None:
    """Count a failed login; the last failure of a run of LOGIN_LOCKOUT_FAILURES locks the username out."""
    key, window = _failures_key(username), settings.LOGIN_LOCKOUT_SECONDS
    if cache.add(key, 1, timeout=window):
        failures = 1
    else:
        try:
            failures = cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=window)
            failures = 1
    if failures >= settings.LOGIN_LOCKOUT_FAILURES:
        cache.set(_lockout_key(username), time.time() + window, timeout=window)
        cache.delete(key)


def player_token_obtain(*, username: str, password: str) -> dict[str, str]:
    """A fresh access and refresh token for a player; staff accounts do not use the player API. A player whose own
    country is blocked gets no token."""
    login_lockout_check(username=username)
    # The model backend itself: django-axes guards the staff admin only; this API has its own lockout (above).
    user = ModelBackend().authenticate(None, username=username, password=password)
    if user is None or not user.is_active or not PlayerProfile.objects.filter(user=user).exists():
        login_failure_record(username=username)
        raise InvalidCredentials()
    cache.delete(_failures_key(username))
    geo_check(countries=[user.geo_country])
    return _token_pair(user)


def _refresh_payload(raw: str) -> dict:
    """The claims of a genuine, unexpired refresh token of ours (signature, audience, issuer checked), whether or not
    it was used already: telling a reuse from a forgery is what lets a reuse revoke its family."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        raise TokenInvalid() from None
    if payload.get("token_type") != "refresh" or not payload.get("jti"):
        raise TokenInvalid()
    return payload


def _family_revoke(*, user_id, family: str | None, reason: str) -> None:
    if family:
        RevokedTokenFamily.objects.get_or_create(family=family, defaults={"user_id": user_id, "reason": reason})


def player_token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: the presented one is blacklisted and a new pair of the same family issued. The
    outstanding token row is locked, so two concurrent uses of one refresh token cannot both succeed; a token used
    before comes from someone holding a copy, so its whole family is revoked (the legitimate holder logs in again)."""
    payload = _refresh_payload(refresh)
    family = payload.get(FAMILY_CLAIM)
    user_model = get_user_model()
    reused = False
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=payload["jti"]).first()
        if outstanding is None:
            raise TokenInvalid()
        if family and RevokedTokenFamily.objects.filter(family=family).exists():
            raise TokenInvalid()
        reused = BlacklistedToken.objects.filter(token=outstanding).exists()
        if not reused:
            user = user_model.objects.filter(pk=payload.get("user_id"), is_active=True).first()
            if user is None:
                raise TokenInvalid()
            BlacklistedToken.objects.create(token=outstanding)
            return _token_pair(user, family=family)
    # Outside the block above: its rollback on the way out must not undo the revocation.
    _family_revoke(user_id=outstanding.user_id, family=family, reason=RevokedTokenFamily.Reason.REUSE)
    raise TokenInvalid()


def player_logout(*, refresh: str) -> None:
    """End a login: its refresh token and every token of its family can refresh no more. Idempotent."""
    payload = _refresh_payload(refresh)
    with transaction.atomic():
        outstanding = OutstandingToken.objects.filter(jti=payload["jti"]).first()
        if outstanding is None:
            raise TokenInvalid()
        BlacklistedToken.objects.get_or_create(token=outstanding)
        _family_revoke(
            user_id=outstanding.user_id, family=payload.get(FAMILY_CLAIM), reason=RevokedTokenFamily.Reason.LOGOUT
        )
