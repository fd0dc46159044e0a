"""Provider calls through the outbox: a provider down for a while, then back, is caught up; ACKs lost before the
outbox are found by the rounds sweep; an insurance intent resolves a round whose play was interrupted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.outbox.models import OutboxMessage
from core.outbox.services import outbox_sweep
from providers.models import Round, RoundStatus
from sandbox.provider.faults import fault_set, faults_clear
from sandbox.provider.views import round_ack_state
from tests.support.outbox import outbox_message, outbox_sweep_all_due

pytestmark = pytest.mark.django_db(transaction=True)


def test_acks_owed_to_a_provider_that_was_down_are_caught_up_when_it_is_back(sandbox, game, player_api):
    api = player_api()
    session = api.open_session(game)
    rounds = [api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"] for _ in range(4)]
    fault_set(operation="ack", mode="error")  # down until further notice
    for round_id in rounds:
        assert api.post(f"rounds/{round_id}/ack").status_code == 200
    assert [outbox_message(f"round-ack:{r}").status for r in rounds] == ["pending"] * 4
    assert outbox_sweep() == 0  # each waits out its backoff
    assert not any(round_ack_state(r)["acknowledged"] for r in rounds)

    faults_clear()  # back
    assert outbox_sweep_all_due() == 4
    assert all(round_ack_state(r)["acknowledged"] for r in rounds)
    assert [outbox_message(f"round-ack:{r}").attempts for r in rounds] == [2] * 4
    assert Round.objects.filter(pk__in=rounds, provider_acknowledged_at__isnull=False).count() == 4
    assert outbox_sweep_all_due() == 0  # nothing left behind


def test_the_rounds_sweep_writes_acks_that_were_never_queued(sandbox, game, player_api):
    from providers.tasks import resolve_pending_rounds

    api = player_api()
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    Round.objects.filter(pk=round_id).update(acknowledged=True)  # acknowledged before the outbox existed
    assert not OutboxMessage.objects.filter(key=f"round-ack:{round_id}").exists()

    assert resolve_pending_rounds.delay(older_than_seconds=0).get() == 1
    assert round_ack_state(round_id)["acknowledged"] is True
    assert resolve_pending_rounds.delay(older_than_seconds=0).get() == 0  # written once


def test_every_spin_writes_a_resolve_intent_that_settling_closes(sandbox, game, player_api):
    api = player_api()
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    message = outbox_message(f"round-resolve:{round_id}")
    assert (message.status, message.attempts) == ("cancelled", 0)  # never needed: the provider answered


def test_a_play_interrupted_by_a_crash_is_resolved_by_its_insurance_intent(sandbox, game, player_api):
    """The web process died between holding the bet and hearing the provider: only the intent is left."""
    from providers.services.rounds import round_play

    api = player_api()
    session = api.open_session(game)
    fault_set(operation="play", mode="error", count=1)  # the play never happens at the provider
    response = api.spin(game=game, session_id=session["session_id"], bet="1.00")
    assert response.status_code == 503
    failed = Round.objects.get(pk=response.json()["round_id"])
    assert failed.status == RoundStatus.FAILED

    # Now the crash: a round pending with its hold and its intent, as round_play leaves it before the call.
    Round.objects.filter(pk=failed.pk).update(
        status=RoundStatus.PENDING, updated_at=timezone.now() - timedelta(hours=1)
    )
    OutboxMessage.objects.filter(key=f"round-resolve:{failed.pk}").update(status="pending")
    assert round_play  # (the service that writes both in one transaction)
    assert outbox_sweep() == 0  # not due while the play could still be running
    assert outbox_sweep_all_due() == 1
    failed.refresh_from_db()
    assert failed.status == RoundStatus.VOIDED  # the provider never saw it
