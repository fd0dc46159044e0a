"""Deploy checks (`manage.py check --deploy`): the settings that must never reach production. Each is an Error,
so the deploy fails. The partner apps add their own checks of the rows staff configured (plain-HTTP URLs, seeded
sandbox secrets); those read the database and run with `--database default`."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

MIN_KEY_CHARS = 32


def _derived_field_key(secret_key: str) -> str:
    """The field-encryption key older versions derived from SECRET_KEY when none was configured."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{secret_key}".encode()).digest()).decode()


@register(Tags.security, deploy=True)
def production_settings_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    if settings.SANDBOX_MODE:
        errors.append(
            Error(
                "SANDBOX_MODE is on: fake partners are served and the sandbox checkout completes deposits for free.",
                hint="Unset SANDBOX_MODE in production.",
                id="core.E001",
            )
        )
    if settings.DEBUG:
        errors.append(Error("DJANGO_DEBUG is on.", hint="Unset DJANGO_DEBUG in production.", id="core.E002"))
    secret_key = settings.SECRET_KEY or ""
    if secret_key == settings.DEVELOPMENT_SECRET_KEY or len(secret_key) < MIN_KEY_CHARS:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is missing, the public development key, or too short.",
                hint=f"Set DJANGO_SECRET_KEY to a random value of at least {MIN_KEY_CHARS} characters.",
                id="core.E003",
            )
        )
    jwt_key = settings.SIMPLE_JWT.get("SIGNING_KEY") or ""
    if jwt_key in (settings.DEVELOPMENT_JWT_SIGNING_KEY, secret_key) or len(jwt_key) < MIN_KEY_CHARS:
        errors.append(
            Error(
                "JWT_SIGNING_KEY is missing, the public development key, the same as SECRET_KEY, or too short.",
                hint=f"Set JWT_SIGNING_KEY to its own random value of at least {MIN_KEY_CHARS} characters.",
                id="core.E004",
            )
        )
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys or settings.DEVELOPMENT_FIELD_ENCRYPTION_KEY in keys or _derived_field_key(secret_key) in keys:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is missing, holds the public development key, or a key derived from SECRET_KEY.",
                hint="Set FIELD_ENCRYPTION_KEYS to random Fernet keys of their own, then run "
                "`manage.py encryption_rotate` to re-encrypt stored secrets under the first.",
                id="core.E005",
            )
        )
    if not settings.ADMIN_OTP_REQUIRED:
        errors.append(
            Error(
                "ADMIN_OTP_REQUIRED is off: staff log into the admin with a password alone.",
                hint="Unset ADMIN_OTP_REQUIRED and enrol each staff member (`manage.py staff_totp_add <username>`).",
                id="core.E006",
            )
        )
    return errors


def development_partner_secrets() -> frozenset[str]:
    """Secrets anyone can read in this repository: a partner row holding one is open to the world."""
    return frozenset(settings.DEVELOPMENT_PARTNER_SECRETS)


def plain_http_url(url: str) -> bool:
    return url.strip().lower().startswith("http://")


def partner_rows_check(*, model, noun: str, app_label: str, secret_fields: tuple[str, ...]) -> list[Error]:
    """The enabled partner rows of `model` that a production deploy must not run with: a plain-HTTP endpoint, or a
    secret published in this repository (ids <app_label>.E000 to E002, so each app's errors stay its own)."""
    public = development_partner_secrets()
    try:
        rows = list(model.objects.filter(enabled=True))
    except (DatabaseError, ImproperlyConfigured) as exc:  # unreachable, or secrets the keys cannot decrypt
        return [Error(f"Cannot read the {noun}s: {type(exc).__name__}.", id=f"{app_label}.E000")]
    errors = []
    for row in rows:
        if plain_http_url(row.base_url):
            errors.append(
                Error(
                    f"{noun.capitalize()} {row.code!r} is called over plain HTTP ({row.base_url}).",
                    hint=f"Use its https:// URL, or disable the {noun.split()[-1]}.",
                    id=f"{app_label}.E001",
                )
            )
        if any(getattr(row, name) in public for name in secret_fields):
            errors.append(
                Error(
                    f"{noun.capitalize()} {row.code!r} holds a sandbox development secret anyone can read.",
                    hint=f"Set its own secrets in the admin, or delete the seeded sandbox {noun.split()[-1]}.",
                    id=f"{app_label}.E002",
                )
            )
    return errors


@register("retention")
def retention_settings_check(app_configs=None, **kwargs) -> list[Error]:
    """Every registered retention is a whole number of days, at least one, and those the regulator names are at
    least REGULATORY_RETENTION_MIN_DAYS: a purge must never delete what the licence says to keep. Not a deploy-only
    check: `manage.py migrate` (the first step of `make serve` and of each release) refuses to run too."""
    from core.retention import retention_days, retention_policies

    floor = getattr(settings, "REGULATORY_RETENTION_MIN_DAYS", None)
    if not isinstance(floor, int) or isinstance(floor, bool) or floor < 0:
        return [Error(f"REGULATORY_RETENTION_MIN_DAYS is {floor!r}.", hint="Set it to whole days.", id="core.E011")]
    errors = []
    for policy in retention_policies():
        days = retention_days(policy)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            errors.append(
                Error(
                    f"{policy.setting} is {days!r}.",
                    hint="Set it to a whole number of days, at least 1.",
                    id="core.E011",
                )
            )
        elif policy.regulated and days < floor:
            errors.append(
                Error(
                    f"{policy.setting} is {days} days, below REGULATORY_RETENTION_MIN_DAYS ({floor}): "
                    f"{policy.name.replace('_', ' ')} would be purged before the regulator allows.",
                    hint=f"Raise {policy.setting} to at least {floor}.",
                    id="core.E010",
                )
            )
    return errors
