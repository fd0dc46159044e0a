"""Player services: registration and KYC status changes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from casino.errors import ApplicationError, ValidationFailed
from casino.models import KycStatus, PlayerProfile
from ledger.money import CURRENCY_EXPONENTS
from ledger.services import wallet_get_or_create


class CountryBlocked(ApplicationError):
    status, code, title = 403, "country_blocked", "Registration is not available in this country"


def player_register(*, username: str, password: str, email: str, country: str, currency: str):
    """Create a player with a profile and an empty wallet in their currency."""
    country, currency = country.upper(), currency.upper()
    errors: dict[str, list[str]] = {}
    if len(country) != 2 or not country.isalpha():
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
