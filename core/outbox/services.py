"""Outbox writes: enqueue an intent inside the caller's transaction, deliver one message (claim, call its handler
with no lock held, record the attempt), sweep what is due or left behind, and the staff verbs retry and cancel.

Exactly-once is the partner's half and ours together: a message is delivered by one worker at a time (a lease
claimed under the row lock), retried only while its outcome is not known to be final, and every handler's call is
idempotent at the partner (the round id, the payment id), so a delivery repeated after a crash has no second effect.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.logcontext import log_context_bind
from core.metrics import TASK_DEAD_LETTERS
from core.outbound import PartnerRejected
from core.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from core.outbox.registry import OutboxRetryLater, outbox_handler_for

logger = logging.getLogger(__name__)

# A task that arrives a moment before its message is due (clock skew between hosts) still delivers it.
DUE_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Delivery:
    """What one call of outbox_deliver did, and when the next attempt is due (None: no next attempt)."""

    outcome: str  # delivered, retry, refused, dead, busy, not_due, closed
    retry_at: datetime | None = None


def outbox_backoff(attempt: int) -> float:
    """Seconds before the next try after `attempt` failed ones: exponential, capped, with jitter (half to all of
    it), so a partner back from an outage is not hit by every waiting message at the same second."""
    ceiling = min(settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), settings.OUTBOX_BACKOFF_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def outbox_enqueue(
    *,
    kind: str,
    key: str,
    payload: dict,
    partner: str = "",
    subject: str = "",
    delay_seconds: float = 0,
    dispatch: bool = True,
    max_attempts: int | None = None,
    new_key: bool = False,
) -> OutboxMessage:
    """Write an intent in the caller's transaction (so it exists exactly when the business change does) and, once
    that commits, hand it to a worker. An open message under the same key is returned instead of a second one.
    `dispatch=False` leaves it to the sweep when it falls due (an insurance intent that is usually closed first).
    `new_key` says the key names a row created in this very transaction, so no savepoint is needed (a hot path)."""
    outbox_handler_for(kind)  # an unknown kind is a programming error: fail in the business transaction
    fields = {
        "kind": kind,
        "key": key,
        "payload": payload,
        "partner": partner[:100],
        "subject": subject[:255],
        "max_attempts": max_attempts or settings.OUTBOX_MAX_ATTEMPTS,
        "next_attempt_at": timezone.now() + timedelta(seconds=delay_seconds),
    }
    try:
        if new_key:
            message = OutboxMessage.objects.create(**fields)
        else:
            with transaction.atomic():
                message = OutboxMessage.objects.create(**fields)
    except IntegrityError:
        existing = OutboxMessage.objects.filter(key=key, status__in=OutboxStatus.open()).first()
        if existing is None:
            raise
        return existing
    if dispatch:
        outbox_dispatch_on_commit(message.pk, countdown=delay_seconds or None)
    return message


def outbox_dispatch_on_commit(message_id: int, *, countdown: float | None = None) -> None:
    """Send the delivery task once the surrounding transaction commits. A broker hiccup is logged, never turned into
    an error after the business change committed: the sweep finds the message when it is due."""
    if not settings.OUTBOX_DISPATCH_ON_COMMIT:
        return
    transaction.on_commit(lambda: outbox_dispatch(message_id, countdown=countdown), robust=True)


def outbox_dispatch(message_id: int, *, countdown: float | None = None) -> None:
    from core.outbox.tasks import outbox_deliver_task

    outbox_deliver_task.apply_async(args=[message_id], countdown=countdown)


def _claim(message_id: int, now: datetime) -> tuple[OutboxMessage, OutboxAttempt] | Delivery:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in OutboxStatus.open():
            return Delivery("closed")
        if message.status == OutboxStatus.IN_FLIGHT and message.lease_until and message.lease_until > now:
            return Delivery("busy")
        if message.status == OutboxStatus.PENDING and message.next_attempt_at > now + DUE_TOLERANCE:
            return Delivery("not_due", retry_at=message.next_attempt_at)
        if message.status == OutboxStatus.IN_FLIGHT:
            # The worker that held it died (its lease lapsed): its attempt's outcome is unknown, the call is repeated.
            OutboxAttempt.objects.filter(message=message, outcome=OutboxAttempt.Outcome.RUNNING).update(
                outcome=OutboxAttempt.Outcome.RETRY, error="lease lapsed: the worker stopped", finished_at=now
            )
        message.status = OutboxStatus.IN_FLIGHT
        message.attempts += 1
        message.lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        message.save(update_fields=["status", "attempts", "lease_until", "updated_at"])
        attempt = OutboxAttempt.objects.create(message=message, number=message.attempts)
    return message, attempt


def outbox_deliver(*, message_id: int, now: datetime | None = None) -> Delivery:
    """Try one delivery of one message (called by the task with the id it was given)."""
    now = now or timezone.now()
    claimed = _claim(message_id, now)
    if isinstance(claimed, Delivery):
        return claimed
    message, attempt = claimed
    error, refused = "", False
    # On this delivery's lines until its task ends (core.celery_hooks resets the fields); the handler adds its own.
    log_context_bind(partner=message.partner)
    try:
        outbox_handler_for(message.kind)(message.payload)
    except PartnerRejected as exc:
        error, refused = f"refused: {exc}", True
    except OutboxRetryLater as exc:
        error = f"not done yet: {exc}" if str(exc) else "not done yet"
    except Exception as exc:  # any other failure is retried with backoff, and shown to staff with its message
        logger.warning("outbox %s (%s) attempt %s failed: %s", message.pk, message.kind, attempt.number, exc)
        error = f"{type(exc).__name__}: {exc}"
    return _record(message, attempt, error=error[:2000], refused=refused, started=now)


def _record(
    message: OutboxMessage, attempt: OutboxAttempt, *, error: str, refused: bool, started: datetime
) -> Delivery:
    now = max(timezone.now(), started)
    if not error:
        outcome, status, retry_at = OutboxAttempt.Outcome.OK, OutboxStatus.DELIVERED, None
    elif refused:
        outcome, status, retry_at = OutboxAttempt.Outcome.REFUSED, OutboxStatus.REFUSED, None
    elif attempt.number >= message.max_attempts:
        outcome, status, retry_at = OutboxAttempt.Outcome.DEAD, OutboxStatus.DEAD, None
        TASK_DEAD_LETTERS.labels(task=message.kind).inc()  # beside the Celery tasks' dead letters, by outbox kind
        logger.error("outbox %s (%s): dead letter after %s attempts: %s", message.pk, message.kind, attempt.number,
                     error)  # fmt: skip
    else:
        outcome, status = OutboxAttempt.Outcome.RETRY, OutboxStatus.PENDING
        retry_at = now + timedelta(seconds=outbox_backoff(attempt.number))
    with transaction.atomic():
        OutboxAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome, error=error, finished_at=now)
        current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if current.status != OutboxStatus.IN_FLIGHT or current.attempts != attempt.number:
            # Staff cancelled or retried it while this attempt ran: their word stands, the attempt is on record.
            return Delivery(outcome)
        current.status, current.last_error, current.lease_until = status, error, None
        if retry_at is not None:
            current.next_attempt_at = retry_at
        if status == OutboxStatus.DELIVERED:
            current.delivered_at = now
        current.save(update_fields=["status", "last_error", "lease_until", "next_attempt_at", "delivered_at",
                                    "updated_at"])  # fmt: skip
    return Delivery({OutboxStatus.PENDING: "retry"}.get(status, str(status)), retry_at=retry_at)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Hand every message that is due (or whose worker's lease lapsed) to a worker: lost tasks, a broker that was
    down, insurance intents that fell due. Returns how many were dispatched."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | (
        OutboxMessage.objects.filter(status=OutboxStatus.IN_FLIGHT, lease_until__lte=now)
    )
    message_ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for message_id in message_ids:
        outbox_dispatch(message_id)
    return len(message_ids)


def outbox_close(*, key: str, reason: str) -> int:
    """The platform no longer needs a waiting intent (the round it would resolve has settled): cancel it in the
    caller's transaction. A message in flight is left to finish (its handler finds nothing left to do)."""
    return OutboxMessage.objects.filter(key=key, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, last_error=reason[:2000], updated_at=timezone.now()
    )


