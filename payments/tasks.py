"""Payments tasks: the periodic poll of payments left pending too long, the expiry of deposits nobody paid, and the
purge of old webhook rejections (payout submissions and the polls themselves are outbox deliveries,
payments.outbox_handlers)."""

from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from core.retention import retention_purge
from payments.services.expiry import deposits_expire
from payments.services.polling import payments_poll_pending

POLL_LOCK_KEY = "payments:poll-pending:lock"
EXPIRY_LOCK_KEY = "payments:expire-deposits:lock"
EXPIRY_LOCK_SECONDS = 600  # longer than a run of asking at most 100 gateways' questions takes


def _alone(key: str, seconds: float, run: Callable[[], dict]) -> dict:
    """`run()`, unless another run holds `key` (then {"skipped": 1}); the key lapses after `seconds` should a worker
    die holding it."""
    if not cache.add(key, 1, timeout=seconds):
        return {"skipped": 1}
    try:
        return run()
    finally:
        cache.delete(key)


@shared_task(name="payments.poll_pending")
def poll_pending() -> dict:
    # One poller at a time: a slow run overlapping the next beat would only write the same intents again (one open
    # per payment), but there is no point in it.
    return _alone(POLL_LOCK_KEY, settings.PAYMENTS_POLL_AFTER_SECONDS, payments_poll_pending)


@shared_task(name="payments.expire_deposits")
def expire_deposits() -> dict:
    # One run at a time: two would ask the gateway about the same deposits twice (the transition stays safe anyway).
    return _alone(EXPIRY_LOCK_KEY, EXPIRY_LOCK_SECONDS, deposits_expire)


@shared_task(name="payments.purge_webhook_rejections")
def purge_webhook_rejections() -> int:
    """Forget failed-verification summaries after PARTNER_REJECTION_RETENTION_DAYS (the retention policy
    payments.retention registers; the task keeps the name the schedules already seeded call)."""
    return retention_purge(policy="webhook_rejections")
