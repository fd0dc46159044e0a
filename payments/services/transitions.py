"""The payment state machine: one guarded transition service with an allowed-transitions table.

Every change locks the payment row first (SELECT ... FOR UPDATE), so a late, repeated or out-of-order event can
never move a payment backwards or twice, and the money moves in the same database transaction as the state:
a deposit is credited from the gateway's clearing account on success; a withdrawal's hold is captured into the
clearing account on success and released on failure. Ledger keys are `payment:<id>:credit|capture`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.errors import ValidationFailed
from core.money import money_format, to_major
from core.realtime import payment_updated
from ledger.models import Account, AccountKind
from ledger.selectors import wallet_for
from ledger.services import (
    hold_capture,
    hold_release,
    system_account_get_or_create,
    transfer,
    wallet_balance_push,
    wallet_get_or_create,
)
from payments.models import Payment, PaymentAnomaly, PaymentKind, PaymentStatus, PaymentStatusChange, WebhookDelivery

logger = logging.getLogger(__name__)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.CREATED: frozenset(
        {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REVIEW}
    ),
    PaymentStatus.PENDING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.REVIEW}),
    PaymentStatus.REVIEW: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}),  # staff decide
    PaymentStatus.SUCCEEDED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}


@dataclass(frozen=True)
class TransitionResult:
    payment: Payment
    changed: bool  # False: it was already in that state (a repeat), or the move is not allowed
    allowed: bool = True


def payment_lock(*, payment_id) -> Payment:
    """Lock one payment row for the surrounding transaction (the first lock any payment write takes)."""
    return Payment.objects.select_for_update(of=("self",)).select_related("gateway", "player").get(pk=payment_id)


def payment_transition(
    *,
    payment_id,
    to: str,
    reason: str = "",
    settled_amount: int | None = None,
    gateway_reference: str | None = None,
    redirect_url: str | None = None,
) -> TransitionResult:
    """Move a payment to `to` if the table allows it, with its money effect, all in one transaction."""
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.status == to or to not in ALLOWED_TRANSITIONS[payment.status]:
            if gateway_reference and not payment.gateway_reference:
                # The gateway settled it (webhook) before its acceptance was recorded: keep the reference anyway.
                payment.gateway_reference = gateway_reference
                payment.save(update_fields=["gateway_reference", "updated_at"])
            if payment.status == to:
                return TransitionResult(payment, changed=False)
            logger.info("payment %s: transition %s -> %s refused", payment.pk, payment.status, to)
            return TransitionResult(payment, changed=False, allowed=False)
        if gateway_reference is not None:
            payment.gateway_reference = gateway_reference
        if redirect_url is not None:
            payment.redirect_url = redirect_url
        if to == PaymentStatus.SUCCEEDED:
            _money_on_success(payment, amount=payment.amount if settled_amount is None else settled_amount)
        elif to == PaymentStatus.FAILED:
            _money_on_failure(payment)
            payment.failure_reason = reason[:500]
        elif to == PaymentStatus.REVIEW:
            payment.failure_reason = reason[:500]
        if to in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
            payment.completed_at = timezone.now()
        PaymentStatusChange.objects.create(
            payment=payment, from_status=payment.status, to_status=to, reason=reason[:500]
        )
        shown_before = PaymentStatus.public(payment.status)
        payment.status = to
        payment.save()
        if PaymentStatus.public(to) != shown_before:  # the player sees only pending, succeeded and failed
            payment_updated_push(payment)
        return TransitionResult(payment, changed=True)


def _clearing_account(payment: Payment) -> Account:
    return system_account_get_or_create(
        kind=AccountKind.GATEWAY_CLEARING, partner=payment.gateway.code, currency=payment.currency
    )


def _money_on_success(payment: Payment, *, amount: int) -> None:
    """Credit a deposit, or capture a withdrawal's hold, for `amount` (the payment's, or what the gateway reported)."""
    wallet = wallet_get_or_create(user=payment.player, currency=payment.currency)
    if payment.kind == PaymentKind.DEPOSIT:
        payment.credit_transaction = transfer(
            source=_clearing_account(payment),
            destination=wallet,
            amount=amount,
            kind="deposit",
            idempotency_key=f"payment:{payment.pk}:credit",
            reference=f"payment:{payment.pk}",
        )
    else:
        if amount > payment.hold.amount:
            raise ValidationFailed("The gateway paid out more than was held: settle the rest with an adjustment.")
        payment.capture_transaction = hold_capture(
            hold=payment.hold,
            amount=amount,
            destination=_clearing_account(payment),
            idempotency_key=f"payment:{payment.pk}:capture",
            kind="withdrawal",
            reference=f"payment:{payment.pk}",
        )
    payment_balance_push(payment)


def _money_on_failure(payment: Payment) -> None:
    if payment.kind == PaymentKind.WITHDRAWAL and payment.hold_id:
        hold_release(hold=payment.hold)
        payment_balance_push(payment)


def payment_balance_push(payment: Payment) -> None:
    """Tell the player's open sockets about the new balance once the money commits."""
    wallet = wallet_for(user=payment.player_id, currency=payment.currency)
    if wallet is not None:
        wallet_balance_push(wallet=wallet)


