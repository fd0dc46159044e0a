"""Payments' retention: raw webhook deliveries after WEBHOOK_DELIVERY_RETENTION_DAYS (regulated), the summaries of
deliveries that failed verification after PARTNER_REJECTION_RETENTION_DAYS (not evidence of any money: anyone can
send them). A delivery an anomaly points at, or about a payment not finished yet, is kept whatever its age."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.retention import RetentionPolicy, retention_policy_register
from payments.models import PaymentAnomaly, PaymentStatus, ProcessedWebhookEvent, WebhookDelivery


def _not_evidence_of_an_anomaly() -> Q:
    return ~Exists(PaymentAnomaly.objects.filter(delivery=OuterRef("pk")))


def webhook_deliveries_purgeable(cutoff: datetime) -> QuerySet:
    finished = Q(payment__isnull=True) | Q(payment__status__in=(PaymentStatus.SUCCEEDED, PaymentStatus.FAILED))
    return WebhookDelivery.objects.filter(_not_evidence_of_an_anomaly(), finished, received_at__lt=cutoff)


def webhook_processed_markers(deliveries: QuerySet) -> QuerySet:
    """A delivery's processed-event marker goes with it: the payment it moved is finished, so the state machine (and
    the ledger's key) refuses a second effect of a replay without it."""
    return ProcessedWebhookEvent.objects.filter(delivery__in=deliveries)


def webhook_rejections_purgeable(cutoff: datetime) -> QuerySet:
    return WebhookDelivery.objects.filter(
        _not_evidence_of_an_anomaly(),
        signature_verdict=WebhookDelivery.Signature.INVALID,
        received_at__lt=cutoff,
        processed_event__isnull=True,
    )


def register() -> None:
    retention_policy_register(
        RetentionPolicy(
            name="webhook_deliveries",
            setting="WEBHOOK_DELIVERY_RETENTION_DAYS",
            purgeable=webhook_deliveries_purgeable,
            dependents=webhook_processed_markers,
        )
    )
    retention_policy_register(
        RetentionPolicy(
            name="webhook_rejections",
            setting="PARTNER_REJECTION_RETENTION_DAYS",
            purgeable=webhook_rejections_purgeable,
            regulated=False,
        )
    )
