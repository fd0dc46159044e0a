"""The plain-SQL statements of ledger.statements (lock, INSERTs, totals) give what the ORM gave: the same model
instances, the same rows, and a loud failure when a model gains a column they do not write; a transfer sends
exactly those four statements."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ledger.models import Account, AccountKind, Entry, Transaction
from ledger.selectors import ledger_audit
from ledger.services import Posting, system_account_get_or_create, transaction_post, transaction_reverse, transfer
from ledger.statements import ENTRY_ROWS_PER_INSERT, accounts_lock, insert_into


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def _same_values_and_types(made, loaded) -> None:
    made_values, loaded_values = _values(made), _values(loaded)
    assert made_values == loaded_values
    assert {k: type(v) for k, v in made_values.items()} == {k: type(v) for k, v in loaded_values.items()}
    assert (made._state.adding, made._state.db) == (False, loaded._state.db)


def test_locked_accounts_are_the_instances_the_orm_loads(funded_wallet, house):
    wallet = funded_wallet(1000)
    with transaction.atomic():
        locked = accounts_lock([house.pk, wallet.pk, wallet.pk])
    assert list(locked) == sorted([house.pk, wallet.pk])
    for pk, account in locked.items():
        _same_values_and_types(account, Account.objects.get(pk=pk))
    assert locked[wallet.pk].owner_id is not None


def test_the_returned_transaction_is_the_row_as_loaded(funded_wallet, house, django_assert_num_queries):
    wallet = funded_wallet(1000)
    txn = transfer(
        source=wallet, destination=house, amount=10, kind="bet", idempotency_key="sql:1", metadata={"round": "r-1"}
    )
    _same_values_and_types(txn, Transaction.objects.get(pk=txn.pk))
    assert txn.metadata == {"round": "r-1"}
    # One timestamp per move: the entries carry their transaction's created_at.
    assert {entry.created_at for entry in txn.entries.all()} == {txn.created_at}

    reversal = transaction_reverse(original=txn, idempotency_key="sql:2")
    _same_values_and_types(reversal, Transaction.objects.get(pk=reversal.pk))
    with django_assert_num_queries(0):  # both sides cached, as create(reverses=...) left them
        assert reversal.reverses is txn
        assert txn.reversed_by is reversal


def test_a_transfer_sends_the_lock_the_two_inserts_and_the_totals(funded_wallet, house):
    wallet = funded_wallet(1000)
    with CaptureQueriesContext(connection) as queries:
        transfer(source=wallet, destination=house, amount=10, kind="bet", idempotency_key="sql:count")
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements
    assert statements[0].startswith('SELECT "id", "code"') and statements[0].endswith("FOR UPDATE")
    assert statements[1].startswith('INSERT INTO "ledger_transaction"')
    assert statements[2].startswith('INSERT INTO "ledger_entry"')
    assert statements[3].startswith('UPDATE "ledger_account" SET "balance" = CASE')


def test_entries_are_written_in_leg_order_across_insert_chunks(db):
    """More legs than one INSERT carries (and more accounts than the precomputed statements cover): the entries
    go out in several INSERTs, in leg order."""
    accounts = [
        system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, currency="EUR", partner=f"p{i}")
        for i in range(ENTRY_ROWS_PER_INSERT + 2)
    ]
    postings = [Posting(account, i + 1) for i, account in enumerate(accounts[1:])]
    postings.append(Posting(accounts[0], -sum(p.amount for p in postings)))
    with CaptureQueriesContext(connection) as queries:
        txn = transaction_post(kind="test", idempotency_key="sql:many", postings=postings)
    entry_inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "ledger_entry"')]
    assert len(entry_inserts) == 2
    entries = list(txn.entries.order_by("id").values_list("account_id", "amount", "balance_after"))
    assert entries == sorted((a.pk, n, n) for a, n in [(p.account, p.amount) for p in postings])
    assert {a.pk: a.balance for a in Account.objects.filter(pk__in=[a.pk for a in accounts])} == {
        p.account.pk: p.amount for p in postings
    }
    assert ledger_audit() == []


def test_the_insert_refuses_a_model_with_columns_it_does_not_write():
    entry_columns = ("transaction_id", "account_id", "amount", "currency", "balance_after", "created_at")
    assert insert_into(Entry, entry_columns).startswith('INSERT INTO "ledger_entry" ("transaction_id", ')
    with pytest.raises(ImproperlyConfigured, match=r"ledger\.Entry"):
        insert_into(Entry, entry_columns[:-1])
    transaction_columns = [field.attname for field in Transaction._meta.concrete_fields]
    with pytest.raises(ImproperlyConfigured, match=r"ledger\.Transaction"):
        insert_into(Transaction, (*transaction_columns, "extra"))
