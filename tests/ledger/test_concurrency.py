"""Races on real PostgreSQL: many threads, each with its own connection, against the same accounts.

The threads need committed data, hence transactional tests; they share one xdist group so that two of these
tests never hold dozens of connections each at the same time."""

import pytest

from ledger.errors import HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, Hold, HoldStatus, Transaction
from ledger.selectors import ledger_audit
from ledger.services import hold_capture, hold_release, hold_reserve, transfer
from tests.support.concurrency import errors_of, results_of, run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("ledger_threads")]


def fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_fifty_bets_against_a_wallet_that_affords_ten(funded_wallet, provider_clearing):
    wallet = funded_wallet(10 * 150)

    def bet(index: int):
        return transfer(
            source=wallet, destination=provider_clearing, amount=150, kind="bet", idempotency_key=f"bet:{index}"
        )

    outcomes = run_concurrently(50, bet)
    errors = errors_of(outcomes)
    assert len(results_of(outcomes)) == 10
    assert len(errors) == 40
    assert all(isinstance(error, InsufficientFunds) for error in errors), errors[:3]
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (0, 0)
    assert fresh(provider_clearing).balance == 1500
    assert Transaction.objects.filter(kind="bet").count() == 10
    assert ledger_audit() == []


def test_one_transfer_key_replayed_from_many_threads_moves_money_once(funded_wallet, house):
    wallet = funded_wallet(1000)

    outcomes = run_concurrently(
        20,
        lambda _: transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key="race:transfer"),
    )
    assert errors_of(outcomes) == []
    results = results_of(outcomes)
    assert len({txn.pk for txn in results}) == 1
    assert sorted(txn.replayed for txn in results) == [False] + [True] * 19
    assert fresh(wallet).balance == 900
    assert ledger_audit() == []


def test_one_key_with_different_postings_from_many_threads_moves_one_of_them(funded_wallet, house):
    wallet = funded_wallet(10_000)

    outcomes = run_concurrently(
        12,
        lambda i: transfer(
            source=wallet, destination=house, amount=100 + i, kind="bet", idempotency_key="race:conflict"
        ),
    )
    winners = results_of(outcomes)
    errors = errors_of(outcomes)
    assert len(winners) == 1
    assert len(errors) == 11
    assert all(isinstance(error, LedgerKeyConflict) for error in errors), errors[:3]
    assert fresh(wallet).balance == 10_000 - (100 + next(i for i, (s, _) in enumerate(outcomes) if s == "ok"))
    assert ledger_audit() == []


def test_one_hold_key_replayed_from_many_threads_holds_once(funded_wallet):
    wallet = funded_wallet(1000)

    outcomes = run_concurrently(
        20, lambda _: hold_reserve(account=wallet, amount=400, idempotency_key="race:hold", reference="round")
    )
    assert errors_of(outcomes) == []
    results = results_of(outcomes)
    assert len({hold.pk for hold in results}) == 1
    assert sorted(hold.replayed for hold in results) == [False] + [True] * 19
    assert fresh(wallet).held == 400
    assert Hold.objects.count() == 1
    assert ledger_audit() == []


def test_one_capture_key_replayed_from_many_threads_captures_once(funded_wallet, provider_clearing):
    wallet = funded_wallet(1000)
    hold = hold_reserve(account=wallet, amount=400, idempotency_key="race:cap:hold")

    outcomes = run_concurrently(
        20,
        lambda _: hold_capture(
            hold=hold, destination=provider_clearing, idempotency_key="race:cap", kind="bet", amount=250
        ),
    )
    assert errors_of(outcomes) == []
    results = results_of(outcomes)
    assert len({txn.pk for txn in results}) == 1
    assert sorted(txn.replayed for txn in results) == [False] + [True] * 19
    wallet = fresh(wallet)
    assert (wallet.balance, wallet.held) == (750, 0)
    assert ledger_audit() == []


def test_many_holds_against_one_wallet_never_overcommit(funded_wallet):
    wallet = funded_wallet(1000)

    outcomes = run_concurrently(
        24, lambda i: hold_reserve(account=wallet, amount=100, idempotency_key=f"race:holds:{i}")
    )
    assert len(results_of(outcomes)) == 10
    assert all(isinstance(error, InsufficientFunds) for error in errors_of(outcomes))
    wallet = fresh(wallet)
    assert (wallet.held, wallet.available) == (1000, 0)
    assert ledger_audit() == []


def test_capture_racing_release_exactly_one_wins(funded_wallet, provider_clearing):
    wallets = [funded_wallet(1000) for _ in range(4)]
    holds = [hold_reserve(account=w, amount=300, idempotency_key=f"race:cr:{i}") for i, w in enumerate(wallets)]

    def act(index: int):
        hold = holds[index // 2]
        if index % 2:
            return hold_release(hold=hold)
        return hold_capture(hold=hold, destination=provider_clearing, idempotency_key=f"race:cr:c:{index}", kind="bet")

    outcomes = run_concurrently(2 * len(holds), act)
    for index, hold in enumerate(holds):
        pair = outcomes[2 * index : 2 * index + 2]
        statuses = [status for status, _ in pair]
        assert statuses.count("ok") == 1, pair
        loser = next(value for status, value in pair if status == "error")
        assert isinstance(loser, HoldNotActive)
        hold.refresh_from_db()
        wallet = fresh(wallets[index])
        if hold.status == HoldStatus.CAPTURED:
            assert (wallet.balance, wallet.held) == (700, 0)
        else:
            assert hold.status == HoldStatus.RELEASED
            assert (wallet.balance, wallet.held) == (1000, 0)
    assert ledger_audit() == []


def test_opposite_transfers_between_two_wallets_never_deadlock(funded_wallet, house):
    alice, bob = funded_wallet(10_000), funded_wallet(10_000)
    rounds = 15

    def shuttle(index: int):
        source, destination = (alice, bob) if index % 2 else (bob, alice)
        for n in range(rounds):
            transfer(source=source, destination=destination, amount=7, kind="p2p", idempotency_key=f"dl:{index}:{n}")
            # A second lock set (a wallet and the house) interleaved with the first.
            transfer(source=destination, destination=house, amount=1, kind="fee", idempotency_key=f"dl:f:{index}:{n}")
        return index

    outcomes = run_concurrently(16, shuttle)
    assert errors_of(outcomes) == []
    assert Transaction.objects.filter(kind="p2p").count() == 16 * rounds
    # Each direction ran 8 threads: p2p moves cancel out; fees are taken from each thread's destination.
    assert fresh(alice).balance + fresh(bob).balance == 20_000 - 16 * rounds
    assert fresh(house).balance == 16 * rounds
    assert ledger_audit() == []
