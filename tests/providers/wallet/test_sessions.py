"""Every wallet callback names a game session of its provider and player: made-up, foreign, closed and expired
sessions, and the two ids a provider may know a session by."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import Transaction
from ledger.selectors import ledger_audit
from providers.adapters.rest_json.adapter import games_from
from providers.models import (
    Game,
    GameSession,
    Provider,
    SessionStatus,
    WalletCallback,
    WalletCallbackVerdict,
    WalletTransaction,
)
from providers.services import games_upsert
from sandbox.provider.catalogue import SANDBOX_GAMES
from tests.providers.wallet.conftest import available, balance_body, move, rollback_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audited")]


@pytest.fixture
def rival_game(wallet_provider):
    """A game of another provider, played at the same sandbox (so a session can really be opened there)."""
    rival = Provider.objects.create(
        code="rival",
        name="Rival Games",
        base_url=wallet_provider.base_url,
        key_id=wallet_provider.key_id,
        secret="acme-current-secret",
        currencies=["EUR"],
    )
    games_upsert(provider=rival, games=games_from({"games": SANDBOX_GAMES}))
    return Game.objects.get(provider=rival, code="fruit-fiesta")


def close(session: GameSession) -> None:
    GameSession.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED, closed_at=timezone.now())


def expire(session: GameSession) -> None:
    GameSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    stored = WalletCallback.objects.order_by("-id").first()
    assert (stored.verdict, stored.response_status, stored.error_code) == (WalletCallbackVerdict.REJECTED, status, code)


# ------------------------------------------------------------------------------------------ unknown or foreign


@pytest.mark.parametrize("session_id", ["s-1", "00000000-0000-0000-0000-000000000000", "not a session"])
def test_bet_in_an_unknown_session_is_404_session_not_found_and_moves_nothing(wallet, player, session, session_id):
    body = move(session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=session_id)
    assert_refused(wallet.call("bet", body), 404, "session_not_found")
    assert available(player) == 10_000
    assert not WalletTransaction.objects.exists()
    assert not Transaction.objects.filter(kind__startswith="wallet_").exists()
    assert ledger_audit() == []


def test_a_random_uuid_is_no_session(wallet, player, session):
    body = move(session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=str(uuid.uuid4()))
    assert_refused(wallet.call("bet", body), 404, "session_not_found")


def test_every_action_needs_a_known_session(wallet, player, session):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
    made_up = {"session_id": "made-up"}
    assert_refused(wallet.call("balance", {**balance_body(session), **made_up}), 404, "session_not_found")
    win = move(session, transaction_id="w-1", round_id="r-1", amount="5.00", session_id="made-up")
    assert_refused(wallet.call("win", win), 404, "session_not_found")
    rollback = {**rollback_body(session, transaction_id="rb-1", reference="b-1"), **made_up}
    assert_refused(wallet.call("rollback", rollback), 404, "session_not_found")
    assert available(player) == 9_900
    assert WalletTransaction.objects.get().transaction_id == "b-1"  # nothing claimed, no tombstone written


def test_another_players_session_is_refused(wallet, player, session, make_player, open_session):
    other = make_player()
    other_session = open_session(other)
    # Debiting `player` in a session of `other`, by either of its ids.
    for session_id in (str(other_session.pk), other_session.provider_session_id):
        body = move(session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=session_id)
        assert_refused(wallet.call("bet", body), 404, "session_not_found")
        assert_refused(
            wallet.call("balance", {**balance_body(session), "session_id": session_id}), 404, "session_not_found"
        )
    assert available(player) == 10_000
    assert not WalletTransaction.objects.exists()


def test_another_providers_session_is_refused(wallet, player, open_session, rival_game):
    rival_session = open_session(player, rival_game)
    assert rival_session.provider.code == "rival"
    for session_id in (str(rival_session.pk), rival_session.provider_session_id):
        body = move(rival_session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=session_id)
        assert_refused(wallet.call("bet", body), 404, "session_not_found")
    assert available(player) == 10_000
    assert not WalletTransaction.objects.exists()


# ------------------------------------------------------------------------------------------ closed, expired


@pytest.mark.parametrize("end", [close, expire], ids=["closed", "expired"])
def test_bet_on_a_closed_or_expired_session_is_409_session_closed(wallet, player, session, end):
    end(session)
    assert_refused(
        wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50")), 409, "session_closed"
    )
    assert available(player) == 10_000
    assert not WalletTransaction.objects.exists()
    # The same id is judged afresh later (a refused move leaves no row), and a balance is still answered.
    assert wallet.call("balance", balance_body(session)).json()["balance"] == "100.00"


@pytest.mark.parametrize("disable", ["game", "provider"])
def test_bet_in_a_disabled_game_is_409_session_closed(wallet, wallet_provider, player, session, disable):
    if disable == "game":
        Game.objects.filter(pk=session.game_id).update(enabled=False)
        assert_refused(
            wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00")),
            409,
            "session_closed",
        )
    else:
        # A disabled provider is not found at all, before its session is looked at.
        wallet_provider.enabled = False  # as staff do it, through a save (which drops the cached row)
        wallet_provider.save(update_fields=["enabled"])
        response = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="1.00"))
        assert response.json()["code"] == "unknown_provider"
    assert available(player) == 10_000


@pytest.mark.parametrize("end", [close, expire], ids=["closed", "expired"])
def test_win_and_rollback_on_a_closed_or_expired_session_still_work(wallet, player, session, end):
    wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.00"))
    wallet.call("bet", move(session, transaction_id="b-2", round_id="r-2", amount="3.00"))
    end(session)
    win = wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="10.00"))
    assert win.status_code == 200, win.text
    assert win.json()["balance"] == "105.00"
    rollback = wallet.call("rollback", rollback_body(session, transaction_id="rb-1", reference="b-2"))
    assert rollback.status_code == 200, rollback.text
    assert rollback.json() == {"balance": "108.00", "currency": "EUR", "transaction_id": "rb-1", "status": "ok"}
    assert available(player) == 10_000 - 200 + 1_000
    # A new bet in it is refused.
    assert_refused(
        wallet.call("bet", move(session, transaction_id="b-3", round_id="r-3", amount="1.00")), 409, "session_closed"
    )


def test_a_repeated_bet_is_answered_as_first_even_after_its_session_closed(wallet, player, session):
    body = move(session, transaction_id="b-1", round_id="r-1", amount="2.50")
    first = wallet.call("bet", body)
    close(session)
    again = wallet.call("bet", body)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert WalletCallback.objects.order_by("-id").first().verdict == WalletCallbackVerdict.REPLAYED
    assert available(player) == 9_750


# ------------------------------------------------------------------------------------------ the two ids


def test_the_providers_session_token_is_accepted_as_well_as_the_platform_id(wallet, player, session):
    token = session.provider_session_id
    assert token and token != str(session.pk)
    bet = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=token))
    assert bet.status_code == 200, bet.text
    win = wallet.call("win", move(session, transaction_id="w-1", round_id="r-1", amount="5.00"))
    assert win.status_code == 200, win.text
    assert win.json()["balance"] == "102.50"
    assert wallet.call("balance", {**balance_body(session), "session_id": token}).json()["balance"] == "102.50"
    # Stored (and searched in the admin) under the platform's id, whichever id the provider sent.
    assert set(WalletTransaction.objects.values_list("session_id", flat=True)) == {str(session.pk)}


def test_a_retry_naming_the_session_by_its_other_id_is_the_same_request(wallet, player, session):
    by_id = move(session, transaction_id="b-1", round_id="r-1", amount="2.50")
    by_token = move(
        session, transaction_id="b-1", round_id="r-1", amount="2.50", session_id=session.provider_session_id
    )
    first = wallet.call("bet", by_id)
    again = wallet.call("bet", by_token)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert available(player) == 9_750
