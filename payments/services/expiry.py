"""Deposits nobody paid: once DEPOSIT_EXPIRY_MINUTES have passed, a deposit still created or pending is asked about
at its gateway one last time and, unless the gateway has settled it, failed as expired.

Failing a deposit moves no money, so the only risk is a player who paid after all: the gateway's answer is applied
when it has one (credited, or failed with its own word), and a success reported after the expiry (a late webhook, a
poll) is refused by the state machine and recorded as a `late_success` anomaly for staff, never lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.outbound import PartnerRejected, PartnerUnavailable
from core.outbox.services import outbox_close
from payments.interface import GatewayOutcome, GatewayPaymentUnknown
from payments.models import Payment, PaymentKind, PaymentStatus
from payments.services.polling import payment_gateway_status, payment_gateway_status_apply, status_poll_key
from payments.services.transitions import payment_lock, payment_transition

logger = logging.getLogger(__name__)

EXPIRABLE = (PaymentStatus.CREATED, PaymentStatus.PENDING)


def deposits_expire(*, older_than: timedelta | None = None, limit: int = 100) -> dict[str, int]:
    """Expire (or settle from the gateway's word) each deposit created or pending since before `older_than`
    (DEPOSIT_EXPIRY_MINUTES); returns how many ended each way. Those the gateway could not answer for go to the
    back of the queue and are asked again on the next run."""
    if older_than is None:
        older_than = timedelta(minutes=settings.DEPOSIT_EXPIRY_MINUTES)
    due = Payment.objects.filter(
        kind=PaymentKind.DEPOSIT, status__in=EXPIRABLE, created_at__lt=timezone.now() - older_than
    ).order_by("updated_at")
    counts: dict[str, int] = {}
    for payment_id in list(due.values_list("pk", flat=True)[:limit]):
        outcome = deposit_expire(payment_id=payment_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def deposit_expire(*, payment_id) -> str:
    """Ask the gateway about one old deposit, then: expired (it has the deposit unpaid, or does not know it), the
    payment's new status (succeeded, failed or review: the gateway's answer applied as a poll's would be),
    unreachable or unanswered (left for the next run), or skipped (no longer expirable)."""
    payment = Payment.objects.select_related("gateway").get(pk=payment_id)
    if payment.kind != PaymentKind.DEPOSIT or payment.status not in EXPIRABLE:
        return "skipped"
    try:
        status = payment_gateway_status(payment)
    except GatewayPaymentUnknown:
        return _expire(payment, because="the gateway has no such payment")
    except PartnerRejected as exc:
        if exc.status == 404:
            return _expire(payment, because="the gateway does not know its reference")
        if not payment.gateway_reference:
            # The order's acceptance was never recorded, so the player never got a checkout to pay at.
            return _expire(payment, because=f"never accepted, and the gateway cannot be asked by our id ({exc})")
        logger.warning("deposit %s: the gateway refused the expiry's question: %s", payment.pk, exc)
        return _later(payment, "unanswered")
    except PartnerUnavailable as exc:
        logger.info("deposit %s: gateway unreachable for the expiry check: %s", payment.pk, exc)
        return _later(payment, "unreachable")
    if status.outcome == GatewayOutcome.PENDING and (status.amount, status.currency) == (
        payment.amount,
        payment.currency,
    ):
        return _expire(payment, because="the gateway still has it unpaid", reference=status.reference)
    return payment_gateway_status_apply(payment=payment, status=status, source="expiry check").status


def _expire(payment: Payment, *, because: str, reference: str = "") -> str:
    with transaction.atomic():
        locked = payment_lock(payment_id=payment.pk)
        if locked.status not in EXPIRABLE:  # settled meanwhile (a webhook, a poll): nothing to expire
            return "skipped"
        minutes = int((timezone.now() - locked.created_at).total_seconds() // 60)
        payment_transition(
            payment_id=locked.pk,
            to=PaymentStatus.FAILED,
            reason=f"expired: unpaid after {minutes} minutes ({because})",
            gateway_reference=reference or None,
        )
        outbox_close(key=status_poll_key(locked.pk), reason="not needed: the deposit expired")
    return "expired"


def _later(payment: Payment, outcome: str) -> str:
    # Touched, so that the next run asks the others first.
    Payment.objects.filter(pk=payment.pk, status__in=EXPIRABLE).update(updated_at=timezone.now())
    return outcome
