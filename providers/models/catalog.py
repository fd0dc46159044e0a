"""The game catalogue: one row per game a provider offers, with its bet limits in minor units of its currency."""

import uuid

from django.db import models

__all__ = ["Game", "GameCategory"]


class GameCategory(models.TextChoices):
    SLOTS = "slots", "Slots"
    TABLE = "table", "Table"
    LIVE = "live", "Live"
    OTHER = "other", "Other"


class Game(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="games")
    code = models.CharField(max_length=100, help_text="The provider's own game code.")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=GameCategory.choices, default=GameCategory.SLOTS)
    currency = models.CharField(max_length=3, help_text="ISO 4217; a player plays only games in their currency.")
    min_bet = models.BigIntegerField(help_text="Minor units of the currency.")
    max_bet = models.BigIntegerField(help_text="Minor units of the currency.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("enable_game", "Can enable or disable games for players")]
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="game_provider_code_unique"),
            models.CheckConstraint(condition=models.Q(min_bet__gt=0), name="game_min_bet_positive"),
            models.CheckConstraint(condition=models.Q(max_bet__gte=models.F("min_bet")), name="game_max_bet_gte_min"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code}, {self.currency})"
