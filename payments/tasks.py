"""Payments tasks: the outbox delivery of payouts and the poll of payments left pending too long."""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from core.celery_hooks import task_given_up
from core.logcontext import log_context_bind
from core.outbound import PartnerUnavailable
from payments.services.orders import payout_submit as payout_submit_service
from payments.services.polling import payments_poll_pending
from payments.services.webhooks import webhook_rejections_purge

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="payments.submit_payout", max_retries=None, acks_late=True)
def payout_submit(self, payment_id: str) -> str:
    """Retries with exponential backoff (and jitter) while the gateway is unavailable or its answer timed out; a
    refusal is handled by the service (failed, or settled from the gateway's status). A submission of the same payment
    already in progress makes this one a no-op. After the last retry the payment stays `created` and the poller
    resubmits it later."""
    log_context_bind(payment_id=payment_id)  # on every line of this run, the finishing one included
    try:
        return payout_submit_service(payment_id=payment_id).status
    except PartnerUnavailable as exc:
        if self.request.retries >= settings.PAYMENTS_SUBMIT_MAX_RETRIES:
            task_given_up(self, reason=f"payout {payment_id} not submitted: {exc}")
            return "created"
        countdown = min(2**self.request.retries * 10, 1800) + random.uniform(0, 5)
        raise self.retry(exc=exc, countdown=countdown) from None


POLL_LOCK_KEY = "payments:poll-pending:lock"


@shared_task(name="payments.poll_pending")
def poll_pending() -> dict:
    # One poller at a time: a slow run overlapping the next beat would only ask the gateways twice (the state
    # machine makes that harmless), but there is no point in it.
    if not cache.add(POLL_LOCK_KEY, 1, timeout=settings.PAYMENTS_POLL_AFTER_SECONDS):
        return {"skipped": 1}
    try:
        return payments_poll_pending()
    finally:
        cache.delete(POLL_LOCK_KEY)


@shared_task(name="payments.purge_webhook_rejections")
def purge_webhook_rejections() -> int:
    """Forget failed-verification summaries after PARTNER_REJECTION_RETENTION_DAYS."""
    return webhook_rejections_purge(older_than_days=settings.PARTNER_REJECTION_RETENTION_DAYS)
