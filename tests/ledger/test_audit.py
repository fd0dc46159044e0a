"""The ledger audit (selector and `manage.py ledger_audit`) finds every kind of break and passes a sound ledger."""

import pytest
from django.core.management import call_command
from django.db import connection

from ledger.models import Account
from ledger.selectors import ledger_audit
from ledger.services import hold_reserve, transfer


@pytest.fixture
def sound_ledger(funded_wallet, house):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=250, kind="bet", idempotency_key="a:bet")
    hold_reserve(account=wallet, amount=100, idempotency_key="a:hold")
    return wallet


def run_audit(capsys) -> tuple[int, str, str]:
    try:
        call_command("ledger_audit")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_command_exits_zero_on_a_sound_ledger(sound_ledger, capsys):
    assert ledger_audit() == []
    code, out, err = run_audit(capsys)
    assert code == 0
    assert "ledger audit ok" in out
    assert "2 transactions, 4 entries" in out
    assert err == ""


def test_command_exits_zero_on_an_empty_ledger(db, capsys):
    code, out, _ = run_audit(capsys)
    assert (code, "ledger audit ok" in out) == (0, True)


def test_balance_that_differs_from_its_entries_is_reported(sound_ledger, capsys):
    Account.objects.filter(pk=sound_ledger.pk).update(balance=800)
    problems = ledger_audit()
    assert any(p.startswith("account balance differs from the sum of its entries") for p in problems)
    assert any(p.startswith("account's last balance_after differs from its balance") for p in problems)
    code, out, err = run_audit(capsys)
    assert code == 1
    assert sound_ledger.code in err
    assert "800" in err and "750" in err
    assert "ledger audit FAILED" in err
    assert "ledger audit ok" not in out


def test_held_that_differs_from_active_holds_is_reported(sound_ledger, capsys):
    Account.objects.filter(pk=sound_ledger.pk).update(held=0)
    problems = ledger_audit()
    assert problems == [f"account held differs from its active holds: {sound_ledger.code}, 0, 100"]
    code, _, err = run_audit(capsys)
    assert code == 1
    assert "account held differs from its active holds" in err


def test_wallet_below_zero_is_reported(funded_wallet, house, capsys):
    wallet = funded_wallet(100)
    # The database itself refuses a wallet below its holds; the audit is the second line of defence, so the check
    # constraint is dropped for this test only (DDL is transactional: the test's rollback restores it).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the pending deferred foreign key checks first
        cursor.execute("ALTER TABLE ledger_account DROP CONSTRAINT account_available_not_negative")
    Account.objects.filter(pk=wallet.pk).update(balance=-50)
    assert f"wallet below zero: {wallet.code}, -50, 0" in ledger_audit()
    code, _, err = run_audit(capsys)
    assert code == 1
    assert "wallet below zero" in err


def test_unbalanced_and_orphan_transactions_are_reported(sound_ledger, house, capsys):
    # The triggers forbid changing entries, not adding them: a raw insert stands in for a buggy writer.
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO ledger_transaction (id, idempotency_key, fingerprint, kind, reference, metadata, created_at)
               VALUES (gen_random_uuid(), 'raw:1', '', 'raw', '', '{}', now()),
                      (gen_random_uuid(), 'raw:2', '', 'raw', '', '{}', now())"""
        )
        cursor.execute(
            """INSERT INTO ledger_entry (transaction_id, account_id, amount, currency, balance_after, created_at)
               SELECT id, %s, 5, 'USD', 5, now() FROM ledger_transaction WHERE idempotency_key = 'raw:1'""",
            [house.pk],
        )
    problems = ledger_audit()
    kinds = {p.split(":")[0] for p in problems}
    assert "transaction does not sum to zero per currency" in kinds
    assert "transaction without entries" in kinds
    assert "entry currency differs from its account" in kinds
    code, _, _ = run_audit(capsys)
    assert code == 1
