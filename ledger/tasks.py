"""Periodic ledger jobs."""

from celery import shared_task

from ledger.services import holds_expire_due


@shared_task(name="ledger.expire_holds")
def expire_holds() -> int:
    return holds_expire_due()
