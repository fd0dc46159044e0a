"""Deposits and withdrawals as players ask for them: validate the order, create the payment, reach the gateway.

A deposit row is committed before the gateway is called (so a fast webhook finds it), and the wallet is credited
only when the gateway confirms. A withdrawal holds the amount at once, in the same transaction as the payment row,
and is handed to the gateway by an outbox intent written in that transaction: its delivery retries with backoff while
the gateway is unavailable and never retries a refusal. One submission runs at a time per payment (a lease claimed under
the row lock), and a refusal fails the payment (releasing the hold) only when the gateway cannot have taken the
payout: otherwise the gateway is asked for the payout by our reference and its answer is applied.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.money import MoneyError, currency_exponent, to_major, to_minor
from core.outbound import PartnerRejected, PartnerUnavailable
from core.outbox.services import outbox_enqueue
from core.partners import partner_cached
from ledger.services import hold_reserve, wallet_get_or_create
from payments.errors import GatewayUnavailable, KycRequired, KycUnavailable, PaymentDeclined, ValidationFailed
from payments.interface import (
    GatewayAcceptance,
    GatewayAdapter,
    GatewayOutcome,
    GatewayPaymentUnknown,
    PaymentOrder,
)
from payments.kyc import kyc_adapter
from payments.models import Gateway, Payment, PaymentKind, PaymentStatus
from payments.registry import adapter_for
from payments.services.polling import payment_gateway_status_apply
from payments.services.transitions import (
    payment_balance_push,
    payment_lock,
    payment_transition,
)

logger = logging.getLogger(__name__)


def payment_order_validate(*, user, gateway_code: str, amount: str, currency: str) -> tuple[Gateway, int, str]:
    """The gateway row, the amount in minor units and the currency, or a validation_error naming the field.
    The currency is the player's wallet currency: money never lands in a wallet the player cannot see."""
    gateway = partner_cached(Gateway, code=gateway_code)
    if gateway is None or not gateway.enabled:
        raise ValidationFailed(errors={"gateway": ["Unknown or disabled payment gateway."]})
    currency = (currency or "").upper()
    try:
        currency_exponent(currency)
        minor = to_minor(amount, currency)
    except MoneyError as exc:
        raise ValidationFailed(errors={exc.field: [str(exc)]}) from None
    if currency != user.player.currency:
        raise ValidationFailed(errors={"currency": [f"Your wallet is in {user.player.currency}."]})
    if currency not in gateway.currencies:
        raise ValidationFailed(errors={"currency": [f"The gateway {gateway.code} does not accept {currency}."]})
    major = Decimal(to_major(minor, currency))
    if gateway.min_amount is not None and major < gateway.min_amount:
        raise ValidationFailed(errors={"amount": [f"The minimum is {gateway.min_amount.normalize():f} {currency}."]})
    if gateway.max_amount is not None and major > gateway.max_amount:
        raise ValidationFailed(errors={"amount": [f"The maximum is {gateway.max_amount.normalize():f} {currency}."]})
    return gateway, minor, currency


def payment_callback_url(gateway: Gateway) -> str:
    """Where the gateway sends its webhooks: the platform's public URL (SITE_URL) and the gateway's webhook path."""
    return settings.SITE_URL.rstrip("/") + reverse("payments-webhook", kwargs={"gateway_code": gateway.code})


def _order(payment: Payment) -> PaymentOrder:
    return PaymentOrder(
        payment_id=str(payment.pk),
        player_id=str(payment.player_id),
        amount=payment.amount,
        currency=payment.currency,
        callback_url=payment_callback_url(payment.gateway),
    )


def deposit_create(*, user, gateway_code: str, amount: str, currency: str) -> Payment:
    gateway, minor, currency = payment_order_validate(
        user=user, gateway_code=gateway_code, amount=amount, currency=currency
    )
    payment = Payment.objects.create(
        player=user, gateway=gateway, kind=PaymentKind.DEPOSIT, amount=minor, currency=currency, submit_attempts=1
    )
    try:
        acceptance = adapter_for(gateway).create_deposit(_order(payment))
    except PartnerRejected as exc:
        payment_transition(payment_id=payment.pk, to=PaymentStatus.FAILED, reason=f"declined by the gateway: {exc}")
        raise PaymentDeclined("The payment gateway declined this deposit.") from None
    except PartnerUnavailable as exc:
        # Nothing was credited and the player has no checkout to pay at, so failing the deposit is safe; if the
        # gateway did create it after all, a later success is recorded for staff as an anomaly.
        payment_transition(payment_id=payment.pk, to=PaymentStatus.FAILED, reason=f"gateway unavailable: {exc}")
        raise GatewayUnavailable(
            "The payment gateway is unavailable; try again later.", headers={"Retry-After": "30"}
        ) from None
    return _accepted(payment, acceptance).payment


def _accepted(payment: Payment, acceptance: GatewayAcceptance):
    result = payment_transition(
        payment_id=payment.pk,
        to=PaymentStatus.PENDING,
        reason=f"accepted by the gateway as {acceptance.reference}",
        gateway_reference=acceptance.reference,
        redirect_url=acceptance.redirect_url,
    )
    if acceptance.outcome != GatewayOutcome.PENDING:  # a gateway that settles at once (rare, but allowed)
        result = payment_transition(
            payment_id=payment.pk, to=acceptance.outcome, reason="settled by the gateway at once"
        )
    return result


