"""Inbound gateway webhooks: store the raw delivery first, verify it with the gateway's adapter, then dispatch by
event type through a table. The effect and a marker unique per (gateway, event id) commit together, after the
payment row is locked, so duplicates (even concurrent ones) have no second effect."""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.metrics import INBOUND_MESSAGES
from payments.errors import (
    AmountMismatch,
    UnknownGateway,
    ValidationFailed,
    WebhookInvalidSignature,
    WebhookStaleSignature,
)
from payments.interface import EventType, GatewayEvent
from payments.models import Gateway, Payment, PaymentAnomaly, ProcessedWebhookEvent, WebhookDelivery
from payments.registry import adapter_for
from payments.services.transitions import payment_anomaly_record, payment_outcome_apply

logger = logging.getLogger(__name__)

# Headers that could carry credentials of the sender are never stored.
_UNSTORED_HEADERS = {"authorization", "cookie", "proxy-authorization"}
MAX_STORED_BODY = 256 * 1024


def webhook_delivery_record(
    *, gateway_code: str, headers: dict[str, str], body: bytes, source_address: str | None
) -> WebhookDelivery:
    """Store the raw delivery before anything is believed (its own transaction, so it survives a later error)."""
    gateway = Gateway.objects.filter(code=gateway_code).first()
    return WebhookDelivery.objects.create(
        gateway_code=gateway_code[:50],
        gateway=gateway,
        headers={k: v for k, v in headers.items() if k.lower() not in _UNSTORED_HEADERS},
        body=body[:MAX_STORED_BODY].decode("utf-8", errors="replace"),
        source_address=source_address or None,
    )


def _verdict(delivery: WebhookDelivery, **fields) -> None:
    for name, value in fields.items():
        setattr(delivery, name, value)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def webhook_delivery_process(
    *, delivery_id, raw_body: bytes | None = None, check_freshness: bool = True
) -> WebhookDelivery:
    """Verify and apply one stored delivery. Raises the contract's errors after recording the verdict.

    Staff re-processing a stored delivery call this with `check_freshness=False` (the signature still has to match;
    only its age is forgiven). Applying an event twice is harmless: the processed-event marker stops it.
    """
    delivery = WebhookDelivery.objects.select_related("gateway").get(pk=delivery_id)
    gateway = delivery.gateway
    if gateway is None or not gateway.enabled:
        _verdict(delivery, outcome=WebhookDelivery.Outcome.UNKNOWN_GATEWAY, processed_at=timezone.now())
        INBOUND_MESSAGES.labels(partner=delivery.gateway_code[:50], kind="webhook", verdict="unknown_gateway").inc()
        raise UnknownGateway(f"No payment gateway {delivery.gateway_code!r}.")
    body = raw_body if raw_body is not None else delivery.body.encode()
    try:
        event = adapter_for(gateway).verify_and_parse_webhook(delivery.headers, body, check_freshness=check_freshness)
    except (WebhookInvalidSignature, WebhookStaleSignature) as exc:
        signature = (
            WebhookDelivery.Signature.STALE
            if isinstance(exc, WebhookStaleSignature)
            else WebhookDelivery.Signature.INVALID
        )
        _verdict(
            delivery,
            signature_verdict=signature,
            outcome=WebhookDelivery.Outcome.REJECTED,
            error_detail=exc.detail,
            processed_at=timezone.now(),
        )
        INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict=exc.code).inc()
        raise
    except ValidationFailed as exc:
        _verdict(
            delivery,
            signature_verdict=WebhookDelivery.Signature.VALID,
            outcome=WebhookDelivery.Outcome.REJECTED,
            error_detail=f"{exc.detail} {exc.errors or ''}"[:2000],
            processed_at=timezone.now(),
        )
        INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict="validation_error").inc()
        raise
    _verdict(
        delivery, signature_verdict=WebhookDelivery.Signature.VALID, event_id=event.event_id, event_type=event.type
    )
    outcome = EVENT_HANDLERS[event.type](delivery=delivery, event=event)
    INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict=outcome).inc()
    if outcome == WebhookDelivery.Outcome.AMOUNT_MISMATCH:
        raise AmountMismatch("The event's amount or currency disagrees with the payment; it was not applied.")
    return delivery


