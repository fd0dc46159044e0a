"""People: staff and players share one user model; a player has a profile with country, currency and KYC status."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Staff log into the admin; players use the platform API. A player has a PlayerProfile."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)


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

    def __str__(self):
        return f"{self.user.username} ({self.country}, {self.currency})"
