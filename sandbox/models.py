"""State of the bundled sandbox gateways (REST and SOAP). They play the vendor: nothing in the platform's core
reads these rows; only the sandbox views and tasks do."""

from django.db import models


class SandboxGatewayPayment(models.Model):
    class Channel(models.TextChoices):
        REST = "rest", "REST sandbox"
        SOAP = "soap", "SOAP sandbox"

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    reference = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=16, help_text="deposit or payout")
    merchant_reference = models.CharField(max_length=255, help_text="The platform's payment id.")
    amount = models.BigIntegerField(help_text="Minor units as requested.")
    settled_amount = models.BigIntegerField(null=True, blank=True, help_text="What the sandbox reports on completion.")
    currency = models.CharField(max_length=3)
    settled_currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    callback_url = models.URLField(max_length=500, blank=True)
    webhook_attempts = models.PositiveIntegerField(default=0)
    webhook_delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "merchant_reference"], name="sandbox_payment_merchant_ref_unique"
            ),
        ]

    def __str__(self):
        return f"{self.channel} {self.kind} {self.reference} ({self.status})"
