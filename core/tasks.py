"""Periodic platform jobs."""

from celery import shared_task

from core.idempotency import idempotency_records_purge
from core.retention import retention_purge


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return idempotency_records_purge()


@shared_task(name="core.retention_purge")
def retention_purge_task(policy: str) -> int:
    """One retention policy's purge (core.retention), e.g. policy="wallet_callbacks"; one beat job each."""
    return retention_purge(policy=policy)
