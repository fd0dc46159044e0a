"""The provider calls the outbox delivers: round status queries and round ACKs. Each handler calls one service."""

from __future__ import annotations

from core.logcontext import log_context_bind
from core.outbox.registry import OutboxRetryLater, outbox_handler_register
from providers.models import RoundStatus
from providers.services import round_provider_acknowledge, round_resolve
from providers.services.rounds import ROUND_ACK, ROUND_RESOLVE


def round_resolve_deliver(payload: dict) -> None:
    """Ask the provider how a pending round ended; a round it is still playing (or that a late play could still
    reach) is asked again later. PartnerError propagates: retried, or final when the provider refuses (4xx)."""
    log_context_bind(round_id=payload["round_id"])  # bound until the task ends: its finishing line too
    round_obj = round_resolve(round_id=payload["round_id"])
    if round_obj.status == RoundStatus.PENDING:
        raise OutboxRetryLater(f"round {round_obj.id} is still pending")


def round_ack_deliver(payload: dict) -> None:
    log_context_bind(round_id=payload["round_id"])  # bound until the task ends: its finishing line too
    round_provider_acknowledge(round_id=payload["round_id"])


def register() -> None:
    outbox_handler_register(ROUND_RESOLVE, round_resolve_deliver)
    outbox_handler_register(ROUND_ACK, round_ack_deliver)
