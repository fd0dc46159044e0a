"""A deposit or withdrawal and its guarded state machine (transitions live in payments.services.transitions)."""

import uuid

from django.conf import settings
from django.db import models

__all__ = ["Payment", "PaymentAnomaly", "PaymentKind", "PaymentStatus", "PaymentStatusChange"]


class PaymentKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created (not yet accepted by the gateway)"
    PENDING = "pending", "Pending at the gateway"
    REVIEW = "review", "Held for staff review"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"

    @classmethod
    def public(cls, status: str) -> str:
        """The contract shows only pending, succeeded and failed: anything unfinished is pending to the player."""
        return status if status in (cls.SUCCEEDED, cls.FAILED) else cls.PENDING


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    gateway = models.ForeignKey("payments.Gateway", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=16, choices=PaymentKind.choices)
    amount = models.BigIntegerField(help_text="Minor units of `currency`.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    gateway_reference = models.CharField(max_length=255, blank=True, db_index=True)
    redirect_url = models.URLField(max_length=1000, blank=True)
    hold = models.OneToOneField(
        "ledger.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="withdrawal"
    )
    credit_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="deposit"
    )
    capture_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    failure_reason = models.CharField(max_length=500, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0, help_text="Calls made to submit it to the gateway.")
    submitting_until = models.DateTimeField(
        null=True, blank=True, help_text="A payout submission is in progress until then (one at a time)."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["player", "-created_at"]),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]
        # Staff powers beyond viewing: each admin action that moves money names its own permission.
        permissions = [("review_payment", "Can resolve a payment held for review (moves money)")]

    def __str__(self):
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def public_status(self) -> str:
        return PaymentStatus.public(self.status)


class PaymentAnomaly(models.Model):
    """Something staff must look at: a gateway that disagrees with the payment on amount or currency, a success
    reported after the payment failed, an event for a payment the platform does not know."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", "Amount or currency disagrees"
        LATE_SUCCESS = "late_success", "Success reported after the payment failed"
        UNKNOWN_PAYMENT = "unknown_payment", "Event for an unknown payment"

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="anomalies")
    gateway = models.ForeignKey("payments.Gateway", on_delete=models.PROTECT, related_name="anomalies")
    delivery = models.ForeignKey(
        "payments.WebhookDelivery", null=True, blank=True, on_delete=models.PROTECT, related_name="anomalies"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    detail = models.TextField()
    expected = models.JSONField(default=dict, blank=True)
    received = models.JSONField(default=dict, blank=True)
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "payment anomalies"

    def __str__(self):
        return f"{self.kind} on {self.payment_id}"


class PaymentStatusChange(models.Model):
    """The history of a payment's state, written by the transition service in the same transaction as the change
    (staff can always see what moved a payment, when, and on whose word: a webhook, a poll, a person)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    to_status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.payment_id}: {self.from_status} -> {self.to_status}"
