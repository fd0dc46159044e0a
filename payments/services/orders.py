"""Deposits and withdrawals as players ask for them: validate the order, create the payment, reach the gateway.

A deposit row is committed before the gateway is called (so a fast webhook finds it), and the wallet is credited
only when the gateway confirms. A withdrawal holds the amount at once, in the same transaction as the payment row,
and is handed to the gateway by a Celery task sent on commit (the outbox): that task retries with backoff while the
gateway is unavailable and never retries a refusal, which fails the payment and releases the hold.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from casino.outbound import PartnerRejected, PartnerUnavailable
from ledger.money import MoneyError, currency_exponent, to_major, to_minor
from ledger.services import hold_reserve, wallet_get_or_create
from payments.errors import GatewayUnavailable, KycRequired, PaymentDeclined, ValidationFailed
from payments.interface import GatewayAcceptance, GatewayOutcome, PaymentOrder
from payments.kyc import kyc_adapter
from payments.models import Gateway, Payment, PaymentKind, PaymentStatus
from payments.registry import adapter_for
from payments.services.transitions import payment_balance_push, payment_transition

logger = logging.getLogger(__name__)


def payment_order_validate(*, user, gateway_code: str, amount: str, currency: str) -> tuple[Gateway, int, str]:
    """The gateway row, the amount in minor units and the currency, or a validation_error naming the field.
    The currency is the player's wallet currency: money never lands in a wallet the player cannot see."""
    gateway = Gateway.objects.filter(code=gateway_code, enabled=True).first()
    if gateway is None:
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
    decision = kyc_adapter().check(user=user)
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
        payment_id = str(payment.pk)
        transaction.on_commit(lambda: _payout_submit_send(payment_id), robust=True)
    return payment


def _payout_submit_send(payment_id: str) -> None:
    from payments.tasks import payout_submit

    payout_submit.delay(payment_id)


def payout_submit(*, payment_id) -> Payment:
    """Hand a created withdrawal to its gateway. PartnerUnavailable propagates (the task retries; the gateway
    dedupes on our payment id, so a retry after an unknown outcome cannot pay twice); a refusal fails the payment."""
    payment = Payment.objects.select_related("gateway").get(pk=payment_id)
    if payment.kind != PaymentKind.WITHDRAWAL or payment.status != PaymentStatus.CREATED:
        return payment
    Payment.objects.filter(pk=payment.pk).update(submit_attempts=F("submit_attempts") + 1)
    try:
        acceptance = adapter_for(payment.gateway).create_payout(_order(payment))
    except PartnerRejected as exc:
        return payment_transition(
            payment_id=payment.pk, to=PaymentStatus.FAILED, reason=f"refused by the gateway: {exc}"
        ).payment
    return _accepted(payment, acceptance).payment
