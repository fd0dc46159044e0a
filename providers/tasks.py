"""Provider jobs: resolve rounds whose outcome is unknown, tell providers about acknowledged rounds, sync catalogues.

Each task takes an id, calls a service and retries with exponential backoff; a 4xx (PartnerRejected) is final.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.outbound import PartnerError, PartnerRejected
from providers.models import RoundStatus
from providers.selectors import providers_enabled, rounds_pending_before
from providers.services import catalog_sync, round_provider_acknowledge, round_resolve

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600


def backoff(retries: int) -> int:
    return min(2 ** (retries + 1), MAX_BACKOFF_SECONDS)


def _retry_or_give_up(task, what: str) -> None:
    """Retry later; once the retries are spent, log and stop. A pending round is picked up again by the pending-rounds
    sweep; an acknowledgement given up here is not re-sent (no sweep covers acknowledgements yet)."""
    if task.request.retries >= task.max_retries:
        logger.error("%s: giving up after %s retries", what, task.request.retries)
        return
    raise task.retry(countdown=backoff(task.request.retries))


@shared_task(bind=True, name="providers.round_resolve", max_retries=8, acks_late=True)
def round_resolve_task(self, round_id: str) -> str:
    try:
        round_obj = round_resolve(round_id=round_id)
    except PartnerRejected as exc:
        logger.error("round %s: provider refused the status request: %s", round_id, exc)
        return "rejected"
    except PartnerError as exc:
        logger.warning("round %s: status request failed: %s", round_id, exc)
        _retry_or_give_up(self, f"round {round_id} resolve")
        return "unavailable"
    if round_obj.status == RoundStatus.PENDING:
        _retry_or_give_up(self, f"round {round_id} resolve")
    return round_obj.status


@shared_task(bind=True, name="providers.round_acknowledge", max_retries=10, acks_late=True)
def round_acknowledge_task(self, round_id: str) -> str:
    try:
        round_provider_acknowledge(round_id=round_id)
    except PartnerRejected as exc:
        logger.error("round %s: provider refused the acknowledgement: %s", round_id, exc)
        return "rejected"
    except PartnerError as exc:
        logger.warning("round %s: acknowledgement failed: %s", round_id, exc)
        _retry_or_give_up(self, f"round {round_id} acknowledge")
        return "unavailable"
    return "acknowledged"


@shared_task(name="providers.resolve_pending_rounds")
def resolve_pending_rounds(older_than_seconds: int = 600) -> int:
    """Sweep: rounds still pending after a while get another resolver (covers a lost task or spent retries). The
    default age lets the first resolver's early retries run first; a duplicate resolver is harmless (the round row
    lock settles a round once), only wasted calls."""
    round_ids = rounds_pending_before(created_before=timezone.now() - timedelta(seconds=older_than_seconds))
    for round_id in round_ids:
        round_resolve_task.delay(str(round_id))
    return len(round_ids)


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
