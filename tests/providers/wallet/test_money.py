"""The money rules of the seamless wallet, over HTTP: bets, wins, rollbacks, duplicates, tombstones, funds."""

import pytest

from ledger.models import Account, AccountKind, Transaction
from providers.models import WalletCallback, WalletCallbackVerdict, WalletTransaction, WalletTransactionStatus
from tests.providers.wallet.conftest import available, balance_body, move, rollback_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audited")]


def clearing_balance(code="acme", currency="EUR") -> int:
    account = Account.objects.filter(code=f"{AccountKind.PROVIDER_CLEARING}:{code}:{currency}").first()
    return account.balance if account else 0


def test_bet_debits_the_wallet_into_the_provider_clearing_account(wallet, player, session):
    response = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    assert response.status_code == 200, response.text
    assert response.json() == {"balance": "97.50", "currency": "EUR", "transaction_id": "b-1", "status": "ok"}
    assert available(player) == 9_750
    assert clearing_balance() == 250
    row = WalletTransaction.objects.get(transaction_id="b-1")
    assert (row.action, row.status, row.amount, row.round_id) == ("bet", "completed", 250, "r-1")
    assert row.ledger_transaction.idempotency_key == "wallet:acme:b-1"


def test_win_credits_a_round_the_player_bet_in(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    response = wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="10.00"))
    assert response.status_code == 200, response.text
    assert response.json() == {"balance": "107.50", "currency": "EUR", "transaction_id": "w-1", "status": "ok"}
    assert clearing_balance() == 250 - 1_000
    assert Transaction.objects.get(idempotency_key="wallet:acme:w-1").kind == "wallet_win"


def test_zero_win_closes_a_losing_round_without_moving_money(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    response = wallet.call("win", move(session, transaction_id="w-0", round_id="r-1", amount="0.00"))
    assert response.status_code == 200
    assert response.json()["balance"] == "97.50"
    assert WalletTransaction.objects.get(transaction_id="w-0").ledger_transaction is None


def test_win_without_a_round_is_404_round_not_found(wallet, player, session):
    response = wallet.call("win", move(session, transaction_id="w-1", round_id="never-bet", amount="10.00"))
    assert response.status_code == 404
    assert response.json()["code"] == "round_not_found"
    assert available(player) == 10_000
    assert not WalletTransaction.objects.exists()


def test_win_on_another_players_round_is_404(wallet, player, session, make_player, open_session):
    other_session = open_session(make_player())
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    response = wallet.call("win", move(other_session, transaction_id="w-1", round_id="r-1", amount="10.00"))
    assert response.status_code == 404
    assert response.json()["code"] == "round_not_found"


def test_win_on_a_rolled_back_round_is_409(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-1"))
    response = wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="10.00"))
    assert response.status_code == 409
    assert response.json()["code"] == "round_rolled_back"
    assert available(player) == 10_000


def test_repeated_transaction_id_answers_the_first_answer_and_moves_no_money(wallet, player, session):
    body = move(session, transaction_id="b-1", round_id="r-1", amount="2.50")
    first = wallet.call("bet", body)
    wallet.call("bet", move(session, transaction_id="b-2", round_id="r-1", amount="1.00"))  # the balance moves on
    again = wallet.call("bet", body)
    assert again.status_code == 200
    assert (
        again.json()
        == first.json()
        == {
            "balance": "97.50",
            "currency": "EUR",
            "transaction_id": "b-1",
            "status": "ok",
        }
    )
    assert available(player) == 10_000 - 250 - 100
    assert Transaction.objects.filter(kind="wallet_bet").count() == 2
    verdicts = list(WalletCallback.objects.filter(transaction_id="b-1").values_list("verdict", flat=True))
    assert sorted(verdicts) == [WalletCallbackVerdict.ACCEPTED, WalletCallbackVerdict.REPLAYED]


def test_repeated_win_pays_once(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    body = move(session, transaction_id="w-1", round_id="r-1", amount="5.00")
    assert wallet.call("win", body).json() == wallet.call("win", body).json()
    assert available(player) == 10_000 - 100 + 500


def test_transaction_id_reused_with_another_body_is_409_transaction_conflict(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    response = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="3.00"))
    assert response.status_code == 409
    assert response.json()["code"] == "transaction_conflict"
    as_win = wallet.call("win", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    assert as_win.json()["code"] == "transaction_conflict"
    assert available(player) == 9_750


def test_insufficient_funds_is_422_and_leaves_nothing_behind(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-0", round_id="r-0", amount="60.00"))
    response = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="40.01"))
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds"
    assert available(player) == 4_000
    assert not WalletTransaction.objects.filter(transaction_id="b-1").exists()
    # The whole balance can be bet; the wallet reaches zero, never below.
    response = wallet.call("bet", move(session, transaction_id="b-2", round_id="r-1", amount="40.00"))
    assert response.json()["balance"] == "0.00"


