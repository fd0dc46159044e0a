"""Provider jobs: the backstop for rounds whose outbox intents ran out, and catalogue syncs. Round status queries
and ACKs themselves are outbox deliveries (providers.outbox_handlers), not tasks of their own."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from core.outbound import PartnerError
from providers.selectors import providers_enabled
from providers.services import catalog_sync
from providers.services.rounds import rounds_outbox_catch_up

logger = logging.getLogger(__name__)


@shared_task(name="providers.resolve_pending_rounds")
def resolve_pending_rounds(older_than_seconds: int = 600) -> int:
    """Rounds still pending after a while get a resolve intent due now (their last one may have died), and settled,
    acknowledged rounds never told to the provider get their ACK intent."""
    return rounds_outbox_catch_up(older_than=timedelta(seconds=older_than_seconds))


@shared_task(name="providers.sync_catalogues")
def sync_catalogues() -> dict:
    results = {}
    for provider in providers_enabled():
        try:
            results[provider.code] = catalog_sync(provider=provider)
        except PartnerError as exc:  # one provider down must not stop the others
            logger.warning("catalogue sync of %s failed: %s", provider.code, exc)
            results[provider.code] = {"error": str(exc)[:200]}
    return results
