"""Celery tasks are timed and counted per task name and outcome, and work given up after its last try is counted as
a dead letter: a provider ACK is an outbox delivery (core.outbox), counted under its outbox kind when it runs out of
attempts (eager here; a real worker in test_every_process)."""

import pytest
from prometheus_client import REGISTRY

from sandbox.provider.faults import fault_set
from tests.support.outbox import outbox_deliver_now, outbox_message

pytestmark = pytest.mark.django_db(transaction=True)

ACK_KIND = "providers.round_ack"
DELIVER_TASK = "outbox.deliver"


def _sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_an_outbox_delivery_that_runs_out_of_attempts_is_a_dead_letter(sandbox, game, player_api, settings):
    settings.CIRCUIT_FAIL_MAX = 100  # every attempt reaches the provider
    settings.OUTBOX_MAX_ATTEMPTS = 3
    api = player_api(funds=1_000)
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    before = {
        "dead": _sample("casino_celery_task_dead_letters_total", task=ACK_KIND),
        "delivered": _sample("casino_celery_task_duration_seconds_count", task=DELIVER_TASK, outcome="success"),
    }
    fault_set(operation="ack", mode="error", status=503)

    assert api.post(f"rounds/{round_id}/ack").status_code == 200  # attempt 1: the delivery task runs on commit, inline
    assert outbox_deliver_now(f"round-ack:{round_id}") == "retry"  # attempt 2
    assert _sample("casino_celery_task_dead_letters_total", task=ACK_KIND) == before["dead"]
    assert outbox_deliver_now(f"round-ack:{round_id}") == "dead"  # attempt 3, the last

    assert _sample("casino_celery_task_dead_letters_total", task=ACK_KIND) - before["dead"] == 1
    assert (outbox_message(f"round-ack:{round_id}").status, outbox_message(f"round-ack:{round_id}").attempts) == (
        "dead",
        3,
    )
    # The delivery task that ran on commit was timed like every task, under its outcome.
    assert (
        _sample("casino_celery_task_duration_seconds_count", task=DELIVER_TASK, outcome="success") > before["delivered"]
    )