def _payment_event_apply(*, delivery: WebhookDelivery, event: GatewayEvent) -> str:
    """payment.succeeded and payment.failed: apply the outcome to the payment the event names."""
    gateway = delivery.gateway
    with transaction.atomic():
        payment = _event_payment(gateway=gateway, event=event)
        if payment is None:
            outcome = _mark_processed(delivery=delivery, event=event) or WebhookDelivery.Outcome.UNKNOWN_PAYMENT
            if outcome == WebhookDelivery.Outcome.UNKNOWN_PAYMENT:
                payment_anomaly_record(
                    payment=None,
                    gateway=gateway,
                    kind=PaymentAnomaly.Kind.UNKNOWN_PAYMENT,
                    detail=f"Event {event.event_id} names payment {event.payment_id} / {event.gateway_reference}, "
                    "which this gateway does not have.",
                    delivery=delivery,
                )
            _verdict(delivery, outcome=outcome, processed_at=timezone.now())
            return outcome
        # The payment row is locked from here on: concurrent deliveries of one event queue up behind it.
        if event.amount != payment.amount or event.currency != payment.currency:
            verdict = _event_outcome_apply(payment=payment, event=event, delivery=delivery)
            _verdict(
                delivery,
                outcome=verdict,
                payment=payment,
                processed_at=timezone.now(),
                error_detail="amount or currency disagrees with the payment",
            )
            return verdict
        duplicate = _mark_processed(delivery=delivery, event=event)
        if duplicate:
            _verdict(delivery, outcome=duplicate, payment=payment, processed_at=timezone.now())
            return duplicate
        verdict = _event_outcome_apply(payment=payment, event=event, delivery=delivery)
        _verdict(delivery, outcome=verdict, payment=payment, processed_at=timezone.now())
        return verdict


def _event_outcome_apply(*, payment: Payment, event: GatewayEvent, delivery: WebhookDelivery) -> str:
    """Hand the event's outcome, amount and currency to the state machine (which records a disagreement)."""
    return payment_outcome_apply(
        payment_id=payment.pk,
        outcome=event.outcome,
        amount=event.amount,
        currency=event.currency,
        source=f"webhook {event.event_id}",
        delivery=delivery,
    )


def _event_payment(*, gateway: Gateway, event: GatewayEvent) -> Payment | None:
    try:
        payment_id = uuid.UUID(event.payment_id)
    except ValueError:
        return None
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("gateway")
        .filter(pk=payment_id, gateway=gateway)
        .first()
    )
    if payment is None:
        return None
    if payment.gateway_reference and event.gateway_reference != payment.gateway_reference:
        return None
    return payment


def _mark_processed(*, delivery: WebhookDelivery, event: GatewayEvent) -> str | None:
    """Write the processed-event marker; returns `duplicate` if this event id already had its effect."""
    try:
        with transaction.atomic():
            ProcessedWebhookEvent.objects.create(gateway=delivery.gateway, event_id=event.event_id, delivery=delivery)
    except IntegrityError:
        return WebhookDelivery.Outcome.DUPLICATE
    return None


# Event types and the service that applies each (an unknown type never gets here: the adapter's schema refuses it).
EVENT_HANDLERS = {
    EventType.PAYMENT_SUCCEEDED: _payment_event_apply,
    EventType.PAYMENT_FAILED: _payment_event_apply,
}


def webhook_delivery_reprocess(*, delivery_id) -> str:
    """Admin action: run a stored delivery through verification and dispatch again; returns its outcome.
    A delivery that already had its effect is left as it is."""
    if ProcessedWebhookEvent.objects.filter(delivery_id=delivery_id).exists():
        return WebhookDelivery.objects.values_list("outcome", flat=True).get(pk=delivery_id)
    try:
        delivery = webhook_delivery_process(delivery_id=delivery_id, check_freshness=False)
    except ApplicationError as exc:
        return exc.code
    return delivery.outcome
