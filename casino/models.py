"""People: staff and players share one user model; a player has a profile with country, currency and KYC status.
Also the player-facing rules staff manage: blocked countries, the KYC audit trail, revoked login token families."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models


class User(AbstractUser):
    """Staff log into the admin; players use the platform API. A player has a PlayerProfile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    @property
    def geo_country(self) -> str | None:
        """The country core.geo checks besides the request's: a player's profile country (None for staff)."""
        profile = getattr(self, "player", None)
        return profile.country if profile is not None else None


class KycStatus(models.TextChoices):
    NONE = "none", "Not started"
    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class PlayerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="player", primary_key=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    currency = models.CharField(max_length=3, help_text="ISO 4217 wallet currency")
    kyc_status = models.CharField(max_length=16, choices=KycStatus.choices, default=KycStatus.NONE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("change_kyc_status", "Can change a player's KYC status")]

    def __str__(self):
        return f"{self.user.username} ({self.country}, {self.currency})"


class KycStatusChange(models.Model):
    """The audit trail of KYC decisions: written by `player_kyc_set` in the same transaction as the change."""

    player = models.ForeignKey(User, on_delete=models.PROTECT, related_name="kyc_changes")
    from_status = models.CharField(max_length=16, choices=KycStatus.choices)
    to_status = models.CharField(max_length=16, choices=KycStatus.choices)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="kyc_changes_made"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.player_id}: {self.from_status} -> {self.to_status}"


class BlockedCountry(models.Model):
    """A country whose players are refused at every entry (core.geo); seeded from BLOCKED_COUNTRIES once."""

    code = models.CharField(
        max_length=2,
        primary_key=True,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", "Two letters: an ISO 3166-1 alpha-2 code.")],
        help_text="ISO 3166-1 alpha-2, e.g. US",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why, e.g. the licence condition.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "blocked countries"

    def __str__(self):
        return self.code


class RevokedTokenFamily(models.Model):
    """A login's refresh-token family (every token rotated from one login carries its id) that may refresh no more:
    after a logout, or when an already-used refresh token came back (someone else holds a copy)."""

    class Reason(models.TextChoices):
        LOGOUT = "logout", "Logout"
        REUSE = "reuse", "A used refresh token was presented again"

    family = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="revoked_token_families")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    revoked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "revoked token families"

    def __str__(self):
        return f"{self.family} ({self.reason})"
