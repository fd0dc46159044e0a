"""Staff tools for providers and rounds: a provider's connection test and circuit state, and settling or voiding a
stuck round by hand with the evidence recorded (audited, through the same round services as everything else)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.audit.services import audit_record
from core.breakers import breaker_statuses
from core.errors import Conflict
from core.outbound import PartnerError
from providers.models import Provider, Round, RoundStatus
from providers.registry import adapter_for
from providers.services.rounds import round_settle, round_void


def partner_circuit_states(names: list[str]) -> dict[str, str]:
    """The circuit breakers' states of these partners as every process sees them (core.breakers' shared state, one
    read): closed, open or half_open."""
    return {name: status.state for name, status in breaker_statuses(names).items()}


def partner_circuit_state(name: str) -> str:
    """One partner's circuit state (see partner_circuit_states)."""
    return partner_circuit_states([name])[name]


def provider_connection_test(*, provider: Provider) -> tuple[int, str]:
    """Ask the provider for its game list (a read with no effect): a message level and a line for staff."""
    started = time.perf_counter()
    try:
        games = adapter_for(provider).list_games()
    except PartnerError as exc:
        return messages.ERROR, f"failed: {exc} (circuit {partner_circuit_state(provider.outbound_name)})"
    except Exception as exc:  # a misconfigured row (no adapter, a bad certificate): staff must see why
        return messages.ERROR, f"failed: {type(exc).__name__}: {exc}"
    elapsed = (time.perf_counter() - started) * 1000
    return messages.SUCCESS, f"ok: {len(games)} games in {elapsed:.0f} ms"


def _stuck_round(round_id, actor) -> Round:
    if not actor.has_perm("providers.settle_round"):
        raise PermissionDenied("settling or voiding rounds needs providers.settle_round")
    round_obj = Round.objects.get(pk=round_id)
    if round_obj.status != RoundStatus.PENDING:
        raise Conflict(f"Round {round_id} is {round_obj.status}, not pending.")
    return round_obj


def round_staff_settle(*, round_id, payout: int, evidence: str, actor) -> Round:
    """Settle a stuck round at the payout the evidence shows (the provider's back office, a support ticket)."""
    round_obj = _stuck_round(round_id, actor)
    with transaction.atomic():
        settled, _ = round_settle(
            round_id=round_obj.id, payout=payout, provider_round_id=round_obj.provider_round_id or "staff",
            result_data={"settled_by_staff": actor.get_username(), "evidence": evidence},
        )  # fmt: skip
        audit_record(actor=actor, action="round.settle", target=settled, before={"status": "pending"},
                     after={"status": settled.status, "payout": payout}, reason=evidence)  # fmt: skip
    return settled


def round_staff_void(*, round_id, evidence: str, actor) -> Round:
    """Void a stuck round (the provider never played it): the bet is released."""
    round_obj = _stuck_round(round_id, actor)
    with transaction.atomic():
        voided = round_void(round_id=round_obj.id, reason=f"voided by {actor.get_username()}: {evidence}")
        audit_record(actor=actor, action="round.void", target=voided, before={"status": "pending"},
                     after={"status": voided.status}, reason=evidence)  # fmt: skip
    return voided
