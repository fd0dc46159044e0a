"""Periodic platform jobs."""

from celery import shared_task

from core.idempotency import idempotency_records_purge
from core.retention import retention_purge
from core.shards import catalogue_pull


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return idempotency_records_purge()


@shared_task(name="core.retention_purge")
def retention_purge_task(policy: str) -> int:
    """One retention policy's purge (core.retention), e.g. policy="wallet_callbacks"; one beat job each."""
    return retention_purge(policy=policy)


@shared_task(name="core.catalogue_pull")
def catalogue_pull_task() -> dict[str, int]:
    """A jurisdiction cell's copy of the shared catalogue, made equal to it (a no-op outside a cell)."""
    return catalogue_pull()