def test_rollback_reverses_exactly_its_bet(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    wallet.call("bet", move(session, transaction_id="b-2", round_id="r-1", amount="1.00"))
    response = wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-1"))
    assert response.status_code == 200, response.text
    assert response.json() == {"balance": "99.00", "currency": "EUR", "transaction_id": "rb-1", "status": "ok"}
    bet = WalletTransaction.objects.get(transaction_id="b-1")
    assert bet.status == WalletTransactionStatus.ROLLED_BACK
    assert bet.reversal_transaction.reverses_id == bet.ledger_transaction_id
    assert clearing_balance() == 100


def test_rollback_twice_reverses_once(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    body = rollback_body(session, transaction_id="rb-1", reference="b-1")
    first, again = wallet.call("rollback", body), wallet.call("rollback", body)
    assert again.json() == first.json()
    # A second rollback under its own id finds the bet already reversed: answered, nothing moves.
    other = wallet.call("rollback", rollback_body(session, transaction_id="rb-2", reference="b-1"))
    assert other.status_code == 200
    assert other.json()["status"] == "ok"
    assert available(player) == 10_000
    assert Transaction.objects.filter(kind="wallet_rollback").count() == 1


def test_rollback_of_an_unknown_transaction_is_not_found_and_the_late_bet_is_refused(wallet, player, session):
    response = wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-late"))
    assert response.status_code == 200
    assert response.json() == {"balance": "100.00", "currency": "EUR", "transaction_id": "rb-1", "status": "not_found"}
    assert WalletTransaction.objects.get(transaction_id="b-late").status == WalletTransactionStatus.TOMBSTONE
    late = wallet.call("bet", move(session, transaction_id="b-late", round_id="r-1", amount="2.50"))
    assert late.status_code == 409
    assert late.json()["code"] == "bet_rolled_back"
    assert available(player) == 10_000
    # The rollback is still answered the same, and another rollback of the same unknown id is not_found too.
    assert wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-late")).json() == (
        response.json()
    )
    assert wallet.call("rollback", rollback_body(session, transaction_id="rb-2", reference="b-late")).json()[
        "status"
    ] == ("not_found")


def test_rollback_of_a_win_is_refused(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="5.00"))
    response = wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="w-1"))
    assert response.status_code == 409
    assert response.json()["code"] == "rollback_not_allowed"
    # So is the rollback of a bet whose round already paid out.
    response = wallet.call("rollback", rollback_body(session, transaction_id="rb-2", reference="b-1"))
    assert response.status_code == 409
    assert response.json()["code"] == "rollback_not_allowed"
    assert available(player) == 10_000 - 100 + 500


def test_rollback_of_another_players_bet_is_refused(wallet, player, session, make_player, open_session):
    other_session = open_session(make_player())
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    response = wallet.call("rollback", rollback_body(other_session, transaction_id="rb-1", reference="b-1"))
    assert response.status_code == 409
    assert response.json()["code"] == "transaction_conflict"
    assert available(player) == 9_900


def test_rollback_naming_a_different_amount_is_refused(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    response = wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-1", amount="2.00"))
    assert response.status_code == 409
    ok = wallet.call("rollback", rollback_body(session, transaction_id="rb-2", reference="b-1", amount="1.00"))
    assert ok.json()["status"] == "ok"
    assert available(player) == 10_000


def test_blocked_player_cannot_bet_but_is_answered_balance(wallet, player, session):
    player.is_active = False
    player.save()
    response = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    assert response.status_code == 403
    assert response.json()["code"] == "player_blocked"
    assert wallet.call("balance", balance_body(session)).ok


def test_money_moves_push_the_balance(wallet, player, session, settings):
    """The push goes through the channel layer after commit; read it back from the player's group."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from core.realtime import player_group

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(player_group(player.pk), channel)
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    message = async_to_sync(layer.receive)(channel)
    expected = {"type": "balance.updated", "balance": "97.50", "available": "97.50", "currency": "EUR"}
    assert message["message"] == expected


def test_rollback_without_its_own_id_is_keyed_by_the_bet(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    body = rollback_body(session, transaction_id=None, reference="b-1")
    first = wallet.call("rollback", body)
    assert first.status_code == 200, first.text
    assert first.json() == {"balance": "100.00", "currency": "EUR", "transaction_id": "b-1", "status": "ok"}
    assert wallet.call("rollback", body).json() == first.json()
    assert WalletTransaction.objects.get(transaction_id="rollback b-1").action == "rollback"
    assert available(player) == 10_000


def test_rollback_reusing_the_bets_id_before_the_bet_refuses_the_bet(wallet, player, session):
    response = wallet.call("rollback", rollback_body(session, transaction_id="b-1", reference="b-1"))
    assert response.json()["status"] == "not_found"
    late = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    assert late.status_code == 409
    assert late.json()["code"] == "bet_rolled_back"
    assert available(player) == 10_000


def test_rollback_reusing_the_bets_id_reverses_it(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    response = wallet.call("rollback", rollback_body(session, transaction_id="b-1", reference="b-1", amount="2.50"))
    assert response.json() == {"balance": "100.00", "currency": "EUR", "transaction_id": "b-1", "status": "ok"}
    assert Transaction.objects.get(idempotency_key="wallet:acme:rollback b-1").kind == "wallet_rollback"


def test_seamless_money_is_counted_as_bets_wins_and_rollbacks(wallet, player, session):
    from prometheus_client import REGISTRY

    def counted(movement):
        labels = {"provider": "acme", "currency": "EUR", "movement": movement}
        return REGISTRY.get_sample_value("casino_money_minor_units_total", labels) or 0

    before = {m: counted(m) for m in ("bet", "win", "rollback")}
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    wallet.call("bet", move(session, transaction_id="b-2", round_id="r-2", amount="1.00"))
    wallet.call("win", move(session, transaction_id="w-1", round_id="r-2", amount="4.00"))
    wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-1"))
    assert {m: counted(m) - before[m] for m in before} == {"bet": 350, "win": 400, "rollback": 250}
