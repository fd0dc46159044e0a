"""Outbox reads: which intents exist, and the counts staff watch (open, dead letters) per partner."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from core.outbox.models import OutboxMessage, OutboxStatus


def outbox_keys_known(keys: Iterable[str]) -> set[str]:
    """The keys that have (or had) a message in any state."""
    return set(OutboxMessage.objects.filter(key__in=list(keys)).values_list("key", flat=True).distinct())


def outbox_counts_by_status() -> dict[str, int]:
    rows = OutboxMessage.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def outbox_dead_letters():
    """Messages that need staff: the last try failed, or the partner refused."""
    return OutboxMessage.objects.filter(status__in=[OutboxStatus.DEAD, OutboxStatus.REFUSED]).order_by("-updated_at")
