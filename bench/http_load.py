"""End-to-end HTTP throughput of the production process set (`make bench-http`), next to the raw-SQL ledger floor.

Starts `bin/serve` (SANDBOX_MODE=1) on PostgreSQL and Redis in a database of its own, registers and funds players
through the API (deposit, then the gateway's signed webhook), opens a game session for each, then drives with wrk:

- **bet**: signed seamless-wallet bets, POST /api/v1/providers/sandbox/wallet/bet/, as the sandbox provider sends them;
- **spin**: POST /api/v1/spin with the player's JWT (a provider call to the sandbox process, then settle);

at 1, 16 and 64 connections, and prints successful requests/s, the count of each status and p50/p90/p99 latency, beside
the raw-SQL floor of `make bench` (bench/ledger.py, spread case, as many writer processes as connections) measured in
the same run, and their ratio. A last phase sends 256 connections at spins and watches pg_stat_activity.

Every request is built before its run (wrk replays each line once, bench/wrk/replay.lua): a signed bet carries its own
nonce and timestamp, a spin its own Idempotency-Key.

    make bench-http
    python bench/http_load.py --seconds 10 --connections 1,16,64 --players 64
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import hmac
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/casino_bench_http"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
# The sandbox partners' development defaults, the same as casino/settings/integrations.py (overridable alike).
WEBHOOK_SECRET = os.environ.get("SANDBOX_WEBHOOK_SECRET", "sandbox-webhook-secret-dev-only")
PROVIDER_KEY_ID = os.environ.get("SANDBOX_PROVIDER_KEY_ID", "sandbox-key")
PROVIDER_SECRET = os.environ.get("SANDBOX_PROVIDER_SECRET", "sandbox-provider-secret-dev-only")
GAME_CODE = "mini-reels"  # EUR, stakes from 0.01
STAKE = "0.01"
FUNDS = "1000.00"
LINES_PER_SECOND = 4000  # requests built per second of a run: more than the set can answer here


# -------------------------------------------------------------------------------------------- the process set


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_ensure(url: str) -> None:
    """A new database for every run: the figures never depend on what an earlier run (or schema) left behind."""
    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        name = parts.path.lstrip("/")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def serve_start(*, database_url: str, redis_url: str, port: int, log_dir: Path, extra_env: dict) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SETTINGS_MODULE", "DATABASE_POOL"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORT=str(port),
        SANDBOX_PORT=str(free_port()),
        SANDBOX_MODE="1",
        SERVE_LOG_DIR=str(log_dir),
        # The players here play far faster than a person: the per-user limit would answer 429 and measure nothing.
        THROTTLE_USER="100000000/minute",
        THROTTLE_ANON="100000000/minute",
        # 64 players log in from one address within a second: the login limits would refuse most of them.
        LOGIN_RATE_PER_ADDRESS="100000000/minute",
        LOGIN_RATE_PER_USERNAME="100000000/minute",
        JWT_ACCESS_MINUTES="240",
    )
    env.update(extra_env)
    log_dir.mkdir(parents=True, exist_ok=True)
    out = open(log_dir / "serve.log", "w")  # noqa: SIM115 (kept open for the life of the process set)
    return subprocess.Popen(
        [str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
    )


def serve_stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_until_up(site: str, proc: subprocess.Popen, log_dir: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bin/serve ended with {proc.returncode}; see {log_dir}/serve.log")
        try:
            if requests.get(f"{site}/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"bin/serve did not answer /ready in {timeout:g} s; see {log_dir}")


# -------------------------------------------------------------------------------------------- players, through the API


def webhook_signature(body: bytes) -> str:
    ts = str(int(time.time()))
    return f"t={ts},v1={hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b'.' + body, hashlib.sha256).hexdigest()}"


def player_prepare(site: str, name: str, game_id: str) -> dict:
    """Register, log in, deposit FUNDS (confirmed by the gateway's signed webhook), open a game session."""
    http = requests.Session()
    password = secrets.token_urlsafe(12)
    answer = http.post(
        f"{site}/api/v1/auth/register",
        json={"username": name, "password": password, "email": f"{name}@bench.invalid", "country": "MT",
              "currency": "EUR"},
        timeout=30,
    )  # fmt: skip
    answer.raise_for_status()
    player_id = answer.json()["player_id"]
    token = http.post(f"{site}/api/v1/auth/token", json={"username": name, "password": password}, timeout=30)
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access']}"
    deposit = http.post(
        f"{site}/api/v1/payments/deposits",
        json={"gateway": "sandbox", "amount": FUNDS, "currency": "EUR"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    deposit.raise_for_status()
    event = json.dumps(
        {
            "id": f"bench-{uuid.uuid4().hex}",
            "type": "payment.succeeded",
            "data": {
                "payment_id": deposit.json()["payment_id"],
                "gateway_reference": deposit.json()["gateway_reference"],
                "amount": FUNDS,
                "currency": "EUR",
            },
        }
    ).encode()
    webhook = requests.post(
        f"{site}/webhooks/payments/sandbox/",
        data=event,
        headers={"Content-Type": "application/json", "X-Sandbox-Signature": webhook_signature(event)},
        timeout=30,
    )
    webhook.raise_for_status()
    balance = http.get(f"{site}/api/v1/me/balance", timeout=30).json()
    if balance["balance"] != FUNDS:
        raise SystemExit(f"player {name} was not funded: {balance}")
    session = http.post(f"{site}/api/v1/sessions", json={"game_id": game_id}, timeout=30)
    session.raise_for_status()
    return {
        "player_id": player_id,
        "token": token.json()["access"],
        "session_id": session.json()["session_id"],
        "game_id": game_id,
    }


def players_prepare(site: str, count: int) -> list[dict]:
    games = requests.get(f"{site}/api/v1/games", params={"currency": "EUR"}, timeout=30).json()["results"]
    game_id = next(g["id"] for g in games if g["name"] == "Mini Reels" and g["provider"] == "sandbox")
    run = uuid.uuid4().hex[:6]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda i: player_prepare(site, f"bench{run}{i}", game_id), range(count)))


# -------------------------------------------------------------------------------------------- requests, built ahead


def bet_line(player: dict) -> str:
    """One signed seamless-wallet bet, exactly as the contract signs it (its own nonce, timestamp and ids)."""
    path = "/api/v1/providers/sandbox/wallet/bet/"
    body = json.dumps(
        {
            "player_id": player["player_id"],
            "session_id": player["session_id"],
            "currency": "EUR",
            "transaction_id": f"bench-bet-{uuid.uuid4().hex}",
            "round_id": f"bench-round-{uuid.uuid4().hex}",
            "amount": STAKE,
        }
    )
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    canonical = "\n".join(["POST", path, ts, nonce, hashlib.sha256(body.encode()).hexdigest()])
    signature = hmac.new(PROVIDER_SECRET.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    headers = [
        "Content-Type: application/json",
        f"Authorization: HMAC {PROVIDER_KEY_ID}:{signature}",
        f"X-Timestamp: {ts}",
        f"X-Nonce: {nonce}",
    ]
    return "\t".join(["POST", path, body, *headers])


def spin_line(player: dict) -> str:
    body = json.dumps({"game_id": player["game_id"], "session_id": player["session_id"], "bet": STAKE})
    headers = [
        "Content-Type: application/json",
        f"Authorization: Bearer {player['token']}",
        f"Idempotency-Key: bench-{uuid.uuid4().hex}",
    ]
    return "\t".join(["POST", "/api/v1/spin", body, *headers])


SCENARIOS = {"bet": bet_line, "spin": spin_line}


def requests_file(scenario: str, players: list[dict], count: int, directory: Path) -> Path:
    path = directory / f"{scenario}-{uuid.uuid4().hex[:8]}.tsv"
    build = SCENARIOS[scenario]
    with path.open("w") as out:
        for i in range(count):
            out.write(build(players[i % len(players)]) + "\n")
    return path


# -------------------------------------------------------------------------------------------- measuring


class ConnectionWatch:
    """Samples pg_stat_activity for the bench database while a run lasts: the most connections seen."""

    def __init__(self, database_url: str):
        self.url, self.name = database_url, urlsplit(database_url).path.lstrip("/")
        self.peak, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.name],
                ).fetchone()
                self.peak = max(self.peak, row[0])
                time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def wrk_run(site: str, lines: Path, connections: int, seconds: float) -> dict:
    threads = 1 if connections == 1 else 2
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk" / "replay.lua"), site, "--", str(lines), str(threads),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    line = next((line for line in out.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    seconds_run = result["duration_us"] / 1e6
    result["ok_per_s"] = sum(n for status, n in result["statuses"].items() if 200 <= status < 300) / seconds_run
    return result


