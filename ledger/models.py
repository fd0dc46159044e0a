"""Double-entry ledger: accounts, immutable transactions and entries, and two-phase holds.

Amounts are signed integers of minor units: a positive entry credits an account (raises its balance), a negative
one debits it. Every transaction's entries sum to zero per currency. `Account.balance` and `Account.held` are
running totals kept by ledger.services under row locks; `ledger_audit` proves they equal the entries and holds.
"""

import uuid

from django.conf import settings
from django.db import models

from core.money import money_format


class ImmutableError(Exception):
    pass


class AccountKind(models.TextChoices):
    PLAYER_WALLET = "player_wallet", "Player wallet"
    HOUSE = "house", "House"
    PROVIDER_CLEARING = "provider_clearing", "Provider clearing"
    GATEWAY_CLEARING = "gateway_clearing", "Gateway clearing"


class Account(models.Model):
    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=120, unique=True, help_text="e.g. player:<user id>:EUR, house:EUR")
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    non_negative = models.BooleanField(default=True, help_text="The balance (less holds) may not go below zero.")
    balance = models.BigIntegerField(default=0, help_text="Minor units; the sum of the account's entries.")
    held = models.BigIntegerField(default=0, help_text="Minor units reserved by active holds.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(held__gte=0), name="account_held_not_negative"),
            models.CheckConstraint(
                condition=models.Q(non_negative=False) | models.Q(balance__gte=models.F("held")),
                name="account_available_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["owner", "currency"])]

    def __str__(self):
        return self.code

    @property
    def available(self) -> int:
        return self.balance - self.held


class _ImmutableModel(models.Model):
    """Rows that are written once: a correction is a new reversing transaction, never an edit."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are immutable")


class Transaction(_ImmutableModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="Scoped by its prefix, e.g. spin:<round>:settle; a replay returns this row.",
    )
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the postings; another move under the same key is refused."
    )
    kind = models.CharField(max_length=32, db_index=True)
    reference = models.CharField(max_length=255, blank=True, db_index=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.kind} {self.id}"


class Entry(_ImmutableModel):
    id = models.BigAutoField(primary_key=True)
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(help_text="Minor units; positive credits the account, negative debits it.")
    currency = models.CharField(max_length=3)
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["account", "-id"])]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero")]

    def __str__(self):
        return f"{self.account_id} {'+' if self.amount > 0 else ''}{money_format(self.amount, self.currency)}"


class HoldStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CAPTURED = "captured", "Captured"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"


class Hold(models.Model):
    """A reservation on an account: reserved once, then captured (whole or part) or released, at most once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=HoldStatus.choices, default=HoldStatus.ACTIVE, db_index=True)
    captured_amount = models.BigIntegerField(default=0)
    capture_transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="captured_hold"
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    reference = models.CharField(max_length=255, blank=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="hold_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(captured_amount__gte=0) & models.Q(captured_amount__lte=models.F("amount")),
                name="hold_captured_within_amount",
            ),
        ]

    def __str__(self):
        return f"hold {money_format(self.amount, self.currency)} on {self.account_id} ({self.status})"
