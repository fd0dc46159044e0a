"""Seamless-wallet records: every raw callback a provider sends (stored before it is believed) and the money moves
(bets, wins, rollbacks) the platform accepted from those callbacks, one row per provider transaction id.

`WalletTransaction` is unique on (provider, transaction_id) and that one constraint carries the concurrency rules:
a duplicate transaction id blocks on the index until the first commits and then replays its stored answer, and a
rollback of a transaction not seen yet claims that id with a tombstone so a late bet under it can never succeed.
"""

import uuid

from django.conf import settings
from django.db import models

__all__ = ["WalletAction", "WalletCallback", "WalletCallbackVerdict", "WalletTransaction", "WalletTransactionStatus"]


class WalletAction(models.TextChoices):
    BALANCE = "balance", "Balance"
    BET = "bet", "Bet"
    WIN = "win", "Win"
    ROLLBACK = "rollback", "Rollback"


class WalletCallbackVerdict(models.TextChoices):
    RECEIVED = "received", "Received"  # stored, not yet answered (or the process died while answering)
    ACCEPTED = "accepted", "Accepted"
    REPLAYED = "replayed", "Replayed"  # a transaction id seen before: the first answer was sent again
    REJECTED = "rejected", "Rejected"  # answered with an error; `error_code` says which


class WalletCallback(models.Model):
    """One inbound wallet callback exactly as it arrived, with the verdict it got. Written before verification."""

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_callbacks"
    )
    provider_code = models.CharField(max_length=100, help_text="As named in the URL, even when unknown.")
    action = models.CharField(max_length=32, help_text="As named in the URL, even when unknown.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True, help_text="The raw body (decoded as UTF-8, undecodable bytes replaced).")
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    transaction_id = models.CharField(max_length=255, blank=True, db_index=True)
    verdict = models.CharField(
        max_length=16, choices=WalletCallbackVerdict.choices, default=WalletCallbackVerdict.RECEIVED, db_index=True
    )
    error_code = models.CharField(max_length=64, blank=True, db_index=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["provider_code", "-received_at"])]

    def __str__(self):
        return f"{self.provider_code} {self.action} #{self.pk} ({self.verdict})"


class WalletTransactionStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"  # the money moved (or, for a zero win or a no-op rollback, nothing to move)
    ROLLED_BACK = "rolled_back", "Rolled back"  # a bet reversed by a rollback
    NOT_FOUND = "not_found", "Rollback of an unknown transaction"  # a rollback that found nothing to reverse
    TOMBSTONE = "tombstone", "Tombstone"  # an id rolled back before it arrived: any later move under it is refused
    HELD = "held", "Held for staff review"  # a win over the configured limits: no money moved until staff decide
    REFUSED = "refused", "Refused by staff"  # a held win staff refused: nothing was credited


class WalletTransaction(models.Model):
    """A provider transaction the platform accepted (refused ones roll back and live only in WalletCallback)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="wallet_transactions")
    transaction_id = models.CharField(
        max_length=150,
        help_text="The provider's id (a rollback without its own: 'rollback <bet id>'); unique per provider.",
    )
    action = models.CharField(max_length=16, choices=WalletAction.choices)
    status = models.CharField(max_length=16, choices=WalletTransactionStatus.choices, db_index=True)
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet_transactions")
    round_id = models.CharField(max_length=128, blank=True, help_text="The provider's round id.")
    session_id = models.CharField(max_length=128, blank=True)
    amount = models.BigIntegerField(default=0, help_text="Minor units (0 for a rollback or a losing win).")
    currency = models.CharField(max_length=3)
    reference_transaction_id = models.CharField(max_length=128, blank=True, help_text="What a rollback names.")
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the normalised request; the same id with another body is a conflict."
    )
    response = models.JSONField(default=dict, blank=True, help_text="The first answer, replayed to duplicates.")
    ledger_transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("review_win", "Can release or refuse a win held for review")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="wallet_txn_provider_id_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="wallet_txn_amount_not_negative"),
        ]
        indexes = [
            # "Does this round have a bet from this player?" (every win asks it).
            models.Index(fields=["provider", "round_id", "player"], name="wallet_txn_round_idx"),
            models.Index(fields=["player", "-created_at"], name="wallet_txn_player_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.transaction_id} ({self.status})"
