"""Asking gateways about payments left pending too long, and re-sending withdrawals the outbox never delivered."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.outbound import PartnerError
from payments.interface import GatewayOutcome
from payments.models import Payment, PaymentKind, PaymentStatus
from payments.registry import adapter_for
from payments.services.transitions import payment_outcome_apply

logger = logging.getLogger(__name__)


def payment_status_refresh(*, payment_id) -> str:
    """Ask the gateway about one pending payment and apply the answer; returns what happened, in a word."""
    payment = Payment.objects.select_related("gateway").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING or not payment.gateway_reference:
        return "skipped"
    try:
        status = adapter_for(payment.gateway).fetch_status(
            reference=payment.gateway_reference, payment_id=str(payment.pk), kind=payment.kind
        )
    except PartnerError as exc:
        logger.warning("status poll of payment %s failed: %s", payment.pk, exc)
        return "unreachable"
    if status.outcome == GatewayOutcome.PENDING:
        # Touch it so the next poll waits its turn again instead of asking every minute.
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(updated_at=timezone.now())
        return "still_pending"
    return payment_outcome_apply(
        payment_id=payment.pk,
        outcome=status.outcome,
        amount=status.amount,
        currency=status.currency,
        source="status poll",
    )


def payments_poll_pending(*, older_than: timedelta | None = None, limit: int = 200) -> dict[str, int]:
    """Poll pending payments untouched for `older_than`, and resubmit withdrawals stuck before the gateway."""
    from payments.tasks import payout_submit

    if older_than is None:
        older_than = timedelta(seconds=settings.PAYMENTS_POLL_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    counts: dict[str, int] = {}
    stale = Payment.objects.filter(status=PaymentStatus.PENDING, updated_at__lt=cutoff).order_by("updated_at")
    for payment_id in stale.values_list("pk", flat=True)[:limit]:
        verdict = payment_status_refresh(payment_id=payment_id)
        counts[verdict] = counts.get(verdict, 0) + 1
    # Each submission attempt moves updated_at, and one in progress holds a lease: neither is resubmitted.
    stuck = Payment.objects.filter(
        Q(submitting_until__isnull=True) | Q(submitting_until__lte=timezone.now()),
        status=PaymentStatus.CREATED,
        kind=PaymentKind.WITHDRAWAL,
        updated_at__lt=cutoff,
    ).order_by("updated_at")
    for payment_id in stuck.values_list("pk", flat=True)[:limit]:
        payout_submit.delay(str(payment_id))
        counts["resubmitted"] = counts.get("resubmitted", 0) + 1
    return counts
