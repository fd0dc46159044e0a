"""The embedded default (`make run` without DATABASE_URL): SQLite, the database cache, no Redis. The ledger's plain
SQL, the immutability triggers and the audit run there for real, in a subprocess with its own settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = r"""
from django.db import DatabaseError, transaction
from casino.services import player_register
from ledger.models import AccountKind, Entry
from ledger.selectors import ledger_audit
from ledger.services import (
    Posting, hold_capture, hold_release, hold_reserve, system_account_get_or_create, transaction_reverse,
    transfer, wallet_get_or_create,
)
from ledger.errors import AlreadyReversed, HoldNotActive, InsufficientFunds, LedgerKeyConflict

player = player_register(username="embedded", password="correct-horse-9", email="e@example.com",
                         country="MT", currency="EUR")
wallet = wallet_get_or_create(user=player, currency="EUR")
assert wallet.owner_id == player.pk, (wallet.owner_id, player.pk)
clearing = system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, partner="sqlite", currency="EUR")
house = system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, partner="sqlite", currency="EUR")
deposit = transfer(source=clearing, destination=wallet, amount=1000, kind="deposit", idempotency_key="d1")
assert transfer(source=clearing, destination=wallet, amount=1000, kind="deposit", idempotency_key="d1").replayed
try:
    transfer(source=clearing, destination=wallet, amount=999, kind="deposit", idempotency_key="d1")
    raise SystemExit("key conflict not refused")
except LedgerKeyConflict:
    pass
hold = hold_reserve(account=wallet, amount=300, idempotency_key="h1")
spin = hold_capture(hold=hold, destination=house, idempotency_key="s1", kind="spin",
                    extra_postings=[Posting(house, -500), Posting(wallet, 500)])
try:
    hold_release(hold=hold)
    raise SystemExit("release after capture not refused")
except HoldNotActive:
    pass
try:
    transfer(source=wallet, destination=house, amount=5000, kind="bet", idempotency_key="b1")
    raise SystemExit("overdraft not refused")
except InsufficientFunds:
    pass
transaction_reverse(original=spin, idempotency_key="r1")
try:
    transaction_reverse(original=spin, idempotency_key="r2")
    raise SystemExit("second reversal not refused")
except AlreadyReversed:
    pass
try:
    with transaction.atomic():
        Entry.objects.filter(transaction=deposit).update(amount=1)
    raise SystemExit("entry update not refused by the trigger")
except DatabaseError:
    pass
wallet.refresh_from_db()
assert (wallet.balance, wallet.held) == (1000, 0), (wallet.balance, wallet.held)
assert ledger_audit() == [], ledger_audit()
print("embedded ledger ok")
"""


def test_ledger_runs_on_the_embedded_sqlite_default(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DATABASE_TEST_TEMPLATE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="casino.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        SANDBOX_MODE="1",
        CELERY_TASK_ALWAYS_EAGER="1",
    )

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    for step in (("migrate", "--no-input", "-v", "0"), ("createcachetable",)):
        done = manage(*step)
        assert done.returncode == 0, done.stderr[-2000:]
    scenario = manage("shell", "-c", SCENARIO)
    assert scenario.returncode == 0, scenario.stderr[-3000:]
    assert "embedded ledger ok" in scenario.stdout
    audit = manage("ledger_audit")
    assert audit.returncode == 0 and "ledger audit ok" in audit.stdout
