"""Backoffice jobs: yesterday's reconciliation of every partner, one reconciliation on demand, the ledger audit."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from backoffice.services.reconciliation import ledger_audit_run, reconcile_day, reconciliation_run


@shared_task(name="backoffice.reconcile_day")
def reconcile_day_task(day: str | None = None) -> dict:
    """Reconcile one UTC day (yesterday by default: its reports are complete)."""
    target = date.fromisoformat(day) if day else timezone.now().date() - timedelta(days=1)
    return {f"{run.job}:{run.partner}": run.status for run in reconcile_day(day=target)}


@shared_task(name="backoffice.reconcile")
def reconcile_task(job: str, partner_code: str, day: str | None = None) -> str:
    return reconciliation_run(job=job, partner_code=partner_code, day=date.fromisoformat(day) if day else None).status


@shared_task(name="backoffice.ledger_audit")
def ledger_audit_task() -> str:
    return ledger_audit_run().status
