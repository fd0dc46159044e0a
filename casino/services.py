"""Player services: registration, KYC status changes, and the JWT pair (issue and strict one-time rotation)."""

from __future__ import annotations

import pycountry
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from casino.models import KycStatus, PlayerProfile
from core.errors import ApplicationError, ValidationFailed
from core.money import CURRENCY_EXPONENTS
from ledger.services import wallet_get_or_create


class CountryBlocked(ApplicationError):
    status, code, title = 403, "country_blocked", "Registration is not available in this country"


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
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        errors["password"] = list(exc.messages)
    if user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = ["This username is taken."]
    if errors:
        raise ValidationFailed(errors=errors)
    if country in settings.BLOCKED_COUNTRIES:
        raise CountryBlocked(f"Players from {country} cannot register.")
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email, password=password)
            PlayerProfile.objects.create(user=user, country=country, currency=currency)
            wallet_get_or_create(user=user, currency=currency)
    except IntegrityError:
        raise ValidationFailed(errors={"username": ["This username is taken."]}) from None
    return user


def player_kyc_set(*, user, status: str):
    if status not in KycStatus.values:
        raise ValidationFailed(errors={"kyc_status": [f"One of {', '.join(KycStatus.values)}."]})
    PlayerProfile.objects.filter(user=user).update(kyc_status=status)


def _token_pair(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)  # records an OutstandingToken, so it can be blacklisted once used
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def player_token_obtain(*, username: str, password: str) -> dict[str, str]:
    """A fresh access and refresh token for a player; staff accounts do not use the player API."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active or not PlayerProfile.objects.filter(user=user).exists():
        raise InvalidCredentials()
    return _token_pair(user)


def player_token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: the presented one is blacklisted and a new pair issued. The outstanding token row is
    locked, so two concurrent uses of one refresh token cannot both succeed."""
    try:
        token = RefreshToken(refresh)  # checks signature, expiry and the blacklist
    except TokenError:
        raise TokenInvalid() from None
    user_model = get_user_model()
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().filter(jti=token["jti"]).first()
        if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
            raise TokenInvalid()
        user = user_model.objects.filter(pk=token.get("user_id"), is_active=True).first()
        if user is None:
            raise TokenInvalid()
        BlacklistedToken.objects.create(token=outstanding)
        return _token_pair(user)
