"""Posting, transfers, replays and reversals through ledger.services, and the immutability of what they write."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.money import MoneyError
from ledger.errors import AlreadyReversed, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, AccountKind, Entry, ImmutableError, Transaction
from ledger.selectors import ledger_audit
from ledger.services import (
    Posting,
    system_account_get_or_create,
    transaction_post,
    transaction_reverse,
    transfer,
    wallet_get_or_create,
)


def fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


# ------------------------------------------------------------------------------------------------ accounts


def test_wallet_get_or_create_returns_one_wallet_per_player_and_currency(make_player):
    player = make_player()
    first = wallet_get_or_create(user=player, currency="EUR")
    assert wallet_get_or_create(user=player, currency="EUR").pk == first.pk
    usd = wallet_get_or_create(user=player, currency="USD")
    assert usd.pk != first.pk
    assert (first.kind, first.non_negative, first.owner_id) == (AccountKind.PLAYER_WALLET, True, player.pk)


def test_account_factories_refuse_unknown_currency_and_player_kind(make_player):
    with pytest.raises(MoneyError):
        wallet_get_or_create(user=make_player(), currency="XXX")
    with pytest.raises(MoneyError):
        system_account_get_or_create(kind=AccountKind.HOUSE, currency="eur")
    with pytest.raises(ValueError, match="wallet_get_or_create"):
        system_account_get_or_create(kind=AccountKind.PLAYER_WALLET, currency="EUR")


def test_system_accounts_are_per_partner_and_may_go_negative(db):
    a = system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, currency="EUR", partner="a")
    b = system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, currency="EUR", partner="b")
    assert a.pk != b.pk
    assert not a.non_negative
    transfer(source=a, destination=b, amount=500, kind="test", idempotency_key="sys:1")
    assert (fresh(a).balance, fresh(b).balance) == (-500, 500)
    assert ledger_audit() == []


# ------------------------------------------------------------------------------------------------ transfers


def test_transfer_writes_one_transaction_two_entries_and_running_balances(funded_wallet, house):
    wallet = funded_wallet(1000)
    txn = transfer(source=wallet, destination=house, amount=250, kind="bet", idempotency_key="t:1", reference="r1")
    assert txn.replayed is False
    assert (txn.kind, txn.reference) == ("bet", "r1")
    entries = {e.account_id: e for e in txn.entries.all()}
    assert entries[wallet.pk].amount == -250
    assert entries[wallet.pk].balance_after == 750
    assert entries[house.pk].amount == 250
    assert entries[house.pk].balance_after == 250
    assert {e.currency for e in entries.values()} == {"EUR"}
    assert (fresh(wallet).balance, fresh(house).balance) == (750, 250)
    assert ledger_audit() == []


def test_replay_returns_the_first_transaction_and_moves_money_once(funded_wallet, house):
    wallet = funded_wallet(1000)
    first = transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:replay")
    again = transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:replay")
    assert again.pk == first.pk
    assert again.replayed is True
    assert fresh(wallet).balance == 700
    assert Transaction.objects.filter(idempotency_key="t:replay").count() == 1
    assert ledger_audit() == []


def test_replay_succeeds_even_when_the_wallet_could_no_longer_afford_it(funded_wallet, house):
    wallet = funded_wallet(300)
    first = transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:drained")
    assert fresh(wallet).balance == 0
    again = transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:drained")
    assert (again.pk, again.replayed) == (first.pk, True)


def test_replay_inside_an_outer_atomic_block_keeps_the_outer_transaction_usable(funded_wallet, house):
    wallet = funded_wallet(1000)
    first = transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key="t:outer")
    with transaction.atomic():
        again = transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key="t:outer")
        other = transfer(source=wallet, destination=house, amount=50, kind="bet", idempotency_key="t:outer2")
    assert again.pk == first.pk
    assert other.replayed is False
    assert fresh(wallet).balance == 850
    assert ledger_audit() == []


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 301},
        {"kind": "win"},
        {"swap": True},
    ],
)
def test_same_key_with_another_move_is_a_conflict(funded_wallet, house, change):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:conflict")
    source, destination = (house, wallet) if change.get("swap") else (wallet, house)
    with pytest.raises(LedgerKeyConflict) as caught:
        transfer(
            source=source,
            destination=destination,
            amount=change.get("amount", 300),
            kind=change.get("kind", "bet"),
            idempotency_key="t:conflict",
        )
    assert caught.value.code == "idempotency_key_conflict"
    assert fresh(wallet).balance == 700
    assert ledger_audit() == []


def test_same_key_with_other_accounts_is_a_conflict(funded_wallet, house, provider_clearing):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=300, kind="bet", idempotency_key="t:conflict-acct")
    with pytest.raises(LedgerKeyConflict):
        transfer(
            source=wallet, destination=provider_clearing, amount=300, kind="bet", idempotency_key="t:conflict-acct"
        )
    assert fresh(provider_clearing).balance == 0


def test_insufficient_funds_writes_nothing(funded_wallet, house):
    wallet = funded_wallet(100)
    with pytest.raises(InsufficientFunds) as caught:
        transfer(source=wallet, destination=house, amount=101, kind="bet", idempotency_key="t:poor")
    assert caught.value.code == "insufficient_funds"
    assert not Transaction.objects.filter(idempotency_key="t:poor").exists()
    assert (fresh(wallet).balance, fresh(house).balance) == (100, 0)
    # The key is still free: a later, affordable move under it goes through.
    transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key="t:poor")
    assert fresh(wallet).balance == 0
    assert ledger_audit() == []


def test_multi_leg_posting_nets_legs_per_account(funded_wallet, house, provider_clearing):
    wallet = funded_wallet(1000)
    txn = transaction_post(
        kind="spin",
        idempotency_key="t:multi",
        postings=[
            Posting(wallet, -200),
            Posting(provider_clearing, 200),
            Posting(provider_clearing, -50),
            Posting(wallet, 50),
            Posting(house, 0),
        ],
    )
    assert {e.account_id: e.amount for e in txn.entries.all()} == {wallet.pk: -150, provider_clearing.pk: 150}
    assert fresh(wallet).balance == 850
    assert ledger_audit() == []


@pytest.mark.parametrize(
    ("postings", "error"),
    [
        (lambda w, h: [Posting(w, -10), Posting(h, 11)], ValueError),
        (lambda w, h: [Posting(w, -10), Posting(w, 10)], ValueError),
        (lambda w, h: [], ValueError),
        (lambda w, h: [Posting(w, -1.5), Posting(h, 1.5)], TypeError),
        (lambda w, h: [Posting(w, True), Posting(h, -1)], TypeError),
    ],
    ids=["unbalanced", "nets-to-nothing", "empty", "float", "bool"],
)
def test_malformed_postings_are_refused_and_write_nothing(funded_wallet, house, postings, error):
    wallet = funded_wallet(1000)
    with pytest.raises(error):
        transaction_post(kind="bad", idempotency_key="t:bad", postings=postings(wallet, house))
    assert not Transaction.objects.filter(idempotency_key="t:bad").exists()
    assert fresh(wallet).balance == 1000


def test_unbalanced_posting_is_a_value_error_even_when_the_wallet_is_short(funded_wallet, house):
    """A programming error (legs that do not balance) must not be reported as a player's insufficient funds."""
    wallet = funded_wallet(10)
    with pytest.raises(ValueError, match="sum to zero"):
        transaction_post(kind="bad", idempotency_key="t:bad2", postings=[Posting(wallet, -100), Posting(house, 99)])


