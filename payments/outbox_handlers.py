"""The gateway calls the outbox delivers: payout submissions and status polls. Each handler calls one service."""

from __future__ import annotations

from core.logcontext import log_context_bind
from core.outbox.registry import OutboxRetryLater, outbox_handler_register
from payments.models import PaymentStatus
from payments.services.orders import PAYOUT_SUBMIT, STATUS_POLL, payout_submit
from payments.services.polling import payment_status_refresh


def payout_submit_deliver(payload: dict) -> str:
    """PartnerUnavailable (and PartnerTimeout) propagate: retried with backoff. A refusal is settled by the service
    itself (failed, or from the gateway's status), so it returns. A submission of the same payment in progress
    elsewhere leaves it created: look again later."""
    log_context_bind(payment_id=payload["payment_id"])  # bound until the task ends: its finishing line too
    payment = payout_submit(payment_id=payload["payment_id"])
    if payment.status == PaymentStatus.CREATED:
        raise OutboxRetryLater(f"payout {payment.pk} is still being submitted")
    return payment.status


def status_poll_deliver(payload: dict) -> str:
    log_context_bind(payment_id=payload["payment_id"])  # bound until the task ends: its finishing line too
    return payment_status_refresh(payment_id=payload["payment_id"])


def register() -> None:
    outbox_handler_register(PAYOUT_SUBMIT, payout_submit_deliver)
    outbox_handler_register(STATUS_POLL, status_poll_deliver)
