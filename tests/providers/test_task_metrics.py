"""Celery tasks are timed and counted per task name and outcome, their retries counted, and a task that gives up
after its last retry is counted as a dead letter (eager here; a real worker in test_every_process)."""

import pytest
from prometheus_client import REGISTRY

from sandbox.provider.faults import fault_set

pytestmark = pytest.mark.django_db(transaction=True)

ACK = "providers.round_acknowledge"


def _sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_a_task_that_gives_up_is_a_dead_letter(sandbox, game, player_api, celery_retries_inline, settings):
    settings.CIRCUIT_FAIL_MAX = 100  # every retry reaches the provider
    api = player_api(funds=1_000)
    session = api.open_session(game)
    round_id = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"]
    before = {
        "dead": _sample("casino_celery_task_dead_letters_total", task=ACK),
        "retries": _sample("casino_celery_task_retries_total", task=ACK),
        "success": _sample("casino_celery_task_duration_seconds_count", task=ACK, outcome="success"),
    }
    fault_set(operation="ack", mode="error", status=503)

    assert api.post(f"rounds/{round_id}/ack").status_code == 200  # the task runs on commit, inline

    assert _sample("casino_celery_task_retries_total", task=ACK) - before["retries"] == 10
    assert _sample("casino_celery_task_dead_letters_total", task=ACK) - before["dead"] == 1
    # The run that gave up ended normally: counted under its outcome, like each retried run under "retry".
    assert _sample("casino_celery_task_duration_seconds_count", task=ACK, outcome="success") - before["success"] == 1
    assert _sample("casino_celery_task_duration_seconds_count", task=ACK, outcome="retry") >= 10