def withdrawal_create(*, user, gateway_code: str, amount: str, currency: str) -> Payment:
    gateway, minor, currency = payment_order_validate(
        user=user, gateway_code=gateway_code, amount=amount, currency=currency
    )
    try:
        decision = kyc_adapter().check(user=user)
    except Exception as exc:  # the identity vendor failed: the player can retry later, it is not their error (no 500)
        logger.warning("KYC check of %s failed: %s", user.pk, exc)
        raise KycUnavailable(
            "Identity checks are unavailable; try again later.", headers={"Retry-After": "60"}
        ) from None
    if not decision.verified:
        raise KycRequired(f"Withdrawals need a verified identity (KYC status: {decision.status}).")
    with transaction.atomic():
        wallet = wallet_get_or_create(user=user, currency=currency)
        payment = Payment.objects.create(
            player=user, gateway=gateway, kind=PaymentKind.WITHDRAWAL, amount=minor, currency=currency
        )
        # No expiry: the money must stay held for as long as the payout may still happen at the gateway.
        payment.hold = hold_reserve(
            account=wallet,
            amount=minor,
            idempotency_key=f"payment:{payment.pk}:hold",
            reference=f"payment:{payment.pk}",
        )
        payment.save(update_fields=["hold", "updated_at"])
        payment_balance_push(payment)
        payout_intent(payment)
    return payment


# Outbox kinds of payments (handlers in payments.outbox_handlers).
PAYOUT_SUBMIT, STATUS_POLL = "payments.payout_submit", "payments.status_poll"


def payout_intent(payment: Payment):
    """In the caller's transaction: the intent to hand a created withdrawal to its gateway (one open per payment)."""
    return outbox_enqueue(
        kind=PAYOUT_SUBMIT,
        key=f"payout-submit:{payment.pk}",
        payload={"payment_id": str(payment.pk)},
        partner=payment.gateway.outbound_name,
        subject=f"payment:{payment.pk}",
        max_attempts=settings.PAYMENTS_SUBMIT_MAX_RETRIES + 1,
    )


# Refusals that do not prove the gateway left the payout alone: timed out at its end, a duplicate of an order it has,
# throttled. Any refusal of a resubmission is treated the same (an earlier attempt may have reached the gateway).
UNCERTAIN_REFUSALS = frozenset({408, 409, 429})


def payout_submit(*, payment_id) -> Payment:
    """Hand a created withdrawal to its gateway, one submission at a time per payment.

    PartnerUnavailable (and PartnerTimeout) propagates: the task retries with backoff. The first submission refused
    with a 4xx other than 408/409/429 fails the payment (the gateway never took it); any other refusal is settled by
    asking the gateway for the payout by our reference: its state is applied, and only a payout it does not know fails.
    Returns the payment unchanged if it is not a created withdrawal or another submission of it is in progress."""
    claim = _payout_submit_claim(payment_id)
    if claim is None:
        return Payment.objects.select_related("gateway").get(pk=payment_id)
    payment, attempt = claim
    try:
        return _payout_submit_once(payment, attempt)
    finally:
        # Only this attempt's own claim: a later one (after this one's lease lapsed) keeps its own.
        Payment.objects.filter(pk=payment.pk, submit_attempts=attempt).update(submitting_until=None)


def _payout_submit_claim(payment_id) -> tuple[Payment, int] | None:
    """Under the row lock: claim the submission for a lease and count the attempt; `updated_at` moves with it, so the
    poller waits its turn after each attempt. None when there is nothing to submit or a live claim exists."""
    with transaction.atomic():
        payment = payment_lock(payment_id=payment_id)
        if payment.kind != PaymentKind.WITHDRAWAL or payment.status != PaymentStatus.CREATED:
            return None
        now = timezone.now()
        if payment.submitting_until is not None and payment.submitting_until > now:
            logger.info("payout %s: a submission is in progress until %s", payment.pk, payment.submitting_until)
            return None
        payment.submit_attempts += 1
        payment.submitting_until = now + timedelta(seconds=settings.PAYMENTS_SUBMIT_LEASE_SECONDS)
        payment.save(update_fields=["submit_attempts", "submitting_until", "updated_at"])
    return payment, payment.submit_attempts


def _payout_submit_once(payment: Payment, attempt: int) -> Payment:
    adapter = adapter_for(payment.gateway)
    try:
        acceptance = adapter.create_payout(_order(payment))
    except PartnerRejected as exc:
        if attempt == 1 and exc.status not in UNCERTAIN_REFUSALS:
            return payment_transition(
                payment_id=payment.pk, to=PaymentStatus.FAILED, reason=f"refused by the gateway: {exc}"
            ).payment
        logger.warning("payout %s: attempt %s refused (%s); asking the gateway", payment.pk, attempt, exc)
        return _payout_settle_from_gateway(payment, adapter, refusal=exc)
    return _accepted(payment, acceptance).payment


def _payout_settle_from_gateway(payment: Payment, adapter: GatewayAdapter, *, refusal: PartnerRejected) -> Payment:
    """A refusal that may hide a payout the gateway has: ask it by our reference and apply what it says.
    PartnerUnavailable from the question propagates (the task retries; the payment stays created and held)."""
    try:
        status = adapter.fetch_status(
            reference=payment.gateway_reference, payment_id=str(payment.pk), kind=payment.kind
        )
    except GatewayPaymentUnknown:
        return payment_transition(
            payment_id=payment.pk,
            to=PaymentStatus.FAILED,
            reason=f"refused by the gateway ({refusal}), which has no such payout",
        ).payment
    except PartnerRejected as exc:
        # Cannot tell whether the payout exists: keep the money held and let staff decide.
        return payment_transition(
            payment_id=payment.pk,
            to=PaymentStatus.REVIEW,
            reason=f"refused by the gateway ({refusal}) and its status cannot be asked ({exc})",
        ).payment
    return payment_gateway_status_apply(payment=payment, status=status, source="status lookup after a refusal")
