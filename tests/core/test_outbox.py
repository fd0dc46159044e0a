"""The outbox: intents written in the business transaction, one open per key, delivered with backoff and a lease,
refusals final, dead letters after the last try, the sweep, and the staff verbs with their audit rows."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.audit.models import StaffAction
from core.outbound import PartnerRejected, PartnerUnavailable
from core.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from core.outbox.registry import HANDLERS, OutboxRetryLater, outbox_handler_register
from core.outbox.services import (
    outbox_backoff,
    outbox_cancel,
    outbox_deliver,
    outbox_enqueue,
    outbox_retry,
    outbox_sweep,
)
from core.retention import retention_purge

pytestmark = pytest.mark.django_db

KIND = "tests.scripted"
# What the scripted handler does on each call, in order: "ok", "retry", "down", "refuse"; and what it was given.
script: list[str] = []
calls: list[dict] = []


def scripted(payload):
    calls.append(payload)
    step = script.pop(0) if script else "ok"
    if step == "down":
        raise PartnerUnavailable("partner down")
    if step == "refuse":
        raise PartnerRejected("HTTP 404", status=404)
    if step == "retry":
        raise OutboxRetryLater("not yet")


@pytest.fixture(autouse=True)
def _scripted_handler(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    outbox_handler_register(KIND, scripted)
    script.clear()
    calls.clear()
    yield
    HANDLERS.pop(KIND, None)


def enqueue(key="k1", **extra):
    with transaction.atomic():
        return outbox_enqueue(kind=KIND, key=key, payload={"n": key}, dispatch=False, **extra)


def test_the_intent_exists_only_if_the_business_transaction_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(kind=KIND, key="gone", payload={}, dispatch=False)
        raise RuntimeError("the business change failed")
    assert not OutboxMessage.objects.exists()


def test_one_open_message_per_key_and_a_new_one_after_it_closed():
    first = enqueue()
    assert enqueue().pk == first.pk
    assert outbox_deliver(message_id=first.pk).outcome == "delivered"
    assert enqueue().pk != first.pk


def test_an_unknown_kind_fails_in_the_business_transaction():
    with pytest.raises(LookupError):
        outbox_enqueue(kind="nobody.handles", key="x", payload={})


def test_success_on_the_third_try_with_growing_backoff(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    message = enqueue()
    script.extend(["down", "retry"])
    first = outbox_deliver(message_id=message.pk)
    assert first.outcome == "retry"
    assert timedelta(seconds=5) <= first.retry_at - timezone.now() <= timedelta(seconds=10)
    assert outbox_deliver(message_id=message.pk).outcome == "not_due"  # a task arriving early does not call
    assert len(calls) == 1
    second = outbox_deliver(message_id=message.pk, now=first.retry_at)
    assert second.outcome == "retry"
    assert timedelta(seconds=9) <= second.retry_at - first.retry_at <= timedelta(seconds=21)
    assert outbox_deliver(message_id=message.pk, now=second.retry_at).outcome == "delivered"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("delivered", 3, "")
    outcomes = list(message.attempt_rows.values_list("outcome", flat=True))
    assert outcomes == ["retry", "retry", "ok"]


def test_backoff_is_capped_and_jittered(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 10, 60
    delays = {round(outbox_backoff(12), 3) for _ in range(20)}
    assert all(30 <= d <= 60 for d in delays) and len(delays) > 1


def test_a_refusal_is_final_at_once():
    message = enqueue()
    script.append("refuse")
    assert outbox_deliver(message_id=message.pk).outcome == "refused"
    assert outbox_sweep(now=timezone.now() + timedelta(days=1)) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.REFUSED, 1) and "404" in message.last_error
    assert len(calls) == 1


def test_the_last_failed_try_makes_a_dead_letter():
    message = enqueue()
    script.extend(["down", "down", "down"])
    later = timezone.now()
    for _ in range(3):
        later += timedelta(hours=1)
        outbox_deliver(message_id=message.pk, now=later)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 3)
    assert message.attempt_rows.last().outcome == OutboxAttempt.Outcome.DEAD


def test_a_worker_holding_the_lease_keeps_others_off_until_it_lapses(settings):
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.IN_FLIGHT, attempts=1, lease_until=timezone.now() + timedelta(seconds=60)
    )
    OutboxAttempt.objects.create(message=message, number=1)
    assert outbox_deliver(message_id=message.pk).outcome == "busy"
    assert outbox_sweep() == 0
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now())  # the worker died: it lapses
    assert outbox_sweep() == 1  # eager in tests: delivered right away
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 2)
    first, second = message.attempt_rows.all()
    assert (first.outcome, second.outcome) == ("retry", "ok") and "lease lapsed" in first.error


def test_the_sweep_delivers_what_is_due_and_leaves_the_rest():
    due, later = enqueue("due"), enqueue("later", delay_seconds=600)
    assert outbox_sweep() == 1
    assert OutboxMessage.objects.get(pk=due.pk).status == "delivered"
    assert OutboxMessage.objects.get(pk=later.pk).status == "pending"


def test_staff_retry_and_cancel_are_audited(django_user_model):
    staff = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    dead = enqueue("dead")
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxStatus.DEAD, attempts=3)
    with transaction.atomic():
        assert outbox_retry(message_id=dead.pk, actor=staff).status == OutboxStatus.PENDING
    assert OutboxMessage.objects.get(pk=dead.pk).attempts == 0
    other = enqueue("other")
    assert outbox_cancel(message_id=other.pk, reason="partner retired", actor=staff).status == "cancelled"
    assert outbox_sweep() == 1  # the retried one only
    actions = list(StaffAction.objects.order_by("id").values_list("actor_name", "action", "target_id"))
    assert actions == [("ops", "outbox.retry", str(dead.pk)), ("ops", "outbox.cancel", str(other.pk))]


def test_purge_takes_delivered_and_cancelled_messages_past_the_retention_in_batches(settings):
    """Open messages, dead letters and refusals wait for a worker or staff however old they are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.OUTBOX_RETENTION_DAYS = 90
    script.extend(["ok", "ok", "ok", "ok", "refuse", "down", "down", "down"])
    delivered = [enqueue(f"delivered-{n}") for n in range(3)]
    for message in delivered:
        outbox_deliver(message_id=message.pk)
    recent = enqueue("recent")
    outbox_deliver(message_id=recent.pk)
    refused, dead, cancelled = enqueue("refused"), enqueue("dead"), enqueue("cancelled")
    enqueue("waiting")
    outbox_deliver(message_id=refused.pk)
    for _ in range(3):
        OutboxMessage.objects.filter(pk=dead.pk).update(next_attempt_at=timezone.now())
        outbox_deliver(message_id=dead.pk)
    outbox_cancel(message_id=cancelled.pk, reason="not needed")
    assert OutboxMessage.objects.get(pk=dead.pk).status == OutboxStatus.DEAD
    long_ago = timezone.now() - timedelta(days=91)
    OutboxMessage.objects.exclude(pk=recent.pk).update(created_at=long_ago, updated_at=long_ago)

    with CaptureQueriesContext(connection) as queries:
        assert retention_purge(policy="outbox_messages", batch_size=3) == 4  # three delivered, one cancelled
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('DELETE FROM "outbox_outboxmessage"')]
    assert len(deletes) == 2  # a batch of three, then one

    left = dict(OutboxMessage.objects.values_list("key", "status"))
    assert left == {"recent": "delivered", "refused": "refused", "dead": "dead", "waiting": "pending"}
    assert not OutboxAttempt.objects.filter(message__key__startswith="delivered").exists()
    assert OutboxAttempt.objects.filter(message__key="dead").count() == 3
