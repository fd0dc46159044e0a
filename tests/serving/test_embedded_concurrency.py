"""The embedded default (`make run`: SQLite file, the dev server, no Redis) under concurrent writers: 32 deliveries
of one signed webhook at once and concurrent spins queue for SQLite's write lock instead of failing with
"database is locked"; the deposit is credited exactly once and the books balance."""

import subprocess
import sys
import uuid

import pytest

from tests.serving.servers import (
    ROOT,
    Server,
    burst,
    deposit_event,
    free_port,
    game_session,
    player_register,
    server_env,
    webhook_headers,
)

pytestmark = [pytest.mark.xdist_group("serving"), pytest.mark.timeout(240)]

_SEED = (
    "from sandbox.provider import seed as p; from sandbox.gateway import seed as g; print(p.seed()); print(g.seed())"
)


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = server_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        DJANGO_SETTINGS_MODULE="casino.settings",
        SANDBOX_MODE="1",
        SITE_URL=site,
        # No worker here: tasks run where they are sent (kombu's filesystem queue lives in the checkout's var/).
        CELERY_TASK_ALWAYS_EAGER="1",
        # Every request reaches SQLite at once (no admission queue in front): its own locking is what is tested.
        SERVER_MAX_IN_FLIGHT="0",
        THROTTLE_USER="1000000/minute",
        THROTTLE_ANON="1000000/minute",
    )

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )

    # As bin/run does, without its staff user (whose password file lives in the checkout's var/).
    for step in (("migrate", "--no-input", "-v", "0"), ("createcachetable",), ("shell", "-c", _SEED)):
        done = manage(*step)
        assert done.returncode == 0, done.stderr[-3000:]
    server = Server(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env,
        site=site,
        log=tmp_path / "runserver.log",
    )
    try:
        server.wait_ready()
        yield site, manage, server
    finally:
        server.stop()


def test_concurrent_duplicate_webhooks_and_spins_on_sqlite(embedded):
    site, manage, server = embedded
    http = player_register(site, "embedded")
    event = deposit_event(http, site, "50.00")

    deliveries = burst(
        [("POST", f"{site}/webhooks/payments/sandbox/", {"data": event, "headers": webhook_headers(event)})] * 32
    )
    assert all(not isinstance(a, Exception) for a in deliveries), deliveries
    statuses = sorted(a.status_code for a in deliveries)
    assert max(statuses) < 500, (statuses, server.tail())
    assert http.get(f"{site}/api/v1/me/balance", timeout=10).json()["balance"] == "50.00"
    deposits = [t for t in http.get(f"{site}/api/v1/me/transactions", timeout=10).json()["results"]]
    assert [t["amount"] for t in deposits] == ["50.00"], deposits

    game_id, session_id = game_session(http, site)
    auth = {"Authorization": http.headers["Authorization"]}
    spin = {"game_id": game_id, "session_id": session_id, "bet": "1.00"}
    repeated = uuid.uuid4().hex
    keys = [uuid.uuid4().hex for _ in range(12)] + [repeated] * 8
    spins = burst(
        [("POST", f"{site}/api/v1/spin", {"json": spin, "headers": {**auth, "Idempotency-Key": k}}) for k in keys]
    )
    assert all(not isinstance(a, Exception) for a in spins), spins
    assert max(a.status_code for a in spins) < 500, ([a.status_code for a in spins], server.tail())
    settled = {a.json()["round_id"]: a.json() for a in spins if a.status_code == 200}
    # One key, one round: every answer for the repeated key that got through names the same round.
    repeated_rounds = {a.json()["round_id"] for a, k in zip(spins, keys, strict=True) if k == repeated and a.ok}
    assert len(repeated_rounds) <= 1
    payouts = sum(int(float(r["payout"]) * 100) for r in settled.values())
    balance = http.get(f"{site}/api/v1/me/balance", timeout=10).json()["balance"]
    assert round(float(balance) * 100) == 5000 - 100 * len(settled) + payouts, (balance, settled)

    audit = manage("ledger_audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
