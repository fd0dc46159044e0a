"""The sandbox provider plays seamless rounds against the live platform over HTTP, signed with its own key, in a
game session the platform opened for the player at the sandbox provider."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create
from providers.models import GameSession, SessionStatus, WalletCallback, WalletTransaction, WalletTransactionStatus
from sandbox.provider.seamless import SeamlessRoundFailed, sandbox_seamless_round, sandbox_seamless_session_open

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_provider(sandbox):
    """The seeded sandbox provider (its games, its sessions opened at the sandbox served by the live server)."""
    return sandbox


@pytest.fixture
def player(make_player, fund):
    player = make_player()
    fund(player, 5_000)
    return player


@pytest.fixture
def session(sandbox_provider, player):
    return sandbox_seamless_session_open(player=player)


def test_a_round_bets_and_pays_what_the_seeded_rng_says(live_server, sandbox_provider, player, session):
    game_round = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk), bet="2.00", seed=7
    )
    assert [step["action"] for step in game_round.steps] == ["balance", "bet", "win"]
    assert game_round.steps[0]["answer"]["balance"] == "50.00"
    assert game_round.steps[1]["answer"]["balance"] == "48.00"
    again = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk), bet="2.00", seed=7
    )
    assert again.win == game_round.win  # same seed, same outcome
    expected = 5_000 - 2 * 200 + 2 * int(game_round.win.replace(".", ""))
    assert wallet_get_or_create(user=player, currency="EUR").available == expected
    assert game_round.final_balance == f"{(5_000 - 200 + int(game_round.win.replace('.', ''))) / 100:.2f}"
    assert WalletTransaction.objects.filter(provider=sandbox_provider).count() == 4
    assert ledger_audit() == []


def test_a_round_can_be_rolled_back(live_server, sandbox_provider, player, session):
    game_round = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk), bet="3.00", rollback=True
    )
    assert [step["action"] for step in game_round.steps] == ["balance", "bet", "rollback"]
    assert game_round.final_balance == "50.00"
    assert WalletTransaction.objects.get(action="bet").status == WalletTransactionStatus.ROLLED_BACK
    assert ledger_audit() == []


def test_a_refused_bet_is_reported(live_server, sandbox_provider, player, session):
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(
            base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk), bet="51.00"
        )
    assert failure.value.step == "bet"
    assert failure.value.status == 422
    assert failure.value.body["code"] == "insufficient_funds"


def test_a_wrong_key_is_refused_by_the_platform(live_server, sandbox_provider, player, session):
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(
            base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk), secret="forged"
        )
    assert failure.value.status == 401
    assert failure.value.body["code"] == "invalid_signature"


def test_a_round_in_a_made_up_or_closed_session_is_refused(live_server, sandbox_provider, player, session):
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url=live_server.url, player_id=str(player.pk), session_id="sess-1")
    assert (failure.value.step, failure.value.status, failure.value.body["code"]) == (
        "balance",
        404,
        "session_not_found",
    )
    GameSession.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk))
    assert (failure.value.step, failure.value.status, failure.value.body["code"]) == ("bet", 409, "session_closed")
    assert wallet_get_or_create(user=player, currency="EUR").available == 5_000
    assert ledger_audit() == []


def test_the_providers_session_token_names_the_session_too(live_server, sandbox_provider, player, session):
    game_round = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id=session.provider_session_id, seed=1
    )
    assert [step["action"] for step in game_round.steps] == ["balance", "bet", "win"]
    assert set(WalletTransaction.objects.values_list("session_id", flat=True)) == {str(session.pk)}


def test_management_command_opens_a_session_and_plays_a_round(live_server, sandbox_provider, player):
    out = io.StringIO()
    call_command(
        "sandbox_seamless_round", player=player.username, base_url=live_server.url, seed=3, bet="1.00", stdout=out
    )
    session = GameSession.objects.get(player=player)
    assert (session.provider, session.status) == (sandbox_provider, SessionStatus.OPEN)
    assert f"session: {session.pk}" in out.getvalue()
    assert "balance" in out.getvalue()
    assert "win" in out.getvalue()
    assert {c.error_code for c in WalletCallback.objects.all()} == {""}
    assert ledger_audit() == []


def test_management_command_plays_in_a_given_session(live_server, sandbox_provider, player, session):
    out = io.StringIO()
    call_command(
        "sandbox_seamless_round",
        player=str(player.pk),
        session=str(session.pk),
        base_url=live_server.url,
        rollback=True,
        stdout=out,
    )
    assert GameSession.objects.filter(player=player).count() == 1
    assert "rollback" in out.getvalue()


def test_management_command_needs_a_session_for_a_player_it_does_not_know(live_server, sandbox_provider):
    with pytest.raises(CommandError, match="--session"):
        call_command("sandbox_seamless_round", player="someone-elsewhere", base_url=live_server.url)


def test_an_unreachable_platform_is_reported_after_retries(sandbox_provider, player):
    from core.outbound import breaker_reset

    breaker_reset()
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url="http://127.0.0.1:9", player_id=str(player.pk), session_id="s-1")
    assert failure.value.step == "balance"
    breaker_reset()
