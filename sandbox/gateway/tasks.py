"""The REST sandbox gateway's webhook sender: its own retries with exponential backoff, like a real vendor's."""

import logging

from celery import shared_task

from sandbox.gateway.services import WebhookNotAccepted, sandbox_webhook_deliver

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@shared_task(bind=True, name="sandbox.gateway.send_webhook", max_retries=None)
def sandbox_webhook_send(self, reference: str) -> int:
    try:
        return sandbox_webhook_deliver(reference=reference)
    except WebhookNotAccepted as exc:
        if not exc.retry or self.request.retries + 1 >= MAX_ATTEMPTS:
            logger.warning("sandbox webhook for %s given up: %s", reference, exc)
            return -1
        raise self.retry(exc=exc, countdown=min(2**self.request.retries * 5, 3600)) from None
