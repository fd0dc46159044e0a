"""Payments tasks: the periodic poll of payments left pending too long, the expiry of deposits nobody paid, and the
purge of old webhook rejections (payout submissions and the polls themselves are outbox deliveries,
payments.outbox_handlers)."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from core.retention import retention_purge
from payments.services.expiry import deposits_expire
from payments.services.polling import payments_poll_pending

POLL_LOCK_KEY = "payments:poll-pending:lock"
EXPIRY_LOCK_KEY = "payments:expire-deposits:lock"
EXPIRY_LOCK_SECONDS = 600  # longer than a run of asking at most 100 gateways' questions takes


@shared_task(name="payments.poll_pending")
def poll_pending() -> dict:
    # One poller at a time: a slow run overlapping the next beat would only write the same intents again (one open
    # per payment), but there is no point in it.
    if not cache.add(POLL_LOCK_KEY, 1, timeout=settings.PAYMENTS_POLL_AFTER_SECONDS):
        return {"skipped": 1}
    try:
        return payments_poll_pending()
    finally:
        cache.delete(POLL_LOCK_KEY)


@shared_task(name="payments.expire_deposits")
def expire_deposits() -> dict:
    # One run at a time: two would ask the gateway about the same deposits twice (the transition stays safe anyway).
    if not cache.add(EXPIRY_LOCK_KEY, 1, timeout=EXPIRY_LOCK_SECONDS):
        return {"skipped": 1}
    try:
        return deposits_expire()
    finally:
        cache.delete(EXPIRY_LOCK_KEY)


@shared_task(name="payments.purge_webhook_rejections")
def purge_webhook_rejections() -> int:
    """Forget failed-verification summaries after PARTNER_REJECTION_RETENTION_DAYS (the retention policy
    payments.retention registers; the task keeps the name the schedules already seeded call)."""
    return retention_purge(policy="webhook_rejections")
