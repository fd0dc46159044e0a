"""The outbox's retention: delivered and cancelled messages go (with their attempts) after OUTBOX_RETENTION_DAYS;
open ones, dead letters and refusals never do, since staff still have to retry or cancel those."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from core.outbox.models import OutboxMessage, OutboxStatus
from core.retention import RetentionPolicy, retention_policy_register


def outbox_messages_purgeable(cutoff: datetime) -> QuerySet:
    # created_at is never after updated_at: its index finds the old rows, updated_at says when each was closed.
    return OutboxMessage.objects.filter(
        status__in=(OutboxStatus.DELIVERED, OutboxStatus.CANCELLED), created_at__lt=cutoff, updated_at__lt=cutoff
    )


def register() -> None:
    retention_policy_register(
        RetentionPolicy(name="outbox_messages", setting="OUTBOX_RETENTION_DAYS", purgeable=outbox_messages_purgeable)
    )
