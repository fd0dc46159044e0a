"""Deploy checks of the gateways staff configured (`manage.py check --deploy --database default`): no plain-HTTP
endpoint, no secret published in this repository."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from core.checks import partner_rows_check


@register(Tags.security, Tags.database, deploy=True)
def gateways_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []  # these read rows; Django runs database checks only when asked to
    from payments.models import Gateway

    return partner_rows_check(
        model=Gateway,
        noun="payment gateway",
        app_label="payments",
        secret_fields=("secret", "previous_secret", "webhook_secret", "previous_webhook_secret"),
    )
