"""Retention: how long each kind of stored record is kept, and the one way old rows are purged.

Each app registers a `RetentionPolicy` per kind of record it keeps (raw wallet callbacks, webhook deliveries, outbox
messages, failed-verification summaries): the setting that holds its retention in days, whether the regulator's
floor (REGULATORY_RETENTION_MIN_DAYS) applies to it, and the rows past a cutoff that nothing needs any more (the
app's own rule: a held win's callbacks, an open outbox message, a delivery an anomaly points at are never among
them). `retention_purge` deletes those in small batches, each its own transaction, so a purge never holds locks on
a busy table for long; a system check (core.checks) refuses to start with a retention below the floor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class RetentionPolicy:
    name: str  # what the beat job names, e.g. "wallet_callbacks"
    setting: str  # the setting holding the retention in days, e.g. "WALLET_CALLBACK_RETENTION_DAYS"
    purgeable: Callable[[datetime], QuerySet]  # rows older than the cutoff that nothing needs any more
    regulated: bool = True  # kept at least REGULATORY_RETENTION_MIN_DAYS
    # Rows pointing at a batch with a protecting key that go with it (deleted first, same transaction).
    dependents: Callable[[QuerySet], QuerySet] | None = None


_policies: dict[str, RetentionPolicy] = {}


def retention_policy_register(policy: RetentionPolicy) -> None:
    """Called from an app's ready(); registering the same name twice keeps the last (a reload)."""
    _policies[policy.name] = policy


def retention_policies() -> list[RetentionPolicy]:
    return list(_policies.values())


def retention_days(policy: RetentionPolicy) -> int:
    return getattr(settings, policy.setting)


def retention_purge(*, policy: str, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Delete the rows of `policy` older than its retention that nothing needs, in batches; returns how many of its
    own rows went (rows that cascade with them, e.g. an outbox message's attempts, are not counted)."""
    chosen = _policies[policy]
    cutoff = (now or timezone.now()) - timedelta(days=retention_days(chosen))
    batch_size = batch_size or settings.RETENTION_PURGE_BATCH_SIZE
    label = chosen.purgeable(cutoff).model._meta.label
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(chosen.purgeable(cutoff).order_by().values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            # The rule is asked again as the rows go: one that became needed since it was picked stays.
            batch = chosen.purgeable(cutoff).filter(pk__in=ids)
            if chosen.dependents is not None:
                chosen.dependents(batch).delete()
            deleted += batch.delete()[1].get(label, 0)
