"""The operations admin: job runs and their discrepancies (run now, compensate, close), adjustments under four-eyes
approval. Every action calls a backoffice service; money is shown and typed in major units with its currency."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from backoffice.models import Adjustment, Discrepancy, JobRun
from backoffice.services.adjustments import (
    adjustment_approve,
    adjustment_reject,
    adjustment_request,
    discrepancy_close,
    discrepancy_compensate,
)
from backoffice.services.reconciliation import ledger_audit_run, reconciliation_run
from core.admin_actions import ConfirmForm, confirmed
from core.admin_mixins import MoneyAdmin, ReadOnlyAdmin, money_display
from core.errors import ApplicationError
from core.money import MoneyError, money_format, to_minor


class DiscrepancyInline(admin.TabularInline):
    model = Discrepancy
    fields = ("kind", "reference", "detail", "amount_money", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    amount_money = money_display("amount", description="amount to the player")

    def has_add_permission(self, request, obj=None):
        return False


class RunNowForm(forms.Form):
    job = forms.ChoiceField(choices=JobRun.Job.choices)
    partner = forms.CharField(required=False, help_text="The provider's or gateway's code (not for the ledger audit).")
    day = forms.DateField(required=False, help_text="UTC day, YYYY-MM-DD; empty: the whole report.")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "job", "partner", "day", "status", "lines_checked", "open_discrepancies", "started_at",
                    "triggered_by")  # fmt: skip
    list_filter = ("job", "status", "partner")
    list_select_related = ("triggered_by",)
    inlines = [DiscrepancyInline]
    readonly_fields = [f.name for f in JobRun._meta.fields]
    actions = ("run_again",)

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Count("discrepancies", filter=Q(discrepancies__status=Discrepancy.Status.OPEN)))
        )

    @admin.display(description="open discrepancies", ordering="open_count")
    def open_discrepancies(self, run):
        return run.open_count

    def has_run_permission(self, request):
        return request.user.has_perm("backoffice.run_jobrun")

    def get_urls(self):
        run_now = path("run/", self.admin_site.admin_view(self.run_now_view), name="backoffice_jobrun_run")
        return [run_now, *super().get_urls()]

    def run_now_view(self, request):
        if not self.has_run_permission(request):
            raise PermissionDenied
        form = RunNowForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            run = _run(form.cleaned_data["job"], form.cleaned_data["partner"], form.cleaned_data["day"], request.user)
            self.message_user(request, f"{run}", messages.SUCCESS if run.status == "clean" else messages.WARNING)
            return redirect("admin:backoffice_jobrun_change", run.pk)
        context = {**self.admin_site.each_context(request), "title": "Run a job now", "form": form,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/backoffice/run_now.html", context)

    @admin.action(description="Run the selected jobs again now", permissions=["run"])
    def run_again(self, request, queryset):
        for run in queryset:
            new = _run(run.job, run.partner, run.day, request.user)
            self.message_user(request, f"{new}")


def _run(job: str, partner: str, day, actor) -> JobRun:
    if job == JobRun.Job.LEDGER_AUDIT:
        return ledger_audit_run(actor=actor)
    return reconciliation_run(job=job, partner_code=partner, day=day, actor=actor)


class CompensateForm(ConfirmForm):
    amount = forms.DecimalField(required=False, help_text="Major units; empty: the amount the partner's word moves.")


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference", "amount_money", "player", "status", "run", "created_at")
    list_filter = ("status", "kind", "run__partner")
    search_fields = ("reference", "detail", "player__username")
    list_select_related = ("player", "run")
    readonly_fields = [f.name for f in Discrepancy._meta.fields]
    actions = ("compensate", "close")
    money_fields = ("amount",)
    amount_money = money_display("amount", description="amount to the player")

    def has_resolve_permission(self, request):
        return request.user.has_perm("backoffice.resolve_discrepancy")

    @admin.action(description="Compensate with a ledger transaction (four-eyes above the threshold)",
                  permissions=["resolve"])  # fmt: skip
    def compensate(self, request, queryset):
        answer = confirmed(self, request, queryset, form_class=CompensateForm, title="Compensate discrepancies",
                           question="Post a compensating transaction between each player's wallet and the partner's "
                                    "clearing account.",
                           lines=[f"{d.reference}: {money_format(d.amount, d.currency)} to {d.player}"
                                  for d in queryset])  # fmt: skip
        if not isinstance(answer, dict):
            return answer
        for discrepancy in queryset:
            try:
                amount = None if answer["amount"] is None else to_minor(answer["amount"], discrepancy.currency)
                adjustment = discrepancy_compensate(actor=request.user, discrepancy_id=discrepancy.pk,
                                                    reason=answer["note"], amount=amount)  # fmt: skip
            except (ApplicationError, MoneyError) as exc:
                self.message_user(request, f"{discrepancy.reference}: {exc}", messages.ERROR)
                continue
            self.message_user(request, f"{discrepancy.reference}: adjustment {adjustment.pk} {adjustment.status}.")
        return None

    @admin.action(description="Close without moving money (with a note)", permissions=["resolve"])
    def close(self, request, queryset):
        answer = confirmed(self, request, queryset, title="Close discrepancies",
                           question="Mark these resolved without moving money.")  # fmt: skip
        if not isinstance(answer, dict):
            return answer
        for discrepancy in queryset:
            try:
                discrepancy_close(actor=request.user, discrepancy_id=discrepancy.pk, note=answer["note"])
            except ApplicationError as exc:
                self.message_user(request, f"{discrepancy.reference}: {exc}", messages.ERROR)
        return None


class AdjustmentForm(forms.ModelForm):
    """Typed in major units: the service converts with the currency's exponent."""

    amount_major = forms.DecimalField(label="Amount", help_text="Major units; negative debits the player.")

    class Meta:
        model = Adjustment
        fields = ("player", "currency", "reason")

    def clean(self):
        cleaned = super().clean()
        try:
            if cleaned.get("amount_major") is not None and cleaned.get("currency"):
                value = cleaned["amount_major"]
                minor = to_minor(abs(value), cleaned["currency"].upper())
                cleaned["amount"] = -minor if value < 0 else minor
        except MoneyError as exc:
            raise forms.ValidationError({"amount_major": str(exc)}) from None
        return cleaned


