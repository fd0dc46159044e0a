"""Driving the outbox in tests: deliver the latest message under a key now, as its worker would when it falls due."""

from __future__ import annotations

from django.utils import timezone

from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_deliver


def outbox_message(key: str) -> OutboxMessage:
    return OutboxMessage.objects.filter(key=key).order_by("-id").first()


def outbox_deliver_now(key: str) -> str:
    """One delivery attempt of the newest message under `key`, made due now; returns the attempt's outcome."""
    message = outbox_message(key)
    assert message is not None, f"no outbox message under {key}"
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    return outbox_deliver(message_id=message.pk).outcome


def outbox_sweep_all_due() -> int:
    """The sweep, once every waiting message's backoff has passed (time moved on)."""
    from core.outbox.services import outbox_sweep

    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    return outbox_sweep()
