"""Inbound gateway webhooks: nothing is stored for a gateway nobody configured; a delivery to a configured gateway is
verified with its adapter first, then stored raw when genuine (a stale but genuine one too, so staff can re-process
it) or as a bounded summary when its signature fails (never the body: anyone can send those). Genuine events are
dispatched by type through a table. The effect and a marker unique per (gateway, event id) commit together, after
the payment row is locked, so duplicates (even concurrent ones) have no second effect."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.inbound import message_summary, partner_label
from core.metrics import INBOUND_MESSAGES
from core.partners import partner_cached
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


def webhook_gateway_get(*, gateway_code: str) -> Gateway:
    """The enabled gateway a webhook URL names; an unknown code stores nothing and counts under one metric label."""
    gateway = Gateway.objects.filter(code=gateway_code, enabled=True).first()
    if gateway is None:
        INBOUND_MESSAGES.labels(
            partner=partner_label(gateway_code, known=False), kind="webhook", verdict="unknown_gateway"
        ).inc()
        raise UnknownGateway(f"No payment gateway {gateway_code[:50]!r}.")
    return gateway


def webhook_delivery_record(
    *, gateway_code: str, headers: Mapping[str, str], body: bytes, source_address: str | None, **verdict
) -> WebhookDelivery:
    """Store a genuine delivery raw (its own transaction, so it survives a later error). Only called once the
    gateway is known and the body within the partner limit."""
    gateway = partner_cached(Gateway, code=gateway_code)
    return WebhookDelivery.objects.create(
        gateway_code=gateway_code[:50],
        gateway=gateway,
        headers={k: v for k, v in headers.items() if k.lower() not in _UNSTORED_HEADERS},
        body=body.decode("utf-8", errors="replace"),
        body_sha256=hashlib.sha256(body).hexdigest(),
        body_size=len(body),
        source_address=source_address or None,
        **verdict,
    )


def _rejected_delivery_record(
    *, gateway: Gateway, headers: Mapping[str, str], body: bytes, source_address: str | None
) -> WebhookDelivery:
    """A delivery whose signature failed: metadata and the body's hash, never the body."""
    summary = message_summary(headers=headers, body=body)
    return WebhookDelivery.objects.create(
        gateway_code=gateway.code,
        gateway=gateway,
        headers={"kept": summary["headers"], "names": summary["header_names"]},
        body="",
        body_sha256=summary["body_sha256"],
        body_size=summary["body_size"],
        source_address=source_address or None,
        signature_verdict=WebhookDelivery.Signature.INVALID,
        outcome=WebhookDelivery.Outcome.REJECTED,
        error_detail="signature did not verify",
        processed_at=timezone.now(),
    )


def webhook_delivery_receive(
    *, gateway: Gateway, headers: Mapping[str, str], body: bytes, source_address: str | None
) -> WebhookDelivery:
    """Verify a delivery with the gateway's adapter, store it as its verdict allows, and apply a genuine event.
    Raises the contract's errors after recording the verdict."""
    try:
        event = adapter_for(gateway).verify_and_parse_webhook(headers, body)
    except WebhookInvalidSignature:
        _rejected_delivery_record(gateway=gateway, headers=headers, body=body, source_address=source_address)
        INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict="invalid_signature").inc()
        raise
    except WebhookStaleSignature as exc:
        # The signature matched, only its time is off: kept raw, so staff can re-process it.
        webhook_delivery_record(
            gateway_code=gateway.code,
            headers=headers,
            body=body,
            source_address=source_address,
            signature_verdict=WebhookDelivery.Signature.STALE,
            outcome=WebhookDelivery.Outcome.REJECTED,
            error_detail=exc.detail,
            processed_at=timezone.now(),
        )
        INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict=exc.code).inc()
        raise
    except ValidationFailed as exc:
        webhook_delivery_record(
            gateway_code=gateway.code,
            headers=headers,
            body=body,
            source_address=source_address,
            signature_verdict=WebhookDelivery.Signature.VALID,
            outcome=WebhookDelivery.Outcome.REJECTED,
            error_detail=f"{exc.detail} {exc.errors or ''}"[:2000],
            processed_at=timezone.now(),
        )
        INBOUND_MESSAGES.labels(partner=gateway.code, kind="webhook", verdict="validation_error").inc()
        raise
    delivery = webhook_delivery_record(
        gateway_code=gateway.code,
        headers=headers,
        body=body,
        source_address=source_address,
        signature_verdict=WebhookDelivery.Signature.VALID,
        event_id=event.event_id,
        event_type=event.type,
    )
    return _event_dispatch(delivery=delivery, event=event)


def _verdict(delivery: WebhookDelivery, **fields) -> None:
    for name, value in fields.items():
        setattr(delivery, name, value)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def webhook_delivery_process(*, delivery_id, check_freshness: bool = True) -> WebhookDelivery:
    """Verify and apply one stored delivery again (staff re-processing). Raises the contract's errors after
    recording the verdict.

    Staff call this with `check_freshness=False` (the signature still has to match; only its age is forgiven).
    Applying an event twice is harmless: the processed-event marker stops it. A delivery stored without its body
    (its signature failed on arrival) cannot verify and stays rejected."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    gateway = delivery.gateway = partner_cached(Gateway, pk=delivery.gateway_id) if delivery.gateway_id else None
    if gateway is None or not gateway.enabled:
        _verdict(delivery, outcome=WebhookDelivery.Outcome.UNKNOWN_GATEWAY, processed_at=timezone.now())
        raise UnknownGateway(f"No payment gateway {delivery.gateway_code!r}.")
    body = delivery.body.encode()
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
        raise
    except ValidationFailed as exc:
        _verdict(
            delivery,
            signature_verdict=WebhookDelivery.Signature.VALID,
            outcome=WebhookDelivery.Outcome.REJECTED,
            error_detail=f"{exc.detail} {exc.errors or ''}"[:2000],
            processed_at=timezone.now(),
        )
        raise
    _verdict(
        delivery, signature_verdict=WebhookDelivery.Signature.VALID, event_id=event.event_id, event_type=event.type
    )
    return _event_dispatch(delivery=delivery, event=event)


def _event_dispatch(*, delivery: WebhookDelivery, event: GatewayEvent) -> WebhookDelivery:
    outcome = EVENT_HANDLERS[event.type](delivery=delivery, event=event)
    INBOUND_MESSAGES.labels(partner=delivery.gateway.code, kind="webhook", verdict=outcome).inc()
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