def test_cross_currency_legs_must_balance_per_currency(make_player, fund, house):
    player = make_player()
    eur = fund(player, 1000, "EUR")
    usd_house = system_account_get_or_create(kind=AccountKind.HOUSE, currency="USD")
    with pytest.raises(ValueError, match="sum to zero"):
        transfer(source=eur, destination=usd_house, amount=100, kind="fx", idempotency_key="t:fx")
    assert fresh(eur).balance == 1000


def test_transfer_refuses_non_positive_amounts(funded_wallet, house):
    wallet = funded_wallet(100)
    for amount in (0, -5):
        with pytest.raises(ValueError):
            transfer(source=wallet, destination=house, amount=amount, kind="bet", idempotency_key=f"t:{amount}")
    assert Transaction.objects.filter(kind="bet").count() == 0


def test_system_account_may_go_negative_but_wallet_may_not(funded_wallet, house):
    player_wallet = funded_wallet(1)
    transfer(source=house, destination=player_wallet, amount=500, kind="bonus", idempotency_key="t:bonus")
    assert fresh(house).balance == -500
    with pytest.raises(InsufficientFunds):
        transfer(source=player_wallet, destination=house, amount=502, kind="bet", idempotency_key="t:over")
    assert fresh(player_wallet).balance == 501


# ------------------------------------------------------------------------------------------------ reversals


