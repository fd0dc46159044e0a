"""Real time from every process: a real WebSocket client on a running site sees the pushes a real Celery worker
process sends (a round resolved late by its outbox intent), in the embedded default (SQLite, no Redis: the SQLite
channel layer) and on PostgreSQL and Redis (channels_redis)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.support.player_http import HttpPlayer, sandbox_provider_fault
from tests.support.stack import running_stack

pytestmark = [pytest.mark.xdist_group("stack"), pytest.mark.timeout(360)]


def _round_settled_by_the_worker(stack) -> None:
    player = HttpPlayer(stack.url)
    player.deposit("50.00")
    # The provider answers the platform's play only after its read timeout: the spin's outcome is unknown, the
    # round stays pending and its resolve intent (delivered in the worker process) settles it from the status.
    stack.shell("from providers.models import Provider; Provider.objects.filter(code='sandbox').update(read_timeout=1)")
    game_id = next(g["id"] for g in player.get("games").json()["results"] if g["name"] == "Fruit Fiesta")
    session = player.post("sessions", {"game_id": game_id}).json()
    sandbox_provider_fault(stack.url, operation="play", mode="timeout", delay=3, count=1)
    socket_url = stack.url.replace("http://", "ws://") + "/ws/player/"

    with connect(socket_url, subprotocols=["bearer", player.access], origin=stack.url, open_timeout=10) as socket:
        spin = player.post(
            "spin", {"game_id": game_id, "session_id": session["session_id"], "bet": "1.00"}, key=uuid.uuid4().hex
        )
        assert spin.status_code == 503 and spin.json()["code"] == "provider_unavailable", spin.text
        round_id = spin.json()["round_id"]
        pushes = []
        deadline = time.monotonic() + 45
        while not any(p.get("type") == "round.settled" for p in pushes):
            assert time.monotonic() < deadline, f"no round.settled push; got {pushes}\n{stack.log('worker')[-3000:]}"
            with contextlib.suppress(TimeoutError):
                pushes.append(json.loads(socket.recv(timeout=1)))

    settled = next(p for p in pushes if p["type"] == "round.settled")
    assert settled["round_id"] == round_id and settled["bet"] == "1.00"
    assert any(p["type"] == "balance.updated" for p in pushes)
    # The round was settled in the worker process, never in the web process that holds the socket.
    resolved = re.compile(r"Task outbox\.deliver\[[-0-9a-f]+\] succeeded in [0-9.]+s: 'delivered'")
    stack.wait_until(lambda: resolved.search(stack.log("worker")), what="the worker's log of the resolve delivery")
    assert player.get(f"rounds/{round_id}").json()["status"] == "settled"


def test_a_worker_push_reaches_the_socket_in_the_embedded_default(tmp_path):
    with running_stack(tmp_path / "var", static=False) as stack:
        assert "SQLiteChannelLayer" in stack.shell(
            "from channels.layers import get_channel_layer; print(type(get_channel_layer()).__name__)"
        )
        _round_settled_by_the_worker(stack)


@pytest.fixture
def postgres_database():
    """A database of its own for the stack, cloned from the suite's migrated template."""
    template = os.environ.get("DATABASE_TEST_TEMPLATE")
    if not template or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs the PostgreSQL test setup (make test)")
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"{template}_stack_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_worker_push_reaches_the_socket_on_postgresql_and_redis(tmp_path, postgres_database):
    # This xdist worker's own Redis database (cache, broker and channel layer of the stack alike).
    redis_url = settings.CACHES["default"]["LOCATION"]
    assert urlsplit(redis_url).scheme == "redis"
    with running_stack(
        tmp_path / "var", database_url=postgres_database, redis_url=redis_url, server="daphne", static=False
    ) as stack:
        assert "RedisChannelLayer" in stack.shell(
            "from channels.layers import get_channel_layer; print(type(get_channel_layer()).__name__)"
        )
        _round_settled_by_the_worker(stack)
