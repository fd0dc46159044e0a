"""Staff money moves: manual adjustments of a player's wallet and the compensation of a discrepancy. Each is one
ledger transaction under the key adjustment:<id>; above FOUR_EYES_THRESHOLD it waits for a second staff member,
and the one who asked can never be the one who approves. Every step is audited with who and why."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from backoffice.models import Adjustment, Discrepancy
from core.audit.services import audit_record
from core.errors import ApplicationError, Conflict
from core.money import to_major
from ledger.models import AccountKind
from ledger.services import system_account_get_or_create, transfer, wallet_balance_push, wallet_get_or_create


class FourEyesRequired(ApplicationError):
    status, code, title = 403, "four_eyes_required", "A second staff member must approve this"


def _require(actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(f"{getattr(actor, 'username', 'nobody')} may not {permission}")


def adjustment_needs_approval(*, amount: int, currency: str) -> bool:
    return Decimal(to_major(abs(amount), currency)) > settings.FOUR_EYES_THRESHOLD


def _snapshot(adjustment: Adjustment) -> dict:
    return {"status": adjustment.status, "amount": to_major(adjustment.amount, adjustment.currency),
            "currency": adjustment.currency, "player": str(adjustment.player_id)}  # fmt: skip


def adjustment_request(
    *, actor, player, amount: int, currency: str, reason: str, counter_account=None, discrepancy=None
) -> Adjustment:
    """Ask for a credit (amount > 0) or debit (< 0) of `player`'s wallet; posted at once up to the threshold."""
    _require(actor, "backoffice.request_adjustment")
    if not reason.strip():
        raise ApplicationError("A reason is required.", errors={"reason": ["Say why."]})
    if amount == 0:
        raise ApplicationError("An adjustment moves some money.", errors={"amount": ["Not zero."]})
    counter_account = counter_account or system_account_get_or_create(kind=AccountKind.HOUSE, currency=currency)
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            player=player, amount=amount, currency=currency, counter_account=counter_account, reason=reason,
            discrepancy=discrepancy, requested_by=actor, status=Adjustment.Status.AWAITING_APPROVAL,
        )  # fmt: skip
        audit_record(actor=actor, action="adjustment.request", target=adjustment, after=_snapshot(adjustment),
                     reason=reason)  # fmt: skip
        if not adjustment_needs_approval(amount=amount, currency=currency):
            _apply(adjustment, decided_by=actor, note="under the four-eyes threshold")
    return adjustment


def adjustment_approve(*, actor, adjustment_id: int, note: str = "") -> Adjustment:
    """The second pair of eyes: another staff member with the approve permission posts it."""
    _require(actor, "backoffice.approve_adjustment")
    with transaction.atomic():
        adjustment = Adjustment.objects.select_for_update().get(pk=adjustment_id)
        if adjustment.status != Adjustment.Status.AWAITING_APPROVAL:
            raise Conflict(f"Adjustment {adjustment.pk} is {adjustment.status}.")
        if adjustment.requested_by_id == actor.pk:
            raise FourEyesRequired("The staff member who asked for this move cannot approve it.")
        _apply(adjustment, decided_by=actor, note=note)
    return adjustment


def adjustment_reject(*, actor, adjustment_id: int, note: str) -> Adjustment:
    _require(actor, "backoffice.approve_adjustment")
    with transaction.atomic():
        adjustment = Adjustment.objects.select_for_update().get(pk=adjustment_id)
        if adjustment.status != Adjustment.Status.AWAITING_APPROVAL:
            raise Conflict(f"Adjustment {adjustment.pk} is {adjustment.status}.")
        before = _snapshot(adjustment)
        adjustment.status, adjustment.decided_by, adjustment.decided_at = (
            Adjustment.Status.REJECTED,
            actor,
            timezone.now(),
        )
        adjustment.decision_note = note
        adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if adjustment.discrepancy_id:
            Discrepancy.objects.filter(pk=adjustment.discrepancy_id).update(status=Discrepancy.Status.OPEN)
        audit_record(actor=actor, action="adjustment.reject", target=adjustment, before=before,
                     after=_snapshot(adjustment), reason=note)  # fmt: skip
    return adjustment


