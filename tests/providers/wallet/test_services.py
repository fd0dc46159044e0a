"""The wallet services in-process: the hot path's query count, and the ledger legs each move posts."""

import pytest

from ledger.models import AccountKind, Transaction
from providers.models import Provider
from providers.wallet.services import wallet_bet_place, wallet_rollback_apply, wallet_win_credit


@pytest.fixture
def provider(db):
    return Provider.objects.create(code="acme", name="Acme", base_url="http://127.0.0.1:9/", key_id="k", secret="s")


def bet(provider, player, transaction_id, round_id="r-1", amount=100):
    return wallet_bet_place(
        provider=provider,
        player=player,
        currency="EUR",
        session_id="s-1",
        transaction_id=transaction_id,
        round_id=round_id,
        amount=amount,
    )


def test_a_bet_takes_a_fixed_number_of_queries(provider, make_player, fund, django_assert_max_num_queries):
    player = make_player()
    fund(player, 10_000)
    bet(provider, player, "warm-up")  # creates the clearing account once
    with django_assert_max_num_queries(15):
        bet(provider, player, "b-1")
    with django_assert_max_num_queries(7):
        assert bet(provider, player, "b-1").replayed


def test_each_move_posts_its_legs_between_wallet_and_clearing(provider, make_player, fund):
    player = make_player()
    fund(player, 10_000)
    bet(provider, player, "b-1", amount=300)
    wallet_win_credit(
        provider=provider,
        player=player,
        currency="EUR",
        session_id="s-1",
        transaction_id="w-1",
        round_id="r-1",
        amount=1_000,
    )
    bet(provider, player, "b-2", round_id="r-2", amount=200)
    wallet_rollback_apply(
        provider=provider,
        player=player,
        currency="EUR",
        session_id="s-1",
        transaction_id="rb-1",
        reference_transaction_id="b-2",
    )

    def legs(key):
        txn = Transaction.objects.get(idempotency_key=key)
        return sorted((e.account.kind, e.amount) for e in txn.entries.select_related("account"))

    wallet, clearing = AccountKind.PLAYER_WALLET, AccountKind.PROVIDER_CLEARING
    assert legs("wallet:acme:b-1") == sorted([(wallet, -300), (clearing, 300)])
    assert legs("wallet:acme:w-1") == sorted([(wallet, 1_000), (clearing, -1_000)])
    assert legs("wallet:acme:rb-1") == sorted([(wallet, 200), (clearing, -200)])
    assert Transaction.objects.get(idempotency_key="wallet:acme:rb-1").reverses.idempotency_key == "wallet:acme:b-2"
