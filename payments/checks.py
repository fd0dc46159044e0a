"""Deploy checks of the gateways staff configured (`manage.py check --deploy --database default`): no plain-HTTP
endpoint, no secret published in this repository."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from core.checks import development_partner_secrets, plain_http_url

SECRET_FIELDS = ("secret", "previous_secret", "webhook_secret", "previous_webhook_secret")


@register(Tags.security, Tags.database, deploy=True)
def gateways_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []  # these read rows; Django runs database checks only when asked to
    from payments.models import Gateway

    public = development_partner_secrets()
    errors = []
    try:
        gateways = list(Gateway.objects.filter(enabled=True))
    except (DatabaseError, ImproperlyConfigured) as exc:  # unreachable, or secrets the keys cannot decrypt
        return [Error(f"Cannot read the payment gateways: {type(exc).__name__}.", id="payments.E000")]
    for gateway in gateways:
        if plain_http_url(gateway.base_url):
            errors.append(
                Error(
                    f"Payment gateway {gateway.code!r} is called over plain HTTP ({gateway.base_url}).",
                    hint="Use its https:// URL, or disable the gateway.",
                    id="payments.E001",
                )
            )
        if any(getattr(gateway, name) in public for name in SECRET_FIELDS):
            errors.append(
                Error(
                    f"Payment gateway {gateway.code!r} holds a sandbox development secret anyone can read.",
                    hint="Set its own secrets in the admin, or delete the seeded sandbox gateway.",
                    id="payments.E002",
                )
            )
    return errors
