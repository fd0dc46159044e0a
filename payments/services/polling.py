"""Asking gateways about payments left pending too long, and handing again to the gateway withdrawals stuck before
it; both through the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.outbox.services import outbox_enqueue, outbox_hasten
from payments.interface import GatewayOutcome, GatewayStatus
from payments.models import Payment, PaymentKind, PaymentStatus
from payments.registry import adapter_for
from payments.services.transitions import payment_outcome_apply, payment_transition

logger = logging.getLogger(__name__)


def payment_gateway_status(payment: Payment) -> GatewayStatus:
    """What the gateway says about one payment: by its reference, or by our id when its answer to the order never
    came (GatewayPaymentUnknown: it has no such order). PartnerError propagates."""
    return adapter_for(payment.gateway).fetch_status(
        reference=payment.gateway_reference, payment_id=str(payment.pk), kind=payment.kind
    )


def payment_gateway_status_apply(*, payment: Payment, status: GatewayStatus, source: str) -> Payment:
    """The gateway has the payment: record its reference (pending), then apply its outcome with the amount check
    (a payment it still has pending with another amount or currency goes to review too)."""
    with transaction.atomic():
        payment_transition(
            payment_id=payment.pk,
            to=PaymentStatus.PENDING,
            reason=f"{source}: the gateway has it as {status.reference}",
            gateway_reference=status.reference,
        )
        if status.outcome != GatewayOutcome.PENDING or (status.amount, status.currency) != (
            payment.amount,
            payment.currency,
        ):
            payment_outcome_apply(
                payment_id=payment.pk,
                outcome=status.outcome,
                amount=status.amount,
                currency=status.currency,
                source=source,
            )
    return Payment.objects.select_related("gateway").get(pk=payment.pk)


def payment_status_refresh(*, payment_id) -> str:
    """Ask the gateway about one pending payment and apply the answer; returns what happened, in a word.
    PartnerError propagates (the outbox retries the poll, or records the gateway's refusal)."""
    payment = Payment.objects.select_related("gateway").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING or not payment.gateway_reference:
        return "skipped"
    status = payment_gateway_status(payment)
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


def status_poll_key(payment_id) -> str:
    return f"status-poll:{payment_id}"


def status_poll_intent(payment: Payment):
    """The intent to ask the gateway about one pending payment (one open per payment)."""
    from payments.services.orders import STATUS_POLL

    return outbox_enqueue(
        kind=STATUS_POLL,
        key=status_poll_key(payment.pk),
        payload={"payment_id": str(payment.pk)},
        partner=payment.gateway.outbound_name,
        subject=f"payment:{payment.pk}",
        max_attempts=3,  # the next poll comes from beat anyway
    )


def payments_poll_pending(*, older_than: timedelta | None = None, limit: int = 200) -> dict[str, int]:
    """Write a status-poll intent for each payment pending and untouched for `older_than`, and hand again to the
    gateway each withdrawal stuck before it (its payout intent, made due now). The calls are outbox deliveries."""
    from payments.services.orders import payout_intent

    if older_than is None:
        older_than = timedelta(seconds=settings.PAYMENTS_POLL_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    counts: dict[str, int] = {}
    stale = Payment.objects.filter(status=PaymentStatus.PENDING, updated_at__lt=cutoff).select_related("gateway")
    for payment in stale.order_by("updated_at")[:limit]:
        with transaction.atomic():
            status_poll_intent(payment)
        counts["polled"] = counts.get("polled", 0) + 1
    # Each submission attempt moves updated_at, and one in progress holds a lease: neither is resubmitted.
    stuck = Payment.objects.filter(
        Q(submitting_until__isnull=True) | Q(submitting_until__lte=timezone.now()),
        status=PaymentStatus.CREATED,
        kind=PaymentKind.WITHDRAWAL,
        updated_at__lt=cutoff,
    ).select_related("gateway")
    for payment in stuck.order_by("updated_at")[:limit]:
        with transaction.atomic():
            message = payout_intent(payment)
            outbox_hasten(key=message.key)
        counts["resubmitted"] = counts.get("resubmitted", 0) + 1
    return counts
