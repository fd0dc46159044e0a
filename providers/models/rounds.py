"""Game sessions opened at a provider and the rounds (spins) played in them.

A round is unique per (player, Idempotency-Key) so that a retried spin finds its first round instead of betting
again, and every ledger key of a round derives from the round id (`spin:<round id>:...`).
"""

import uuid

from django.conf import settings
from django.db import models

from providers.interface import SessionMode

__all__ = ["GameSession", "Round", "RoundStatus", "SessionStatus"]


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class GameSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="game_sessions")
    game = models.ForeignKey("providers.Game", on_delete=models.PROTECT, related_name="sessions")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="sessions")
    provider_session_id = models.CharField(max_length=255, help_text="The provider's token for this session.")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    # A demo session plays with the provider's play money in its game client: no spin, no wallet bet.
    mode = models.CharField(
        max_length=8,
        choices=[(SessionMode.REAL, "Real money"), (SessionMode.DEMO, "Demo (play money)")],
        default=SessionMode.REAL,
    )
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["player", "-created_at"])]

    def __str__(self):
        return f"session {self.id} ({self.status})"


class RoundStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # bet held; the provider's answer is not known yet
    SETTLED = "settled", "Settled"  # bet captured and payout credited
    FAILED = "failed", "Failed"  # the provider definitely did not play it; hold released
    VOIDED = "voided", "Voided"  # outcome was unknown, the provider says it never happened; hold released


class Round(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rounds")
    session = models.ForeignKey(GameSession, on_delete=models.PROTECT, related_name="rounds")
    game = models.ForeignKey("providers.Game", on_delete=models.PROTECT, related_name="rounds")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="rounds")
    idempotency_key = models.CharField(max_length=255, help_text="The player's Idempotency-Key of the spin.")
    currency = models.CharField(max_length=3)
    bet = models.BigIntegerField(help_text="Minor units.")
    payout = models.BigIntegerField(null=True, blank=True, help_text="Minor units, once settled.")
    status = models.CharField(max_length=16, choices=RoundStatus.choices, default=RoundStatus.PENDING, db_index=True)
    attempt = models.PositiveIntegerField(default=1, help_text="Bumped when a failed round is retried by its key.")
    result_data = models.JSONField(default=dict, blank=True)
    provider_round_id = models.CharField(max_length=255, blank=True)
    hold = models.ForeignKey("ledger.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settle_transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    acknowledged = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    provider_acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["player", "idempotency_key"], name="round_player_key_unique"),
            models.CheckConstraint(condition=models.Q(bet__gt=0), name="round_bet_positive"),
            models.CheckConstraint(
                condition=models.Q(payout__isnull=True) | models.Q(payout__gte=0), name="round_payout_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"round {self.id} ({self.status})"
