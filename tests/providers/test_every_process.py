"""Observability and fault tolerance across real processes, driven by the sandbox's faults: a fault opens a
provider's circuit in this process and another process fails fast on it, then the circuit half-opens and a probe from
the other process closes it for everyone; a real Celery worker's metrics reach the web process's /metrics, and one
request id shows up in the web log, the task's log and the sandbox partner's log. The ledger audit is clean after
each run. Slow (processes start Django), so they share one xdist group."""

from __future__ import annotations

import logging
import uuid
from collections import Counter

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from casino.services import player_token_obtain
from core.breakers import CLOSED, HALF_OPEN, OPEN, breaker_statuses, policies_forget
from core.logcontext import LogContextFilter
from core.models import CircuitBreakerPolicy
from ledger.selectors import ledger_audit
from sandbox.provider.faults import fault_set, faults_clear
from tests.support.processes import (
    celery_worker,
    free_port,
    json_lines,
    process_env,
    python_probe,
    wait_until,
    web_server,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("processes")]


def _state(name="sandbox") -> str:
    return breaker_statuses([name])[name].state


def _calls(provider="sandbox") -> Counter:
    """This process's calls to the provider so far, by outcome (circuit_open: refused without calling)."""
    counts = Counter()
    for sample in REGISTRY.collect():
        for s in sample.samples:
            if s.name == "casino_provider_request_duration_seconds_count" and s.labels["provider"] == provider:
                counts[s.labels["outcome"]] += int(s.value)
    return counts


@pytest.fixture
def sandbox_breaker(sandbox):
    CircuitBreakerPolicy.objects.create(partner=sandbox.code, fail_max=3, reset_timeout=3, half_open_probes=1)
    policies_forget()
    yield
    policies_forget()


@pytest.mark.parametrize("fault", ["latency past the timeout", "5xx burst", "connection refused"])
def test_a_fault_opens_the_circuit_for_every_process(fault, sandbox, game, player_api, sandbox_breaker):
    with python_probe("tests.support.partner_probe", "sandbox", env=process_env()) as other_process:
        _fault_run(fault, sandbox, game, player_api, other_process)


def _fault_run(fault, sandbox, game, player_api, other_process):
    assert other_process.ask()["ok"] is True  # healthy, and warmed up: its later timings are the breaker's alone
    api = player_api(funds=10_000)
    session = api.open_session(game)
    healthy = {"base_url": sandbox.base_url, "read_timeout": sandbox.read_timeout}

    def spin():
        return api.spin(game=game, session_id=session["session_id"], bet="1.00")

    if fault == "latency past the timeout":
        sandbox.read_timeout = 0.5
        sandbox.save()
        fault_set(operation="session", mode="latency", delay=1.0)

        def attempt():
            return api.post("sessions", {"game_id": str(game.pk)})

    elif fault == "5xx burst":
        fault_set(operation="play", mode="error", status=503)
        attempt = spin
    else:
        sandbox.base_url = f"http://127.0.0.1:{free_port()}/sandbox/provider/"  # nothing listens there
        sandbox.save()
        attempt = spin

    for _ in range(3):
        assert attempt().status_code == 503
    assert _state() == OPEN
    calls_before = _calls()
    refused = attempt()
    assert _calls() - calls_before == {"circuit_open": 1}  # refused here, without a call to the provider
    assert refused.status_code == 503 and refused.json()["code"] == "provider_unavailable"
    assert 1 <= int(refused["Retry-After"]) <= 3

    # Another process never calls the provider while the circuit is open.
    other = other_process.ask()
    assert other["ok"] is False and other["error"] == "CircuitOpen", other  # raised only when no call is made
    assert other["seconds"] < 1.0

    faults_clear()
    for field, value in healthy.items():
        setattr(sandbox, field, value)
    sandbox.save()
    wait_until(lambda: _state() == HALF_OPEN, timeout=5, what="the circuit to half-open")

    # The other process's call is the probe: its success closes the circuit for every process.
    other = other_process.ask()
    assert other["ok"] is True, other
    assert _state() == CLOSED
    assert spin().status_code == 200
    assert ledger_audit() == []


class _PartnerLog(logging.Handler):
    """The sandbox partner's log (it runs in live_server, in this process): request id and message per line."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.addFilter(LogContextFilter())
        self.lines: list[tuple[str, str]] = []

    def emit(self, record):
        self.lines.append((record.request_id, record.getMessage()))


@pytest.fixture
def partner_log():
    handler = _PartnerLog()
    logger = logging.getLogger("sandbox.partner")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _samples(text: str, name: str) -> dict[tuple, float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_worker_metrics_and_one_request_id_reach_every_log(sandbox, game, make_player, fund, partner_log, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = process_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), LOG_FORMAT="json")
    player = make_player()
    fund(player, 10_000)
    token = player_token_obtain(username=player.username, password="correct-horse-9")["access"]
    trace = f"trace-{uuid.uuid4().hex[:12]}"

    with web_server(env=env, log=tmp_path / "web.log") as web, celery_worker(env=env, log=tmp_path / "worker.log"):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        session = http.post(f"{web}/api/v1/sessions", json={"game_id": str(game.pk)}, timeout=30)
        assert session.status_code == 201, session.text
        spin = http.post(
            f"{web}/api/v1/spin",
            json={"game_id": str(game.pk), "session_id": session.json()["session_id"], "bet": "1.00"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            timeout=30,
        )
        assert spin.status_code == 200, spin.text
        round_id = spin.json()["round_id"]
        # The ack is told to the provider by an outbox delivery task: the worker calls the sandbox with the request id.
        ack = http.post(f"{web}/api/v1/rounds/{round_id}/ack", headers={"X-Request-ID": trace}, timeout=30)
        assert ack.status_code == 200 and ack.headers["X-Request-ID"] == trace

        wait_until(
            lambda: any(rid == trace and "/ack" in message for rid, message in partner_log.lines),
            timeout=30,
            what="the sandbox partner to log the acknowledgement",
        )
        wait_until(
            lambda: any(
                line.get("request_id") == trace and line.get("logger") == "casino.tasks"
                for line in json_lines(tmp_path / "worker.log")
            ),
            timeout=15,
            what="the task's finishing line",
        )
        metrics = requests.get(f"{web}/metrics", timeout=30)
        assert metrics.status_code == 200

    web_lines = [line for line in json_lines(tmp_path / "web.log") if line.get("request_id") == trace]
    assert any(line["logger"] == "casino.access" and line["player_id"] == str(player.pk) for line in web_lines)
    task_lines = [line for line in json_lines(tmp_path / "worker.log") if line.get("request_id") == trace]
    finished = [line for line in task_lines if line["logger"] == "casino.tasks"]
    assert finished and finished[0]["task"] == "outbox.deliver" and finished[0]["outcome"] == "success"
    assert finished[0]["round_id"] == round_id and finished[0]["latency_ms"] > 0
    assert any(line["logger"] == "casino.outbound" and line["partner"] == "sandbox" for line in task_lines)

    tasks = _samples(metrics.text, "casino_celery_task_duration_seconds_count")
    assert tasks[(("outcome", "success"), ("task", "outbox.deliver"))] >= 1  # from the worker
    bets = _samples(metrics.text, "casino_money_minor_units_total")
    assert bets[(("currency", "EUR"), ("movement", "bet"), ("provider", "sandbox"))] == 100  # from the web process
    assert "casino_celery_queue_length" in metrics.text
    assert ledger_audit() == []