def test_reversal_posts_the_exact_opposite_once(funded_wallet, house):
    wallet = funded_wallet(1000)
    original = transfer(source=wallet, destination=house, amount=400, kind="bet", idempotency_key="r:bet")
    reversal = transaction_reverse(original=original, idempotency_key="r:bet:rollback")
    assert reversal.replayed is False
    assert reversal.reverses_id == original.pk
    assert reversal.kind == "reversal"
    assert sorted((e.account_id, e.amount) for e in reversal.entries.all()) == sorted(
        (e.account_id, -e.amount) for e in original.entries.all()
    )
    assert (fresh(wallet).balance, fresh(house).balance) == (1000, 0)

    again = transaction_reverse(original=original, idempotency_key="r:bet:rollback")
    assert (again.pk, again.replayed) == (reversal.pk, True)
    assert fresh(wallet).balance == 1000

    with pytest.raises(AlreadyReversed) as caught:
        transaction_reverse(original=original, idempotency_key="r:bet:rollback-2")
    assert caught.value.code == "already_reversed"
    assert fresh(wallet).balance == 1000
    assert Transaction.objects.filter(reverses=original).count() == 1
    assert ledger_audit() == []


def test_reversal_that_would_take_a_wallet_below_zero_is_refused(funded_wallet, house):
    wallet = funded_wallet(100)
    win = transfer(source=house, destination=wallet, amount=500, kind="win", idempotency_key="r:win")
    transfer(source=wallet, destination=house, amount=550, kind="bet", idempotency_key="r:spent")
    with pytest.raises(InsufficientFunds):
        transaction_reverse(original=win, idempotency_key="r:win:rollback")
    assert not Transaction.objects.filter(reverses=win).exists()
    assert fresh(wallet).balance == 50
    # Once the wallet can afford it, the same reversal goes through.
    transfer(source=house, destination=wallet, amount=450, kind="deposit", idempotency_key="r:topup")
    transaction_reverse(original=win, idempotency_key="r:win:rollback")
    assert fresh(wallet).balance == 0
    assert ledger_audit() == []


def test_reversal_key_reused_for_another_move_is_a_conflict(funded_wallet, house):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=10, kind="bet", idempotency_key="r:used")
    original = transfer(source=wallet, destination=house, amount=20, kind="bet", idempotency_key="r:orig")
    with pytest.raises(LedgerKeyConflict):
        transaction_reverse(original=original, idempotency_key="r:used")
    assert not Transaction.objects.filter(reverses=original).exists()


def test_a_reversal_can_itself_be_reversed_once(funded_wallet, house):
    wallet = funded_wallet(1000)
    original = transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key="rr:bet")
    reversal = transaction_reverse(original=original, idempotency_key="rr:undo")
    transaction_reverse(original=reversal, idempotency_key="rr:redo")
    assert fresh(wallet).balance == 900
    with pytest.raises(AlreadyReversed):
        transaction_reverse(original=reversal, idempotency_key="rr:redo-2")
    assert ledger_audit() == []


# ------------------------------------------------------------------------------------------------ immutability


def test_saving_or_deleting_an_existing_transaction_or_entry_raises(funded_wallet, house):
    wallet = funded_wallet(1000)
    txn = transfer(source=wallet, destination=house, amount=10, kind="bet", idempotency_key="i:1")
    entry = txn.entries.get(account=wallet)
    txn.reference = "edited"
    with pytest.raises(ImmutableError):
        txn.save()
    with pytest.raises(ImmutableError):
        txn.delete()
    entry.amount = 1
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    assert Transaction.objects.get(pk=txn.pk).reference == ""
    assert Entry.objects.get(pk=entry.pk).amount == -10


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize(
    "statement",
    [
        lambda: Transaction.objects.all().update(reference="edited"),
        lambda: _raw("DELETE FROM ledger_transaction"),
        lambda: Entry.objects.all().update(amount=1),
        lambda: Entry.objects.all().delete(),
        lambda: _raw("UPDATE ledger_entry SET balance_after = 0"),
    ],
    ids=["transaction-update", "transaction-delete-sql", "entry-update", "entry-delete", "entry-update-sql"],
)
def test_the_database_refuses_queryset_updates_and_deletes(funded_wallet, house, statement):
    wallet = funded_wallet(1000)
    transfer(source=wallet, destination=house, amount=10, kind="bet", idempotency_key="i:2")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        statement()
    assert Entry.objects.filter(amount=-10).count() == 1
    assert not Transaction.objects.filter(reference="edited").exists()
    assert ledger_audit() == []


# ------------------------------------------------------------------------------------------------ error classification


def test_only_unique_violations_are_taken_for_replays(funded_wallet):
    """A failed insert counts as a possible replay only when a unique key refused it; a check or foreign key
    failure must surface as it is."""
    from django.db import IntegrityError

    from ledger.models import Hold
    from ledger.statements import is_unique_violation

    wallet = funded_wallet(100)
    with pytest.raises(IntegrityError) as unique, transaction.atomic():
        Account.objects.create(code=wallet.code, kind=wallet.kind, currency="EUR")
    with pytest.raises(IntegrityError) as check, transaction.atomic():
        Hold.objects.create(account=wallet, amount=0, currency="EUR", idempotency_key="zero")
    assert is_unique_violation(unique.value) is True
    assert is_unique_violation(check.value) is False