def floor_measure(database_url: str, workers: int, seconds: float) -> float:
    """The raw-SQL floor of `make bench` (spread case) with `workers` writer processes, in transfers/s."""
    import bench.ledger as ledger

    return ledger.measure(ledger.raw_worker, "spread", FLOOR_ACCOUNTS, workers, seconds, uuid.uuid4().hex[:8])[0]


FLOOR_ACCOUNTS: dict = {}


def floor_prepare(database_url: str) -> None:
    """Django in this process only for the floor's accounts (made once through the ledger services)."""
    os.environ.update(DATABASE_URL=database_url, DATABASE_POOL_SIZE="0", REDIS_URL="", LOG_LEVEL="WARNING")
    sys.path.insert(0, str(ROOT))
    import bench.ledger as ledger

    ledger.django_setup()
    from django.db import connections

    FLOOR_ACCOUNTS.update(ledger.accounts_prepare())
    connections.close_all()  # the floor's writers are forked: none may inherit an open connection


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"


def ms(us: int) -> str:
    return f"{us / 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run (default 10)")
    parser.add_argument("--connections", default="1,16,64", help="comma-separated connection counts (default 1,16,64)")
    parser.add_argument("--scenarios", default="bet,spin", help="comma-separated: bet, spin (default both)")
    parser.add_argument("--players", type=int, default=64, help="players, each with a session (default 64)")
    parser.add_argument("--overload", type=int, default=256, help="connections of the overload phase (0: skip)")
    parser.add_argument("--floor-seconds", type=float, default=3.0, help="length of each floor run (default 3)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for bin/serve (repeatable)")
    args = parser.parse_args()
    levels = [int(n) for n in args.connections.split(",")]
    scenarios = args.scenarios.split(",")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    extra_env = dict(item.split("=", 1) for item in args.env)

    database_ensure(database_url)
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    log_dir = ROOT / "var" / "bench-http"
    proc = serve_start(database_url=database_url, redis_url=redis_url, port=port, log_dir=log_dir, extra_env=extra_env)
    try:
        wait_until_up(site, proc, log_dir)
        print(f"bench-http: {machine()}; bin/serve on {site} {' '.join(args.env)}; logs in {log_dir}", flush=True)
        started = time.monotonic()
        players = players_prepare(site, args.players)
        print(f"{len(players)} players registered, funded and seated in {time.monotonic() - started:.0f} s", flush=True)
        floor_prepare(database_url)
        rows = []
        with tempfile.TemporaryDirectory() as scratch:
            for connections in levels:
                floor = floor_measure(database_url, connections, args.floor_seconds)
                for scenario in scenarios:
                    lines = requests_file(scenario, players, int(LINES_PER_SECOND * args.seconds), Path(scratch))
                    with ConnectionWatch(database_url) as watch:
                        result = wrk_run(site, lines, connections, args.seconds)
                    rows.append((scenario, connections, result, floor, watch.peak))
                    print(row_text(*rows[-1]), flush=True)
            if args.overload:
                overload_run(site, players, args, Path(scratch), database_url)
    finally:
        serve_stop(proc)


