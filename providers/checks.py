"""Deploy checks of the game providers staff configured (`manage.py check --deploy --database default`): no
plain-HTTP endpoint, no secret published in this repository."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from core.checks import development_partner_secrets, plain_http_url

SECRET_FIELDS = ("secret", "previous_secret")


@register(Tags.security, Tags.database, deploy=True)
def providers_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []  # these read rows; Django runs database checks only when asked to
    from providers.models import Provider

    public = development_partner_secrets()
    errors = []
    try:
        providers = list(Provider.objects.filter(enabled=True))
    except (DatabaseError, ImproperlyConfigured) as exc:  # unreachable, or secrets the keys cannot decrypt
        return [Error(f"Cannot read the game providers: {type(exc).__name__}.", id="providers.E000")]
    for provider in providers:
        if plain_http_url(provider.base_url):
            errors.append(
                Error(
                    f"Game provider {provider.code!r} is called over plain HTTP ({provider.base_url}).",
                    hint="Use its https:// URL, or disable the provider.",
                    id="providers.E001",
                )
            )
        if any(getattr(provider, name) in public for name in SECRET_FIELDS):
            errors.append(
                Error(
                    f"Game provider {provider.code!r} holds a sandbox development secret anyone can read.",
                    hint="Set its own secrets in the admin, or delete the seeded sandbox provider.",
                    id="providers.E002",
                )
            )
    return errors
