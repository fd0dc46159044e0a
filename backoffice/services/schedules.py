"""The periodic jobs beat runs, seeded into django-celery-beat's tables once: a missing entry is created, an
existing one is never touched, so the intervals, crontabs and pauses staff set in the admin last across restarts."""

from __future__ import annotations

import json

# name: (task, every N seconds | a crontab dict, kwargs)
JOBS: dict[str, tuple[str, int | dict, dict]] = {
    "outbox-sweep": ("outbox.sweep", 30, {}),
    "ledger-expire-holds": ("ledger.expire_holds", 60, {}),
    "core-purge-idempotency-records": ("core.purge_idempotency_records", 3600, {}),
    "providers-sync-catalogues": ("providers.sync_catalogues", 3600, {}),
    "providers-resolve-pending-rounds": ("providers.resolve_pending_rounds", 300, {}),
    "payments-poll-pending": ("payments.poll_pending", 60, {}),
    "payments-expire-deposits": ("payments.expire_deposits", 300, {}),
    "payments-purge-webhook-rejections": ("payments.purge_webhook_rejections", 86400, {}),
    # Retention (core.retention): each policy purged once a day, at night, in batches.
    "payments-purge-webhook-deliveries": (
        "core.retention_purge",
        {"minute": "10", "hour": "3"},
        {"policy": "webhook_deliveries"},
    ),
    "providers-purge-wallet-callbacks": (
        "core.retention_purge",
        {"minute": "20", "hour": "3"},
        {"policy": "wallet_callbacks"},
    ),
    "outbox-purge": ("core.retention_purge", {"minute": "30", "hour": "3"}, {"policy": "outbox_messages"}),
    "reconcile-yesterday": ("backoffice.reconcile_day", {"minute": "30", "hour": "2"}, {}),
    "ledger-audit": ("backoffice.ledger_audit", {"minute": "15", "hour": "*"}, {}),
    # Jurisdiction cells only (a no-op elsewhere): other cells' catalogue edits reach this cell's replica.
    "core-catalogue-pull": ("core.catalogue_pull", 60, {}),
}


def schedules_ensure() -> list[str]:
    """Create the periodic tasks that do not exist yet; returns the names created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    existing = set(PeriodicTask.objects.filter(name__in=JOBS).values_list("name", flat=True))
    for name, (task, every, kwargs) in JOBS.items():
        if name in existing:
            continue
        if isinstance(every, int):
            interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
            schedule = {"interval": interval}
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(**every, timezone="UTC")
            schedule = {"crontab": crontab}
        PeriodicTask.objects.create(name=name, task=task, kwargs=json.dumps(kwargs), **schedule)
        created.append(name)
    return created


def schedules_ensure_after_migrate(sender, using="default", **kwargs) -> None:
    schedules_ensure()