def row_text(scenario: str, connections: int, result: dict, floor: float, peak: int) -> str:
    statuses = " ".join(f"{status}:{n}" for status, n in sorted(result["statuses"].items()))
    errors = result["socket_errors"] + result["timeouts"]
    statuses += f" socket errors:{errors}" if errors else ""
    return (
        f"{scenario:5} c={connections:<3} ok {result['ok_per_s']:7.1f}/s  [{statuses}"
        f"{' EXHAUSTED' if result['exhausted'] else ''}]  p50 {ms(result['p50_us'])} p90 {ms(result['p90_us'])} "
        f"p99 {ms(result['p99_us'])} ms  floor {floor:6.0f}/s  ratio {result['ok_per_s'] / floor:.2f}  "
        f"db connections peak {peak}"
    )


def overload_run(site: str, players: list[dict], args, scratch: Path, database_url: str) -> None:
    """Spins at `--overload` connections: no 500s, connections within their bound, and normal service right after."""
    lines = requests_file("spin", players, int(LINES_PER_SECOND * 5), scratch)
    with ConnectionWatch(database_url) as watch:
        result = wrk_run(site, lines, args.overload, 5)
    print(row_text("spin", args.overload, result, float("nan"), watch.peak), flush=True)
    after = time.monotonic()
    for _ in range(100):
        lines = requests_file("spin", players, 1, scratch)
        _method, path, body, *headers = lines.read_text().rstrip("\n").split("\t")
        answer = requests.post(site + path, data=body, headers=dict(h.split(": ", 1) for h in headers), timeout=10)
        if answer.status_code == 200:
            print(f"after the burst: a spin answered 200 within {time.monotonic() - after:.1f} s", flush=True)
            return
        time.sleep(0.1)
    print("after the burst: no spin answered 200 within 10 s", flush=True)


if __name__ == "__main__":
    main()
