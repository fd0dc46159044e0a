"""Reconciliation and audit jobs: read a partner's settlement report page by page through its adapter, let the
partner's app compare it with its rows and the ledger, and record the run with one discrepancy per finding."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.models import Discrepancy, JobRun
from core.outbound import PartnerError
from core.reconciliation import DiscrepancyKind, Finding
from ledger.selectors import ledger_audit
from payments.models import Gateway
from payments.reconciliation import gateway_report_compare
from payments.registry import adapter_for as gateway_adapter_for
from providers.models import Provider
from providers.reconciliation import provider_report_compare
from providers.registry import adapter_for as provider_adapter_for


def _report_lines(adapter, day: date | None) -> list:
    lines, cursor = [], ""
    for _ in range(settings.RECONCILIATION_MAX_PAGES):
        page = adapter.settlement_report(day=day, cursor=cursor)
        lines += page.lines
        if not page.next_cursor:
            return lines
        cursor = page.next_cursor
    raise PartnerError(f"the report has more than {settings.RECONCILIATION_MAX_PAGES} pages")


def _finish(run: JobRun, findings: list[Finding], lines_checked: int) -> JobRun:
    with transaction.atomic():
        Discrepancy.objects.bulk_create(
            Discrepancy(run=run, kind=f.kind, reference=f.reference[:255], detail=f.detail, platform=f.platform,
                        partner=f.partner, amount=f.amount, currency=f.currency, player_id=f.player_id)
            for f in findings
        )  # fmt: skip
        run.status = JobRun.Status.DISCREPANCIES if findings else JobRun.Status.CLEAN
        run.lines_checked, run.finished_at = lines_checked, timezone.now()
        run.save(update_fields=["status", "lines_checked", "finished_at"])
    return run


def _fail(run: JobRun, error: Exception) -> JobRun:
    run.status, run.error, run.finished_at = (
        JobRun.Status.FAILED,
        f"{type(error).__name__}: {error}"[:2000],
        timezone.now(),
    )
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def reconciliation_run(*, job: str, partner_code: str, day: date | None, actor=None) -> JobRun:
    """Reconcile one partner's report (of one UTC day, or the whole report) and record what it finds."""
    run = JobRun.objects.create(job=job, partner=partner_code, day=day, triggered_by=actor)
    try:
        if job == JobRun.Job.RECONCILE_PROVIDER:
            provider = Provider.objects.get(code=partner_code)
            lines = _report_lines(provider_adapter_for(provider), day)
            findings = provider_report_compare(provider=provider, lines=lines, day=day)
        else:
            gateway = Gateway.objects.get(code=partner_code)
            lines = _report_lines(gateway_adapter_for(gateway), day)
            findings = gateway_report_compare(gateway=gateway, lines=lines, day=day)
    except (PartnerError, LookupError, Provider.DoesNotExist, Gateway.DoesNotExist) as exc:
        return _fail(run, exc)
    return _finish(run, findings, len(lines))


def reconcile_day(*, day: date, actor=None) -> list[JobRun]:
    """Every enabled provider and gateway, for one UTC day."""
    runs = [
        reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code=code, day=day, actor=actor)
        for code in Provider.objects.filter(enabled=True).order_by("code").values_list("code", flat=True)
    ]
    runs += [
        reconciliation_run(job=JobRun.Job.RECONCILE_GATEWAY, partner_code=code, day=day, actor=actor)
        for code in Gateway.objects.filter(enabled=True).order_by("code").values_list("code", flat=True)
    ]
    return runs


def ledger_audit_run(*, actor=None) -> JobRun:
    """`ledger_audit` as a job: each broken invariant becomes a discrepancy staff can see and follow up."""
    run = JobRun.objects.create(job=JobRun.Job.LEDGER_AUDIT, triggered_by=actor)
    problems = ledger_audit()
    findings = [
        Finding(DiscrepancyKind.LEDGER_INVARIANT, problem.split(":", 1)[0][:255], problem) for problem in problems
    ]
    return _finish(run, findings, lines_checked=len(problems))
