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
    orders_received = models.PositiveIntegerField(
        default=1, help_text="Orders received under this merchant reference (a repeat is answered, never doubled)."
    )
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


class SandboxProviderEntry(models.Model):
    """What a sandbox studio settled: rounds played through its API and seamless-wallet moves its driver made at a
    platform, each in its studio's books. Its settlement report lists these (the vendor's books, for the platform's
    reconciliation)."""

    class Kind(models.TextChoices):
        ROUND = "round"
        WALLET = "wallet"

    studio = models.CharField(
        max_length=32, default="sandbox", help_text="Whose books: the studio's provider code (sandbox, sandbox_soap)."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    ref = models.CharField(max_length=150, help_text="The round reference, or the wallet transaction id.")
    action = models.CharField(max_length=16, blank=True, help_text="Wallet moves: bet, win or rollback.")
    round_ref = models.CharField(max_length=150, blank=True)
    vendor_round_id = models.CharField(max_length=64, blank=True)
    amount = models.BigIntegerField(help_text="Minor units: a round's stake, a wallet move's amount.")
    win = models.BigIntegerField(default=0, help_text="Minor units: a round's win.")
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=16, default="completed", help_text="completed or rolled_back")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["studio", "kind", "ref"], name="sandbox_provider_entry_unique")]

    def __str__(self):
        return f"{self.kind} {self.ref}"