def _apply(adjustment: Adjustment, *, decided_by, note: str) -> None:
    """Post the move (inside the caller's transaction, with the adjustment row locked or just created)."""
    before = _snapshot(adjustment)
    wallet = wallet_get_or_create(user=adjustment.player, currency=adjustment.currency)
    source, destination = (
        (adjustment.counter_account, wallet) if adjustment.amount > 0 else (wallet, adjustment.counter_account)
    )
    adjustment.transaction = transfer(
        source=source, destination=destination, amount=abs(adjustment.amount), kind="adjustment",
        idempotency_key=f"adjustment:{adjustment.pk}", reference=f"adjustment:{adjustment.pk}",
        metadata={"reason": adjustment.reason, "requested_by": str(adjustment.requested_by_id),
                  "approved_by": str(decided_by.pk), "discrepancy": adjustment.discrepancy_id},
    )  # fmt: skip
    adjustment.status, adjustment.decided_by, adjustment.decided_at = (
        Adjustment.Status.APPLIED,
        decided_by,
        timezone.now(),
    )
    adjustment.decision_note = note
    adjustment.save(update_fields=["transaction", "status", "decided_by", "decided_at", "decision_note"])
    if adjustment.discrepancy_id:
        Discrepancy.objects.filter(pk=adjustment.discrepancy_id).update(
            status=Discrepancy.Status.RESOLVED, resolved_by=adjustment.requested_by, resolved_at=timezone.now(),
            resolution_note=f"compensated by adjustment {adjustment.pk}: {adjustment.reason}",
        )  # fmt: skip
    wallet.refresh_from_db()
    wallet_balance_push(wallet=wallet)
    after = _snapshot(adjustment) | {"transaction": str(adjustment.transaction_id)}
    audit_record(actor=decided_by, action="adjustment.apply", target=adjustment, before=before, after=after,
                 reason=note)  # fmt: skip


def _clearing_account_for(discrepancy: Discrepancy):
    run = discrepancy.run
    kind = AccountKind.PROVIDER_CLEARING if run.job == "reconcile_provider" else AccountKind.GATEWAY_CLEARING
    return system_account_get_or_create(kind=kind, partner=run.partner, currency=discrepancy.currency)


def discrepancy_compensate(*, actor, discrepancy_id: int, reason: str, amount: int | None = None) -> Adjustment:
    """Resolve a discrepancy with a compensating ledger transaction between the player's wallet and the partner's
    clearing account (the amount the partner's word moves, unless staff name another)."""
    _require(actor, "backoffice.resolve_discrepancy")
    with transaction.atomic():
        discrepancy = Discrepancy.objects.select_for_update().select_related("run").get(pk=discrepancy_id)
        if discrepancy.status != Discrepancy.Status.OPEN:
            raise Conflict(f"Discrepancy {discrepancy.pk} is {discrepancy.status}.")
        amount = discrepancy.amount if amount is None else amount
        if discrepancy.player_id is None or not amount:
            raise ApplicationError("This discrepancy names no player's money to move; close it with a note instead.")
        discrepancy.status = Discrepancy.Status.AWAITING_APPROVAL
        discrepancy.save(update_fields=["status"])
        return adjustment_request(
            actor=actor, player=discrepancy.player, amount=amount, currency=discrepancy.currency, reason=reason,
            counter_account=_clearing_account_for(discrepancy), discrepancy=discrepancy,
        )  # fmt: skip


def discrepancy_close(*, actor, discrepancy_id: int, note: str) -> Discrepancy:
    """Resolve a discrepancy without moving money (explained, or fixed by another tool), with a note."""
    _require(actor, "backoffice.resolve_discrepancy")
    if not note.strip():
        raise ApplicationError("A note is required.", errors={"note": ["Say why."]})
    with transaction.atomic():
        discrepancy = Discrepancy.objects.select_for_update().get(pk=discrepancy_id)
        if discrepancy.status != Discrepancy.Status.OPEN:
            raise Conflict(f"Discrepancy {discrepancy.pk} is {discrepancy.status}.")
        discrepancy.status, discrepancy.resolution_note = Discrepancy.Status.RESOLVED, note
        discrepancy.resolved_by, discrepancy.resolved_at = actor, timezone.now()
        discrepancy.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
        audit_record(actor=actor, action="discrepancy.close", target=discrepancy, before={"status": "open"},
                     after={"status": "resolved"}, reason=note)  # fmt: skip
    return discrepancy
