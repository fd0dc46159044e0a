"""Concurrent callbacks on PostgreSQL: duplicates of one transaction id move money once, and bets that together
exceed the balance are refused past it. Real threads, real HTTP, the live server's own connections."""

import pytest

from ledger.models import Transaction
from ledger.services import wallet_get_or_create
from providers.models import WalletTransaction
from tests.providers.wallet.conftest import move, rollback_body
from tests.support.concurrency import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audited")]

THREADS = 8


def test_concurrent_duplicates_of_one_transaction_debit_once(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    body = move(session, transaction_id="dup-1", round_id="r-1", amount="7.00")
    responses = run_together([lambda: wallet.call("bet", body) for _ in range(THREADS)])
    assert [r.status_code for r in responses] == [200] * THREADS, [r.text for r in responses]
    assert {r.json()["balance"] for r in responses} == {"93.00"}
    assert Transaction.objects.filter(kind="wallet_bet").count() == 1
    assert WalletTransaction.objects.count() == 1
    assert wallet_get_or_create(user=player, currency="EUR").available == 9_300


def test_concurrent_bets_never_take_the_wallet_below_zero(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1_000)  # 10.00: room for three bets of 3.00
    session = open_session(player)
    calls = [
        (lambda i=i: wallet.call("bet", move(session, transaction_id=f"b-{i}", round_id="r-1", amount="3.00")))
        for i in range(THREADS)
    ]
    responses = run_together(calls)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 3 + [422] * (THREADS - 3), [r.text for r in responses]
    assert all(r.json()["code"] == "insufficient_funds" for r in responses if r.status_code == 422)
    assert wallet_get_or_create(user=player, currency="EUR").available == 100


def test_bet_racing_its_own_rollback_ends_consistent(wallet, make_player, fund, open_session):
    """Whichever arrives first wins, and either way no money is left moved."""
    player = make_player()
    fund(player, 1_000)
    session = open_session(player)
    bet = move(session, transaction_id="race-1", round_id="r-1", amount="3.00")
    rollback = rollback_body(session, transaction_id="rb-race-1", reference="race-1")
    for _ in range(3):
        bet_response, rollback_response = run_together(
            [lambda: wallet.call("bet", bet), lambda: wallet.call("rollback", rollback)]
        )
        if rollback_response.json()["status"] == "not_found":
            assert bet_response.json()["code"] == "bet_rolled_back"
        else:
            assert bet_response.status_code == 200
            assert rollback_response.json()["status"] == "ok"
        assert wallet_get_or_create(user=player, currency="EUR").available == 1_000
        WalletTransaction.objects.all().delete()
        bet["transaction_id"] = rollback["reference_transaction_id"] = bet["transaction_id"] + "x"
        rollback["transaction_id"] += "x"


def test_concurrent_rollbacks_of_one_bet_reverse_it_once(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1_000)
    session = open_session(player)
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="4.00"))
    same_id = [lambda: wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-1"))] * 3
    other_ids = [
        (lambda i=i: wallet.call("rollback", rollback_body(session, transaction_id=f"rb-x{i}", reference="b-1")))
        for i in range(3)
    ]
    responses = run_together(same_id + other_ids)
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert Transaction.objects.filter(kind="wallet_rollback").count() == 1
    assert wallet_get_or_create(user=player, currency="EUR").available == 1_000


def test_concurrent_duplicate_wins_pay_once(wallet, make_player, fund, open_session):
    player = make_player()
    fund(player, 1_000)
    session = open_session(player)
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    body = move(session, transaction_id="w-1", round_id="r-1", amount="9.00")
    responses = run_together([lambda: wallet.call("win", body) for _ in range(THREADS)])
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["balance"] for r in responses} == {"18.00"}
    assert Transaction.objects.filter(kind="wallet_win").count() == 1


def test_a_win_racing_a_rollback_of_its_rounds_bet_never_pays_both(wallet, make_player, fund, open_session):
    """The win locks the round's bets and the rollback locks its bet, so one sees the other: either the stake comes
    back and the win is refused, or the win is paid and the rollback is refused."""
    player = make_player()
    fund(player, 1_000)
    session = open_session(player)
    for attempt in range(3):
        bet_id, round_id = f"b-{attempt}", f"r-{attempt}"
        wallet.call("bet", move(session, transaction_id=bet_id, round_id=round_id, amount="1.00"))
        win_body = move(session, transaction_id=f"w-{attempt}", round_id=round_id, amount="5.00")
        cancel_body = rollback_body(session, transaction_id=f"rb-{attempt}", reference=bet_id)
        win, rollback = run_together(
            [
                lambda body=win_body: wallet.call("win", body),
                lambda body=cancel_body: wallet.call("rollback", body),
            ]
        )
        assert sorted([win.status_code, rollback.status_code]) == [200, 409], (win.text, rollback.text)
    available = wallet_get_or_create(user=player, currency="EUR").available
    wins = Transaction.objects.filter(kind="wallet_win").count()
    rollbacks = Transaction.objects.filter(kind="wallet_rollback").count()
    assert wins + rollbacks == 3
    assert available == 1_000 - 3 * 100 + wins * 500 + rollbacks * 100
