"""Deploy checks of the game providers staff configured (`manage.py check --deploy --database default`): no
plain-HTTP endpoint, no secret published in this repository."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from core.checks import partner_rows_check


@register(Tags.security, Tags.database, deploy=True)
def providers_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    if not databases or "default" not in databases:
        return []  # these read rows; Django runs database checks only when asked to
    from providers.models import Provider

    return partner_rows_check(
        model=Provider, noun="game provider", app_label="providers", secret_fields=("secret", "previous_secret")
    )
