"""What one request on a hot path costs the platform: SQL statements, commits and Python CPU, per request.

Signed seamless-wallet callbacks (balance, bet, win, rollback) and spins go through Django's test client in this
process, one after another; the sandbox game provider a spin calls is served by a WSGI server in a process of its
own. The CPU figure is this process's (`time.process_time()`, every thread: a push sent from a thread of its own
counts), so it is the platform's side of a request with Django's test client around it, without an HTTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casino_hotpaths REDIS_URL=redis://127.0.0.1:6379/15 \
        python bench/hotpaths.py --requests 300

The database is created and migrated if missing. Statements and commits are counted on a separate, shorter pass, so
that the counting does not weigh on the CPU figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import urlsplit, urlunsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casino_hotpaths")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ["DJANGO_SETTINGS_MODULE"] = "casino.settings"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret-but-long-enough-for-hs256")
os.environ.setdefault("SANDBOX_MODE", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("THROTTLE_USER", "1000000/minute")

import psycopg  # noqa: E402

_ids = itertools.count()


def database_ensure(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def site_serve_forever(port: int) -> None:
    """The whole site (the sandbox provider included), served on `port` (run in a process of its own)."""
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", port, get_wsgi_application(), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    server.serve_forever()


def site_start() -> tuple[str, subprocess.Popen]:
    """Start the site in another process on a free port; returns its URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return url, server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the site did not start")


def player_make(currency: str = "EUR"):
    from casino.services import player_register
    from ledger.models import AccountKind
    from ledger.services import system_account_get_or_create, transfer, wallet_get_or_create

    username = f"hot{uuid.uuid4().hex[:10]}"
    user = player_register(
        username=username, password="correct-horse-9", email=f"{username}@example.com", country="MT", currency=currency
    )
    clearing = system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, currency=currency, partner="bench")
    wallet = wallet_get_or_create(user=user, currency=currency)
    transfer(source=clearing, destination=wallet, amount=10**12, kind="deposit", idempotency_key=f"hot:{user.pk}")
    return user


class WalletCaller:
    """Signs and sends wallet callbacks exactly as a provider would, through the test client."""

    def __init__(self, provider, session, secret: str):
        from django.test import Client

        self.client, self.provider, self.session, self.secret = Client(), provider, session, secret

    def call(self, action: str, **fields) -> int:
        from core.signing import sign_request

        body = {"player_id": str(self.session.player_id), "session_id": str(self.session.pk), "currency": "EUR"}
        body.update(fields)
        raw = json.dumps(body).encode()
        path = f"/api/v1/providers/{self.provider.code}/wallet/{action}/"
        headers = sign_request(key_id=self.provider.key_id, secret=self.secret, method="POST", path=path, body=raw)
        return self.client.post(path, raw, content_type="application/json", headers=headers).status_code


def wallet_rounds(caller: WalletCaller):
    """Endless rounds of callbacks, each a list of (label, a call that sends it): every action once, a repeat of
    the bet, and a second bet that its rollback then cancels."""
    for n in itertools.count():
        yield wallet_round(caller, n)


def wallet_round(caller: WalletCaller, n: int) -> list:
    bet, cancelled = f"b{n}-{uuid.uuid4().hex[:8]}", f"rb{n}-{uuid.uuid4().hex[:8]}"
    round_id = f"r{n}-{uuid.uuid4().hex[:8]}"
    return [
        ("wallet balance", lambda: caller.call("balance")),
        ("wallet bet", lambda: caller.call("bet", transaction_id=bet, round_id=round_id, amount="1.00")),
        ("wallet win", lambda: caller.call("win", transaction_id=f"w-{bet}", round_id=round_id, amount="0.50")),
        ("wallet bet (replayed)", lambda: caller.call("bet", transaction_id=bet, round_id=round_id, amount="1.00")),
        ("wallet bet, then", lambda: caller.call("bet", transaction_id=cancelled, round_id=f"x{n}", amount="1.00")),
        ("wallet rollback", lambda: caller.call("rollback", transaction_id=f"c-{cancelled}",
                                                reference_transaction_id=cancelled)),
    ]  # fmt: skip


def spin_rounds(client, game, session_id: str):
    body = {"game_id": str(game.pk), "session_id": session_id, "bet": "1.00"}
    while True:
        key = f"spin-{next(_ids)}-{uuid.uuid4().hex[:8]}"
        yield [("spin", lambda key=key: client.post("/api/v1/spin", body, format="json", HTTP_IDEMPOTENCY_KEY=key))]


def _status(response) -> int:
    return response if isinstance(response, int) else response.status_code


def measure(rounds, count: int, *, count_statements: bool) -> dict[str, dict]:
    """Send `count` rounds; per label, CPU ms per request (median), or statements and commits of the last one."""
    from tests.support.queries import database_cost

    figures: dict[str, dict] = {}
    for cycle in itertools.islice(rounds, count):
        for label, send in cycle:
            entry = figures.setdefault(label, {"cpu": []})
            if count_statements:
                with database_cost() as cost:
                    status = _status(send())
                entry.update(statements=cost.count, commits=cost.commits)
            else:
                started = time.process_time()
                status = _status(send())
                entry["cpu"].append((time.process_time() - started) * 1000)
            assert status == 200, (label, status)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the site's own process
    args = parser.parse_args()
    if args.serve:
        site_serve_forever(args.serve)
        return

    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    site, server = site_start()
    settings.SITE_URL = site

    from casino.services import player_token_obtain
    from providers.models import Game
    from providers.services import session_open
    from sandbox.provider.seed import sandbox_provider_seed

    provider = sandbox_provider_seed(site_url=site)
    game = Game.objects.get(provider=provider, code="fruit-fiesta")

    wallet_player = player_make()
    caller = WalletCaller(
        provider, session_open(player=wallet_player, game_id=game.pk), settings.SANDBOX_PROVIDER_SECRET
    )

    spin_player = player_make()
    client = APIClient()
    tokens = player_token_obtain(username=spin_player.username, password="correct-horse-9")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    session = client.post("/api/v1/sessions", {"game_id": str(game.pk)}, format="json").json()

    print(f"{'request':<24} {'statements':>10} {'commits':>8} {'CPU ms (median)':>16} {'CPU ms (p90)':>13}")
    for make in (lambda: wallet_rounds(caller), lambda: spin_rounds(client, game, session["session_id"])):
        measure(make(), 20, count_statements=False)  # warm up: imports, caches, connections
        counted = measure(make(), 1, count_statements=True)
        timed = measure(make(), args.requests, count_statements=False)
        for label, entry in timed.items():
            cpu = sorted(entry["cpu"])
            print(
                f"{label:<24} {counted[label]['statements']:>10} {counted[label]['commits']:>8} "
                f"{statistics.median(cpu):>16.2f} {cpu[int(len(cpu) * 0.9)]:>13.2f}"
            )
    server.terminate()


if __name__ == "__main__":
    main()
