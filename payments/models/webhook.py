"""Inbound webhooks: a delivery to a configured gateway is stored once its signature is checked: raw when genuine,
as a bounded summary (a few headers, the body's size and SHA-256, never the body) when not. A separate marker row,
unique per (gateway, event id), says an event has had its effect, so a duplicate never has a second."""

from django.db import models

__all__ = ["ProcessedWebhookEvent", "WebhookDelivery"]


class WebhookDelivery(models.Model):
    class Signature(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        STALE = "stale", "Stale timestamp"

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received, not processed"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate of a processed event"
        OUT_OF_ORDER = "out_of_order", "Ignored: the payment is past that state"
        HELD_FOR_REVIEW = "held_for_review", "Ignored: the payment is held for staff review"
        AMOUNT_MISMATCH = "amount_mismatch", "Rejected: amount or currency disagrees"
        UNKNOWN_PAYMENT = "unknown_payment", "Ignored: unknown payment"
        REJECTED = "rejected", "Rejected: signature or schema"
        UNKNOWN_GATEWAY = "unknown_gateway", "Rejected: unknown gateway"

    gateway_code = models.CharField(max_length=50, db_index=True, help_text="As it appeared in the URL.")
    gateway = models.ForeignKey(
        "payments.Gateway", null=True, blank=True, on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    event_id = models.CharField(max_length=255, blank=True, db_index=True)
    event_type = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True, help_text="Empty for a delivery that failed verification.")
    body_sha256 = models.CharField(max_length=64, blank=True)
    body_size = models.PositiveIntegerField(default=0)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    signature_verdict = models.CharField(max_length=16, choices=Signature.choices, default=Signature.UNCHECKED)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, default=Outcome.RECEIVED)
    error_detail = models.TextField(blank=True)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        permissions = [("reprocess_webhookdelivery", "Can re-process a stored webhook delivery (may move money)")]

    def __str__(self):
        return f"{self.gateway_code} {self.event_id or '?'} ({self.outcome})"


class ProcessedWebhookEvent(models.Model):
    """Written in the same transaction as the event's effect; its uniqueness is what stops a second effect."""

    gateway = models.ForeignKey("payments.Gateway", on_delete=models.PROTECT, related_name="processed_events")
    event_id = models.CharField(max_length=255)
    delivery = models.OneToOneField(WebhookDelivery, on_delete=models.PROTECT, related_name="processed_event")
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="processed_webhook_event_unique"),
        ]

    def __str__(self):
        return f"{self.gateway_id}:{self.event_id}"
