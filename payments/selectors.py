"""Payments reads for the API and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from payments.models import Gateway, Payment


def gateways_enabled() -> QuerySet[Gateway]:
    return Gateway.objects.filter(enabled=True).order_by("code")


def payment_for_player(*, user, payment_id) -> Payment | None:
    """A player sees only their own payments; another player's id is simply not found."""
    return Payment.objects.filter(pk=payment_id, player=user).first()
