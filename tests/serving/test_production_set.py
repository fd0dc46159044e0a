"""`make serve`'s process set (bin/serve) on PostgreSQL and Redis, started as an operator does: a burst larger than its
database connection bound gets answers or 503 + Retry-After, never another 5xx; PostgreSQL never sees more
connections than the bound; service is normal right after; SIGTERM stops every process."""

import json
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from websockets.sync.client import connect

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

WEB_WORKERS, WEB_POOL_SIZE, CELERY_CONCURRENCY, SANDBOX_POOL_SIZE = 2, 2, 1, 1
# Every pool at its largest: web workers, the Celery worker, beat (one), the sandbox partners' server (one worker).
BOUND = WEB_WORKERS * WEB_POOL_SIZE + CELERY_CONCURRENCY + 1 + SANDBOX_POOL_SIZE


def _admin_url() -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres"))


@pytest.fixture
def serving_database():
    """A database of its own, cloned from the suite's migrated template when there is one (else migrated by serve)."""
    name = f"{urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}_serving_{uuid.uuid4().hex[:6]}"
    template = os.environ.get("DATABASE_TEST_TEMPLATE", "")
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        for _ in range(20):
            try:
                conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
                break
            except psycopg.errors.ObjectInUse:  # another worker is cloning the template at this moment
                time.sleep(0.5)
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")), name
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _connections(name: str) -> int:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]


def _redis_url() -> str:
    # Beside the suite's own Redis databases (REDIS_TEST_DB_BASE + 0..3), so their cache.clear() cannot touch it.
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    return f"{base}/{(int(os.environ.get('REDIS_TEST_DB_BASE', '1')) + 4) % 32}"


def test_burst_beyond_the_connection_bound(serving_database, tmp_path):
    database_url, name = serving_database
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = server_env(
        DATABASE_URL=database_url,
        REDIS_URL=_redis_url(),
        CACHE_KEY_PREFIX=f"serving-{uuid.uuid4().hex[:8]}",
        PORT=str(port),
        SANDBOX_MODE="1",
        SANDBOX_PORT=str(free_port()),
        WEB_WORKERS=str(WEB_WORKERS),
        WEB_POOL_SIZE=str(WEB_POOL_SIZE),
        WEB_MAX_IN_FLIGHT="12",
        CELERY_CONCURRENCY=str(CELERY_CONCURRENCY),
        SANDBOX_POOL_SIZE=str(SANDBOX_POOL_SIZE),
        DATABASE_POOL_TIMEOUT="2",
        THROTTLE_USER="1000000/minute",
        THROTTLE_ANON="1000000/minute",
    )
    server = Server([str(ROOT / "bin" / "serve")], env=env, site=site, log=tmp_path / "serve.log")
    try:
        server.wait_ready()
        assert f"at most {BOUND} database connections" in server.tail()

        http = player_register(site, "burst")
        event = deposit_event(http, site, "100.00")
        assert http.post(f"{site}/webhooks/payments/sandbox/", data=event, headers=webhook_headers(event)).ok
        game_id, session_id = game_session(http, site)
        auth = {"Authorization": http.headers["Authorization"]}
        spin = {"game_id": game_id, "session_id": session_id, "bet": "0.01"}
        calls = [("GET", f"{site}/api/v1/me/balance", {"headers": auth}) for _ in range(64)]
        calls += [
            ("POST", f"{site}/api/v1/spin", {"json": spin, "headers": {**auth, "Idempotency-Key": uuid.uuid4().hex}})
            for _ in range(32)
        ]

        peak = 0
        answers = []
        watcher = subprocess.Popen(  # pg_stat_activity sampled beside the burst, from another process
            [sys.executable, "-c", _WATCH, _admin_url(), name], stdout=subprocess.PIPE, text=True
        )
        try:
            answers = burst(calls)
        finally:
            watcher.terminate()
            peak = int(watcher.communicate(timeout=10)[0].strip() or 0)

        errors = [a for a in answers if isinstance(a, Exception)]
        assert not errors, errors[:3]
        statuses = sorted(a.status_code for a in answers)
        unexpected = [(a.status_code, a.text[:300]) for a in answers if a.status_code not in (200, 503)]
        assert not unexpected, ({s: statuses.count(s) for s in set(statuses)}, unexpected[:3], server.tail())
        assert 200 in statuses
        assert all(a.headers.get("Retry-After") for a in answers if a.status_code == 503)
        assert 0 < peak <= BOUND, (peak, BOUND)

        # Right after the burst: normal service (HTTP and the player's WebSocket on the same port), and every process
        # back within its pool.
        assert http.get(f"{site}/api/v1/me/balance", timeout=10).status_code == 200
        token = http.headers["Authorization"].removeprefix("Bearer ")
        with connect(f"ws://127.0.0.1:{port}/ws/player/", subprotocols=["bearer", token], origin=site) as socket:
            again = http.post(
                f"{site}/api/v1/spin", json=spin, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=10
            )
            assert again.status_code == 200, again.text
            pushed = {}
            while not {"balance.updated", "round.settled"} <= pushed.keys():
                message = json.loads(socket.recv(timeout=10))
                pushed[message["type"]] = message
        assert pushed["balance.updated"]["balance"] == again.json()["balance"], pushed
        assert pushed["round.settled"]["round_id"] == again.json()["round_id"], pushed
        assert _connections(name) <= BOUND

        audit = subprocess.run(
            [sys.executable, "manage.py", "ledger_audit"],
            cwd=ROOT,
            env={**env, "DATABASE_POOL_SIZE": "1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert audit.returncode == 0, audit.stdout + audit.stderr
    finally:
        assert server.stop(), f"a process outlived SIGTERM:\n{server.tail()}"


# Prints the most connections seen to `datname` until terminated (sampled every 50 ms).
_WATCH = r"""
import signal, sys, time, psycopg
peak = 0
def done(*_):
    print(peak, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    while True:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [sys.argv[2]]).fetchone()
        peak = max(peak, row[0])
        time.sleep(0.05)
"""
