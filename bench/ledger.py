"""Ledger throughput: transfers per second through `ledger.services.transfer` next to a raw-SQL floor.

The floor writes the same rows as the service (one transaction row, two entry rows, two account updates after
SELECT ... FOR UPDATE in id order) with plain psycopg 3 in one database transaction. Both run in the same process
model (N worker processes, each with its own connection), on the same accounts, in the same run.

    make bench                          # DATABASE_URL=postgres://postgres@127.0.0.1:5432/casino_bench
    python bench/ledger.py --seconds 2 --workers 1,4,16

The database is created and migrated if missing. Every transfer is committed; nothing is rolled back.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casino_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "casino.settings"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("REDIS_URL", "")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import psycopg  # noqa: E402

WALLETS = 200
AMOUNT = 1  # one minor unit: no wallet runs dry within a run
START_DELAY = 0.5  # seconds for the workers to connect before the clock starts


def database_ensure(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    # A new database for every run: the figures and the closing audit never depend on what an earlier run left.
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup() -> None:
    import django

    django.setup()


def accounts_prepare() -> dict[str, list[int]]:
    """A hot wallet and WALLETS other wallets, all funded through the real services (created once, reused)."""
    from django.contrib.auth import get_user_model

    from ledger.models import AccountKind
    from ledger.services import system_account_get_or_create, transfer, wallet_get_or_create

    users = get_user_model().objects
    clearing = system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, currency="EUR", partner="bench")
    wallets = []
    for index in range(WALLETS + 1):
        user = users.filter(username=f"bench{index}").first() or users.create_user(
            username=f"bench{index}", password=None
        )
        wallet = wallet_get_or_create(user=user, currency="EUR")
        if wallet.balance < 10**12:
            transfer(
                source=clearing,
                destination=wallet,
                amount=10**15,
                kind="deposit",
                idempotency_key=f"bench:fund:{wallet.pk}:{uuid.uuid4()}",
            )
        wallets.append(wallet.pk)
    return {"hot": wallets[:1], "others": wallets[1:]}


def pairs_for(case: str, accounts: dict[str, list[int]], rng: random.Random):
    """Endless (source id, destination id): `hot` debits or credits the one hot wallet every time."""
    hot, others = accounts["hot"][0], accounts["others"]
    while True:
        if case == "hot":
            other = rng.choice(others)
            yield (hot, other) if rng.random() < 0.5 else (other, hot)
        else:
            yield tuple(rng.sample(others, 2))


# -------------------------------------------------------------------------------------------- the two writers


def service_worker(case, accounts, start_at, stop_at, seed, tag, out):
    from django.db import connection

    from ledger.models import Account
    from ledger.services import transfer

    connection.close()  # never share the parent's socket
    by_id = Account.objects.in_bulk([*accounts["hot"], *accounts["others"]])
    pairs = pairs_for(case, accounts, random.Random(seed))
    done, n = 0, 0
    while time.time() < start_at:
        time.sleep(0.005)
    cpu = time.process_time()
    while time.time() < stop_at:
        source, destination = next(pairs)
        transfer(
            source=by_id[source],
            destination=by_id[destination],
            amount=AMOUNT,
            kind="bench",
            idempotency_key=f"{tag}:{n}",
        )
        n += 1
        done += 1
    cpu = time.process_time() - cpu
    connection.close()
    out.put((done, cpu))


RAW_LOCK = (
    "SELECT id, currency, non_negative, balance, held FROM ledger_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
)
RAW_TXN = (
    "INSERT INTO ledger_transaction (id, idempotency_key, fingerprint, kind, reference, metadata, created_at)"
    " VALUES (%s, %s, %s, %s, '', '{}', now())"
)
RAW_ENTRIES = (
    "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency, balance_after, created_at)"
    " VALUES (%s, %s, %s, %s, %s, now()), (%s, %s, %s, %s, %s, now())"
)
RAW_UPDATE = "UPDATE ledger_account SET balance = %s WHERE id = %s"


def raw_worker(case, accounts, start_at, stop_at, seed, tag, out):
    pairs = pairs_for(case, accounts, random.Random(seed))
    done, n = 0, 0
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        while time.time() < start_at:
            time.sleep(0.005)
        cpu = time.process_time()
        while time.time() < stop_at:
            source, destination = next(pairs)
            key = f"{tag}:{n}"
            n += 1
            fingerprint = hashlib.sha256(f"bench|{source}:{-AMOUNT},{destination}:{AMOUNT}|".encode()).hexdigest()
            with conn.transaction():
                rows = {row[0]: row for row in conn.execute(RAW_LOCK, [sorted((source, destination))])}
                src, dst = rows[source], rows[destination]
                src_balance, dst_balance = src[3] - AMOUNT, dst[3] + AMOUNT
                if src[2] and src_balance < src[4]:
                    raise RuntimeError("bench wallet ran dry")
                txn_id = uuid.uuid4()
                conn.execute(RAW_TXN, [txn_id, key, fingerprint, "bench"])
                conn.execute(
                    RAW_ENTRIES,
                    [txn_id, source, -AMOUNT, src[1], src_balance, txn_id, destination, AMOUNT, dst[1], dst_balance],
                )
                for account_id, balance in sorted(((source, src_balance), (destination, dst_balance))):
                    conn.execute(RAW_UPDATE, [balance, account_id])
            done += 1
        cpu = time.process_time() - cpu
    out.put((done, cpu))


# -------------------------------------------------------------------------------------------- running


def _reporting(writer, *args):
    """Run a writer in a worker process; a failure is sent back as text so the parent stops at once."""
    out = args[-1]
    try:
        writer(*args)
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {exc}")
        raise


def measure(writer, case, accounts, workers: int, seconds: float, run: str) -> tuple[float, float]:
    """Transfers per second committed by `workers` processes in a window of `seconds`, and the client CPU
    milliseconds each transfer cost (a figure the machine's other load barely moves)."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + START_DELAY
    stop_at = start_at + seconds
    procs = [
        ctx.Process(
            target=_reporting,
            args=(
                writer,
                case,
                accounts,
                start_at,
                stop_at,
                hash((run, case, i)),
                f"bench:{run}:{case}:{workers}:{writer.__name__}:{i}",
                out,
            ),
        )
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    counts = [out.get(timeout=seconds + 60) for _ in procs]
    failures = [count for count in counts if isinstance(count, str)]
    if failures:
        raise SystemExit(f"{writer.__name__} failed: {failures[0]}")
    total = sum(count for count, _ in counts)
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"{writer.__name__} worker failed with exit code {proc.exitcode}")
    return total / seconds, 1000 * sum(cpu for _, cpu in counts) / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per writer and case (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved raw/service slices per case (default 3)")
    parser.add_argument("--workers", default="1,4,16", help="comma-separated worker counts (default 1,4,16)")
    args = parser.parse_args()
    worker_counts = [int(n) for n in args.workers.split(",")]

    database_ensure(os.environ["DATABASE_URL"])
    django_setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    accounts = accounts_prepare()
    connections.close_all()  # the workers are forked: none may inherit an open connection

    from ledger.selectors import ledger_audit

    run = uuid.uuid4().hex[:8]
    print(
        f"ledger bench: {os.cpu_count()} CPUs, PostgreSQL at {urlsplit(os.environ['DATABASE_URL']).hostname}, "
        f"{args.seconds:g} s per writer and case in {args.rounds} interleaved slices, worker processes, "
        f"{WALLETS} wallets\n"
    )
    print(
        "| case | workers | service (transfers/s) | raw SQL floor (transfers/s) | service / raw "
        "| client CPU ms/transfer, service | client CPU ms/transfer, raw |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case in ("hot", "spread"):
        for workers in worker_counts:
            # Interleaved slices, so that a change in the machine's load during the run hits both writers alike.
            raw = service = raw_cpu = service_cpu = 0.0
            for slice_ in range(args.rounds):
                window = args.seconds / args.rounds
                rate, cpu = measure(raw_worker, case, accounts, workers, window, f"{run}:{slice_}")
                raw, raw_cpu = raw + rate / args.rounds, raw_cpu + cpu / args.rounds
                rate, cpu = measure(service_worker, case, accounts, workers, window, f"{run}:{slice_}")
                service, service_cpu = service + rate / args.rounds, service_cpu + cpu / args.rounds
            print(
                f"| {case} | {workers} | {service:,.0f} | {raw:,.0f} | {service / raw:.2f} "
                f"| {service_cpu:.2f} | {raw_cpu:.2f} |",
                flush=True,
            )
    problems = ledger_audit()
    connections.close_all()
    print(f"\nledger audit after the run: {'ok' if not problems else problems[:5]}")
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
