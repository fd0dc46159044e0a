"""Operations records: job runs (reconciliations, ledger audits) with their discrepancies, and money adjustments
that staff request and, above a threshold, a second staff member approves."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from core.money import money_format
from core.reconciliation import DiscrepancyKind

__all__ = ["Adjustment", "Discrepancy", "JobRun"]


class JobRun(models.Model):
    class Job(models.TextChoices):
        RECONCILE_PROVIDER = "reconcile_provider", "Reconcile a provider's settlement report"
        RECONCILE_GATEWAY = "reconcile_gateway", "Reconcile a gateway's settlement report"
        LEDGER_AUDIT = "ledger_audit", "Ledger audit"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        CLEAN = "clean", "Clean"
        DISCREPANCIES = "discrepancies", "Discrepancies found"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    job = models.CharField(max_length=32, choices=Job.choices, db_index=True)
    partner = models.CharField(max_length=50, blank=True, help_text="The provider's or gateway's code.")
    day = models.DateField(null=True, blank=True, help_text="The UTC day reconciled (empty: the whole report).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    lines_checked = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty: run by the schedule.",
    )  # fmt: skip
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("run_jobrun", "Can run reconciliation and audit jobs now")]

    def __str__(self):
        return f"{self.get_job_display()} {self.partner} {self.day or ''} ({self.status})"


class Discrepancy(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING_APPROVAL = "awaiting_approval", "Compensation awaiting approval"
        RESOLVED = "resolved", "Resolved"

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(JobRun, on_delete=models.PROTECT, related_name="discrepancies")
    kind = models.CharField(max_length=32, choices=DiscrepancyKind.choices, db_index=True)
    reference = models.CharField(max_length=255, db_index=True)
    detail = models.TextField()
    platform = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    partner = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    amount = models.BigIntegerField(default=0, help_text="Minor units the partner's word would move to the player.")
    currency = models.CharField(max_length=3, blank=True)
    player = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "discrepancies"
        permissions = [("resolve_discrepancy", "Can resolve discrepancies")]

    def __str__(self):
        return f"{self.kind} {self.reference}"


class Adjustment(models.Model):
    """A manual credit (positive) or debit (negative) of a player's wallet, against the house account or, when it
    compensates a discrepancy, the partner's clearing account. Above the four-eyes threshold it waits for a second
    staff member's approval; it is posted once, under the key adjustment:<id>."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    id = models.BigAutoField(primary_key=True)
    player = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustments")
    amount = models.BigIntegerField(help_text="Minor units; positive credits the player, negative debits.")
    currency = models.CharField(max_length=3)
    counter_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    discrepancy = models.ForeignKey(
        Discrepancy, null=True, blank=True, on_delete=models.PROTECT, related_name="adjustments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="adjustment"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_amount_not_zero")]
        permissions = [
            ("request_adjustment", "Can request money adjustments"),
            ("approve_adjustment", "Can approve money adjustments (four-eyes)"),
        ]

    def __str__(self):
        sign = "+" if self.amount > 0 else ""
        return f"adjustment {self.id} {sign}{money_format(self.amount, self.currency)} ({self.status})"
