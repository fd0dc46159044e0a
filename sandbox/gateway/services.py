"""The REST and SOAP sandbox gateways' own bookkeeping (they play the vendor; the platform never calls these).

Payments and payouts stay pending until a person presses pay/decline on the checkout page or a test calls the
control endpoint. An order for the amount 13.13 (any currency) is declined up front, so refusals can be demonstrated.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.money import to_major
from payments.adapters.sandbox_rest.adapter import SIGNATURE_HEADER, signature_header
from sandbox.models import SandboxGatewayPayment
from sandbox.reports import REPORT_PAGE_SIZE, report_page

logger = logging.getLogger(__name__)

DECLINED_AMOUNT = "13.13"  # the sandbox refuses orders of exactly this amount


class SandboxRefusal(Exception):
    """The sandbox refuses an order (rendered as 422 by the REST sandbox, a Client fault by the SOAP one)."""


class SandboxDuplicate(SandboxRefusal):
    """An order repeats a merchant reference (only when asked to refuse duplicates; rendered as 409 by REST)."""


class SandboxNotFound(Exception):
    pass


class WebhookNotAccepted(Exception):
    def __init__(self, message: str, *, retry: bool):
        super().__init__(message)
        self.retry = retry


def sandbox_payment_create(
    *,
    channel: str,
    kind: str,
    merchant_reference: str,
    amount: int,
    currency: str,
    callback_url: str = "",
    refuse_duplicate: bool = False,
) -> SandboxGatewayPayment:
    """Idempotent on (channel, kind, merchant reference), like a real gateway's merchant order id; with
    `refuse_duplicate`, a repeated merchant reference is refused instead (SandboxDuplicate), as some gateways do."""
    if to_major(amount, currency) == DECLINED_AMOUNT:
        raise SandboxRefusal(f"The sandbox declines the amount {DECLINED_AMOUNT}.")
    same_order = {"channel": channel, "kind": kind, "merchant_reference": merchant_reference}
    existing = SandboxGatewayPayment.objects.filter(**same_order).first()
    if existing is None:
        try:
            with transaction.atomic():
                return SandboxGatewayPayment.objects.create(
                    reference=f"sbx_{secrets.token_hex(12)}", amount=amount, currency=currency,
                    callback_url=callback_url, **same_order,
                )  # fmt: skip
        except IntegrityError:
            existing = SandboxGatewayPayment.objects.get(**same_order)
    # A repeated order: counted (what the vendor received), never a second payment.
    SandboxGatewayPayment.objects.filter(pk=existing.pk).update(orders_received=F("orders_received") + 1)
    if refuse_duplicate:
        raise SandboxDuplicate(f"duplicate merchant reference {merchant_reference}")
    if (existing.amount, existing.currency) != (amount, currency):
        raise SandboxRefusal("This merchant reference was used for another amount.")
    return existing


def sandbox_payment_by_merchant_reference(*, channel: str, kind: str, merchant_reference: str) -> SandboxGatewayPayment:
    payment = SandboxGatewayPayment.objects.filter(
        channel=channel, kind=kind, merchant_reference=merchant_reference
    ).first()
    if payment is None:
        raise SandboxNotFound(merchant_reference)
    return payment


def sandbox_payment_get(*, reference: str) -> SandboxGatewayPayment:
    payment = SandboxGatewayPayment.objects.filter(reference=reference).first()
    if payment is None:
        raise SandboxNotFound(reference)
    return payment


def sandbox_settlement_page(*, channel: str, day: date | None, cursor: str = "", limit: int = REPORT_PAGE_SIZE):
    """One page of a sandbox gateway's settlement report: its payments and payouts completed on `day`."""
    completed = SandboxGatewayPayment.objects.filter(channel=channel, completed_at__isnull=False)
    return report_page(completed, stamped="completed_at", day=day, cursor=cursor, limit=limit)


def sandbox_payment_complete(
    *,
    reference: str,
    outcome: str,
    amount: int | None = None,
    currency: str | None = None,
    notify: bool = True,
) -> SandboxGatewayPayment:
    """Settle a pending sandbox payment (optionally reporting another amount or currency, to test mismatches),
    then send its webhook after commit. Completing a settled payment again only re-sends the webhook."""
    if outcome not in (SandboxGatewayPayment.Status.SUCCEEDED, SandboxGatewayPayment.Status.FAILED):
        raise SandboxRefusal("outcome must be succeeded or failed")
    with transaction.atomic():
        payment = SandboxGatewayPayment.objects.select_for_update().filter(reference=reference).first()
        if payment is None:
            raise SandboxNotFound(reference)
        if payment.status == SandboxGatewayPayment.Status.PENDING:
            payment.status = outcome
            payment.settled_amount = payment.amount if amount is None else amount
            payment.settled_currency = currency or payment.currency
            payment.completed_at = timezone.now()
            payment.save()
        if notify and payment.channel == SandboxGatewayPayment.Channel.REST and payment.callback_url:
            transaction.on_commit(lambda: _webhook_send(payment.reference), robust=True)
    return payment


def _webhook_send(reference: str) -> None:
    from sandbox.gateway.tasks import sandbox_webhook_send

    sandbox_webhook_send.delay(reference)


def sandbox_event_body(payment: SandboxGatewayPayment) -> bytes:
    currency = payment.settled_currency or payment.currency
    amount = payment.amount if payment.settled_amount is None else payment.settled_amount
    event = {
        # One id per settlement: re-sending the same outcome is the same event to the receiver.
        "id": f"evt_{payment.reference}_{payment.status}",
        "type": f"payment.{payment.status}",
        "data": {
            "payment_id": payment.merchant_reference,
            "gateway_reference": payment.reference,
            "amount": to_major(amount, currency),
            "currency": currency,
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


_session = requests.Session()
_session.trust_env = False


def sandbox_webhook_deliver(*, reference: str) -> int:
    """POST the signed event to the callback URL once; returns the HTTP status. Raises WebhookNotAccepted."""
    payment = sandbox_payment_get(reference=reference)
    if payment.status == SandboxGatewayPayment.Status.PENDING:
        return 0
    body = sandbox_event_body(payment)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(settings.SANDBOX_WEBHOOK_SECRET, body),
    }
    SandboxGatewayPayment.objects.filter(pk=payment.pk).update(webhook_attempts=payment.webhook_attempts + 1)
    try:
        response = _session.post(payment.callback_url, data=body, headers=headers, timeout=(3, 10))
    except requests.RequestException as exc:
        raise WebhookNotAccepted(f"webhook to {payment.callback_url} failed: {exc}", retry=True) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise WebhookNotAccepted(f"webhook answered {response.status_code}", retry=True)
    if response.status_code >= 400:
        # The receiver refuses this event for good (e.g. amount_mismatch): a vendor would alert, not retry.
        raise WebhookNotAccepted(f"webhook refused with {response.status_code}: {response.text[:200]}", retry=False)
    SandboxGatewayPayment.objects.filter(pk=payment.pk).update(webhook_delivered_at=timezone.now())
    return response.status_code
