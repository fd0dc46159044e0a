"""The wallet services in-process: the hot path's query count, the ledger legs each move posts, and the session
rules held for direct callers too."""

import pytest

from ledger.models import AccountKind, Transaction
from providers.models import GameSession, SessionStatus, WalletTransaction
from providers.wallet.errors import SessionClosed, SessionNotFound
from providers.wallet.services import wallet_bet_place, wallet_rollback_apply, wallet_win_credit


@pytest.fixture
def provider(wallet_provider):
    return wallet_provider


def session_of(player) -> GameSession:
    """The player's one open session (opened by the test), loaded as the callback handler loads it."""
    return GameSession.objects.select_related("game", "provider").get(player=player)


def bet(provider, player, transaction_id, round_id="r-1", amount=100, session=None):
    return wallet_bet_place(
        provider=provider,
        player=player,
        currency="EUR",
        session=session or session_of(player),
        transaction_id=transaction_id,
        round_id=round_id,
        amount=amount,
    )


def test_a_bet_takes_a_fixed_number_of_queries(
    provider, make_player, fund, open_session, django_assert_max_num_queries
):
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    bet(provider, player, "warm-up", session=session)  # creates the clearing account once
    with django_assert_max_num_queries(15):
        bet(provider, player, "b-1", session=session)
    with django_assert_max_num_queries(7):
        assert bet(provider, player, "b-1", session=session).replayed


def test_each_move_posts_its_legs_between_wallet_and_clearing(provider, make_player, fund, open_session):
    player = make_player()
    fund(player, 10_000)
    session = open_session(player)
    bet(provider, player, "b-1", amount=300)
    wallet_win_credit(
        provider=provider,
        player=player,
        currency="EUR",
        session=session,
        transaction_id="w-1",
        round_id="r-1",
        amount=1_000,
    )
    bet(provider, player, "b-2", round_id="r-2", amount=200)
    wallet_rollback_apply(
        provider=provider,
        player=player,
        currency="EUR",
        session=session,
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


def test_the_services_hold_direct_callers_to_the_session_rules(provider, make_player, fund, open_session):
    player, other = make_player(), make_player()
    fund(player, 10_000)
    session, others = open_session(player), open_session(other)
    with pytest.raises(SessionNotFound):
        bet(provider, player, "b-1", session=others)
    with pytest.raises(SessionNotFound):
        wallet_rollback_apply(
            provider=provider,
            player=player,
            currency="EUR",
            session=others,
            transaction_id="rb-1",
            reference_transaction_id="b-1",
        )
    session.status = SessionStatus.CLOSED
    with pytest.raises(SessionClosed):
        bet(provider, player, "b-1", session=session)
    assert not WalletTransaction.objects.exists()