def outbox_hasten(*, key: str) -> None:
    """Make the waiting message under `key` due now and hand it to a worker after commit (an insurance intent whose
    moment has come early: the provider's answer to a play was lost)."""
    with transaction.atomic():
        message_ids = list(
            OutboxMessage.objects.filter(key=key, status=OutboxStatus.PENDING).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=message_ids).update(next_attempt_at=timezone.now())
        for message_id in message_ids:
            outbox_dispatch_on_commit(message_id)


def outbox_retry(*, message_id: int, actor=None) -> OutboxMessage:
    """Staff: try a message again now with a fresh budget of attempts (a dead letter, a refusal, a cancelled one).
    A message that was delivered stays delivered."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status == OutboxStatus.DELIVERED or message.status == OutboxStatus.IN_FLIGHT:
            return message
        if OutboxMessage.objects.filter(key=message.key, status__in=OutboxStatus.open()).exclude(pk=message.pk):
            return message  # another open intent under the key already does it
        before = {"status": message.status, "attempts": message.attempts}
        message.status, message.attempts, message.next_attempt_at = OutboxStatus.PENDING, 0, timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        audit_record(actor=actor, action="outbox.retry", target=message, before=before, after={"status": "pending"})
        outbox_dispatch_on_commit(message.pk)
    return message


def outbox_cancel(*, message_id: int, reason: str, actor=None) -> OutboxMessage:
    """Staff: stop delivering a message that is not delivered yet (an attempt already running still ends)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.status != OutboxStatus.DELIVERED:
            before = {"status": message.status}
            message.status, message.last_error = OutboxStatus.CANCELLED, f"cancelled: {reason}"[:2000]
            message.save(update_fields=["status", "last_error", "updated_at"])
            audit_record(actor=actor, action="outbox.cancel", target=message, before=before,
                         after={"status": message.status}, reason=reason)  # fmt: skip
    return message
