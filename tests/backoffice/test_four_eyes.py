"""Staff money moves: adjustments and discrepancy compensations post one ledger transaction each; above the
four-eyes threshold a second staff member must approve, and a lone approver is refused."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from backoffice.models import Adjustment, Discrepancy, JobRun
from backoffice.services.adjustments import (
    FourEyesRequired,
    adjustment_approve,
    adjustment_request,
    discrepancy_close,
    discrepancy_compensate,
)
from core.audit.models import StaffAction
from ledger.models import AccountKind
from ledger.selectors import ledger_audit
from ledger.services import system_account_get_or_create, wallet_get_or_create

pytestmark = pytest.mark.django_db


def test_a_small_adjustment_is_posted_at_once_and_audited(make_player, staff):
    finance = staff("finance")
    player = make_player()
    adjustment = adjustment_request(actor=finance, player=player, amount=2_500, currency="EUR", reason="goodwill")
    assert adjustment.status == Adjustment.Status.APPLIED
    assert wallet_get_or_create(user=player, currency="EUR").balance == 2_500
    assert system_account_get_or_create(kind=AccountKind.HOUSE, currency="EUR").balance == -2_500
    assert adjustment.transaction.idempotency_key == f"adjustment:{adjustment.pk}"
    assert list(StaffAction.objects.order_by("id").values_list("action", "actor_name")) == [
        ("adjustment.request", "finance-staff"), ("adjustment.apply", "finance-staff")
    ]  # fmt: skip
    assert ledger_audit() == []


def test_four_eyes_refuses_a_lone_approver_and_takes_a_second(make_player, fund, staff, settings):
    settings.FOUR_EYES_THRESHOLD = 100
    first, second = staff("finance", "alice"), staff("finance", "bob")
    player = make_player()
    fund(player, 50_000)
    debit = adjustment_request(actor=first, player=player, amount=-20_000, currency="EUR", reason="chargeback")
    assert debit.status == Adjustment.Status.AWAITING_APPROVAL and debit.transaction is None
    assert wallet_get_or_create(user=player, currency="EUR").balance == 50_000  # nothing moved yet

    with pytest.raises(FourEyesRequired):
        adjustment_approve(actor=first, adjustment_id=debit.pk)
    with pytest.raises(PermissionDenied):
        adjustment_approve(actor=staff("support", "carol"), adjustment_id=debit.pk)
    assert Adjustment.objects.get(pk=debit.pk).status == Adjustment.Status.AWAITING_APPROVAL

    approved = adjustment_approve(actor=second, adjustment_id=debit.pk, note="checked the bank statement")
    assert (approved.status, approved.requested_by, approved.decided_by) == ("applied", first, second)
    assert wallet_get_or_create(user=player, currency="EUR").balance == 30_000
    assert ledger_audit() == []


def test_support_may_not_move_money(make_player, staff):
    with pytest.raises(PermissionDenied):
        adjustment_request(actor=staff("support"), player=make_player(), amount=100, currency="EUR", reason="x")


def _discrepancy(player, amount=50):
    run = JobRun.objects.create(job=JobRun.Job.RECONCILE_PROVIDER, partner="sandbox", day=timezone.now().date())
    return Discrepancy.objects.create(run=run, kind="amount_mismatch", reference="round:x", detail="paid more",
                                      amount=amount, currency="EUR", player=player)  # fmt: skip


def test_a_discrepancy_is_compensated_against_the_partners_clearing_account(make_player, staff, settings):
    settings.FOUR_EYES_THRESHOLD = 100
    player = make_player()
    small, large = _discrepancy(player, 50), _discrepancy(player, 50_000)
    finance, operations = staff("finance", "fin"), staff("operations", "ops")

    done = discrepancy_compensate(actor=finance, discrepancy_id=small.pk, reason="provider paid 0.50 more")
    assert done.status == "applied"
    clearing = system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, partner="sandbox", currency="EUR")
    assert clearing.balance == -50
    small.refresh_from_db()
    assert small.status == Discrepancy.Status.RESOLVED and "provider paid 0.50 more" in small.resolution_note

    waiting = discrepancy_compensate(actor=finance, discrepancy_id=large.pk, reason="missing win")
    assert Discrepancy.objects.get(pk=large.pk).status == Discrepancy.Status.AWAITING_APPROVAL
    with pytest.raises(FourEyesRequired):
        adjustment_approve(actor=finance, adjustment_id=waiting.pk)
    with pytest.raises(PermissionDenied):
        adjustment_approve(actor=operations, adjustment_id=waiting.pk)
    adjustment_approve(actor=staff("finance", "fin2"), adjustment_id=waiting.pk)
    assert Discrepancy.objects.get(pk=large.pk).status == Discrepancy.Status.RESOLVED
    assert ledger_audit() == []


def test_a_discrepancy_closed_without_money_needs_a_note(make_player, staff):
    discrepancy = _discrepancy(make_player())
    from core.errors import ApplicationError

    finance = staff("finance")
    with pytest.raises(PermissionDenied):
        discrepancy_close(actor=staff("operations"), discrepancy_id=discrepancy.pk, note="not mine to close")
    with pytest.raises(ApplicationError):
        discrepancy_close(actor=finance, discrepancy_id=discrepancy.pk, note=" ")
    closed = discrepancy_close(actor=finance, discrepancy_id=discrepancy.pk, note="explained by the provider")
    assert closed.status == "resolved" and closed.resolved_by.username == "finance-staff"