def payment_updated_push(payment: Payment) -> None:
    """Tell the player's open sockets the payment's new status (as GET /payments/{id} shows it) once it commits."""
    payment_updated(
        user_id=payment.player_id,
        payment_id=payment.pk,
        kind=payment.kind,
        status=PaymentStatus.public(payment.status),
        amount=to_major(payment.amount, payment.currency),
        currency=payment.currency,
    )


def payment_anomaly_record(
    *, payment: Payment | None, gateway, kind: str, detail: str, expected=None, received=None, delivery=None
) -> PaymentAnomaly:
    logger.warning("payment anomaly %s on %s: %s", kind, payment.pk if payment else "-", detail)
    return PaymentAnomaly.objects.create(
        payment=payment,
        gateway=gateway,
        delivery=delivery,
        kind=kind,
        detail=detail,
        expected=expected or {},
        received=received or {},
    )


def payment_outcome_apply(*, payment_id, outcome: str, amount: int, currency: str, source: str, delivery=None) -> str:
    """Apply what a gateway reports (webhook or status poll) about a payment; returns the outcome word
    (a `WebhookDelivery.Outcome`, which the webhook delivery records as is).

    An amount or currency that disagrees is never applied: the payment goes to review and staff get an anomaly.
    """
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if amount != payment.amount or currency != payment.currency:
            expected = {"amount": to_major(payment.amount, payment.currency), "currency": payment.currency}
            received = {"amount": str(amount), "currency": currency, "outcome": outcome, "source": source}
            payment_anomaly_record(
                payment=payment,
                gateway=payment.gateway,
                kind=PaymentAnomaly.Kind.AMOUNT_MISMATCH,
                detail=f"{source} reported {outcome} for {money_format(amount, currency)}; "
                f"the payment is {money_format(payment.amount, payment.currency)}.",
                expected=expected,
                received=received,
                delivery=delivery,
            )
            payment_transition(
                payment_id=payment.pk, to=PaymentStatus.REVIEW, reason=f"{source}: amount or currency disagrees"
            )
            return WebhookDelivery.Outcome.AMOUNT_MISMATCH
        if payment.status == PaymentStatus.REVIEW:
            return WebhookDelivery.Outcome.HELD_FOR_REVIEW
        result = payment_transition(payment_id=payment.pk, to=outcome, reason=f"{source}: gateway reported {outcome}")
        if result.changed:
            return WebhookDelivery.Outcome.PROCESSED
        if result.allowed:
            return WebhookDelivery.Outcome.DUPLICATE
        if payment.status == PaymentStatus.FAILED and outcome == PaymentStatus.SUCCEEDED:
            # Money arrived at the gateway for a payment the platform had given up on: staff must settle it by hand.
            payment_anomaly_record(
                payment=payment,
                gateway=payment.gateway,
                kind=PaymentAnomaly.Kind.LATE_SUCCESS,
                detail=f"{source} reported success after the payment failed.",
                delivery=delivery,
            )
        return WebhookDelivery.Outcome.OUT_OF_ORDER


def payment_review_resolve(*, payment_id, to: str, note: str, actor) -> TransitionResult:
    """Staff settle a payment held for review (admin action; needs payments.review_payment). Success moves the amount
    the gateway reported (its word is what money actually moved), failure releases a withdrawal's hold; either way
    the payment's open anomalies are closed with the note, and the decision is audited."""
    if to not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        raise ValueError("a review ends in succeeded or failed")
    if actor is None or not actor.has_perm("payments.review_payment"):
        raise PermissionDenied("reviewing payments needs payments.review_payment")
    if not note.strip():
        raise ValidationFailed(errors={"note": ["Say why."]})
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.status != PaymentStatus.REVIEW:
            return TransitionResult(payment, changed=False, allowed=False)
        anomalies = PaymentAnomaly.objects.filter(payment=payment, resolved=False)
        reported = _reported_amount(payment, anomalies)
        reason = f"resolved by {actor.get_username()}: {note}"
        result = payment_transition(payment_id=payment.pk, to=to, reason=reason, settled_amount=reported)
        anomalies.update(resolved=True)
        audit_record(actor=actor, action=f"payment.review.{to}", target=payment, before={"status": "review"},
                     after={"status": to, "amount_moved": reported if to == PaymentStatus.SUCCEEDED else 0},
                     reason=note)  # fmt: skip
        return result


def _reported_amount(payment: Payment, anomalies) -> int:
    """The amount the gateway last reported for this payment, in its currency (else the payment's own amount)."""
    latest = anomalies.filter(kind=PaymentAnomaly.Kind.AMOUNT_MISMATCH).order_by("-id").first()
    if latest is None or "amount" not in latest.received:
        return payment.amount
    if latest.received.get("currency") != payment.currency:
        raise ValidationFailed(
            "The gateway reported another currency: settle it with an adjustment in the player's currency.",
            errors={"currency": [f"reported {latest.received.get('currency')}, the wallet is {payment.currency}"]},
        )
    return int(latest.received["amount"])