@admin.register(Adjustment)
class AdjustmentAdmin(MoneyAdmin):
    form = AdjustmentForm
    list_display = ("id", "player", "amount_money", "status", "requested_by", "decided_by", "reason", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("player__username", "reason")
    list_select_related = ("player", "requested_by", "decided_by")
    actions = ("approve", "reject")
    autocomplete_fields = ()
    money_fields = ("amount",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Adjustment._meta.fields] if obj else []

    def has_add_permission(self, request):
        return request.user.has_perm("backoffice.request_adjustment")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        return request.user.has_perm("backoffice.approve_adjustment")

    def save_model(self, request, obj, form, change):
        # Created through the service (the ledger move and the audit row are its business), never saved here.
        created = adjustment_request(actor=request.user, player=form.cleaned_data["player"],
                                     amount=form.cleaned_data["amount"], currency=form.cleaned_data["currency"].upper(),
                                     reason=form.cleaned_data["reason"])  # fmt: skip
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description="Approve (a second staff member)", permissions=["approve"])
    def approve(self, request, queryset):
        answer = confirmed(self, request, queryset, title="Approve adjustments",
                           question="Post these moves to the players' wallets.",
                           lines=[f"{a.player}: {money_format(a.amount, a.currency)} ({a.reason})"
                                  for a in queryset])  # fmt: skip
        if not isinstance(answer, dict):
            return answer
        for adjustment in queryset:
            try:
                adjustment_approve(actor=request.user, adjustment_id=adjustment.pk, note=answer["note"])
                self.message_user(request, f"Adjustment {adjustment.pk} applied.", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"Adjustment {adjustment.pk}: {exc.detail}", messages.ERROR)
        return None

    @admin.action(description="Reject", permissions=["approve"])
    def reject(self, request, queryset):
        answer = confirmed(self, request, queryset, title="Reject adjustments", question="Refuse these moves.")
        if not isinstance(answer, dict):
            return answer
        for adjustment in queryset:
            try:
                adjustment_reject(actor=request.user, adjustment_id=adjustment.pk, note=answer["note"])
            except ApplicationError as exc:
                self.message_user(request, f"Adjustment {adjustment.pk}: {exc.detail}", messages.ERROR)
        return None


# Players' refresh tokens are credentials: the token admin of simplejwt shows them, so it is replaced by one that
# shows who and when, never the token.
try:
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
except ImportError:  # the blacklist app is not installed
    OutstandingToken = BlacklistedToken = None

if OutstandingToken is not None:
    for model in (OutstandingToken, BlacklistedToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)

    @admin.register(OutstandingToken)
    class OutstandingTokenAdmin(ReadOnlyAdmin):
        list_display = ("jti", "user", "created_at", "expires_at")
        search_fields = ("user__username", "=jti")
        list_select_related = ("user",)
        fields = ("jti", "user", "created_at", "expires_at")

    @admin.register(BlacklistedToken)
    class BlacklistedTokenAdmin(ReadOnlyAdmin):
        list_display = ("token_jti", "token_user", "blacklisted_at")
        search_fields = ("token__user__username", "=token__jti")
        list_select_related = ("token__user",)
        fields = ("token_jti", "token_user", "blacklisted_at")

        @admin.display(description="jti")
        def token_jti(self, blacklisted):
            return blacklisted.token.jti

        @admin.display(description="user")
        def token_user(self, blacklisted):
            return blacklisted.token.user
