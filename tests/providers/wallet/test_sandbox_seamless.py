"""The sandbox provider plays seamless rounds against the live platform over HTTP, signed with its own key."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create
from providers.models import Provider, WalletTransaction, WalletTransactionStatus
from providers.sandbox.seamless import SeamlessRoundFailed, sandbox_seamless_round

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_provider(transactional_db):
    provider, _ = Provider.objects.update_or_create(
        code="sandbox",
        defaults={
            "name": "Sandbox Games",
            "base_url": "http://127.0.0.1:9/",
            "key_id": settings.SANDBOX_PROVIDER_KEY_ID,
            "secret": settings.SANDBOX_PROVIDER_SECRET,
        },
    )
    return provider


@pytest.fixture
def player(make_player, fund):
    player = make_player()
    fund(player, 5_000)
    return player


def test_a_round_bets_and_pays_what_the_seeded_rng_says(live_server, sandbox_provider, player):
    game_round = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id="sess-1", bet="2.00", seed=7
    )
    assert [step["action"] for step in game_round.steps] == ["balance", "bet", "win"]
    assert game_round.steps[0]["answer"]["balance"] == "50.00"
    assert game_round.steps[1]["answer"]["balance"] == "48.00"
    again = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id="sess-1", bet="2.00", seed=7
    )
    assert again.win == game_round.win  # same seed, same outcome
    expected = 5_000 - 2 * 200 + 2 * int(game_round.win.replace(".", ""))
    assert wallet_get_or_create(user=player, currency="EUR").available == expected
    assert game_round.final_balance == f"{(5_000 - 200 + int(game_round.win.replace('.', ''))) / 100:.2f}"
    assert WalletTransaction.objects.filter(provider=sandbox_provider).count() == 4
    assert ledger_audit() == []


def test_a_round_can_be_rolled_back(live_server, sandbox_provider, player):
    game_round = sandbox_seamless_round(
        base_url=live_server.url, player_id=str(player.pk), session_id="sess-1", bet="3.00", rollback=True
    )
    assert [step["action"] for step in game_round.steps] == ["balance", "bet", "rollback"]
    assert game_round.final_balance == "50.00"
    assert WalletTransaction.objects.get(action="bet").status == WalletTransactionStatus.ROLLED_BACK
    assert ledger_audit() == []


def test_a_refused_bet_is_reported(live_server, sandbox_provider, player):
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url=live_server.url, player_id=str(player.pk), session_id="s", bet="51.00")
    assert failure.value.step == "bet"
    assert failure.value.status == 422
    assert failure.value.body["code"] == "insufficient_funds"


def test_a_wrong_key_is_refused_by_the_platform(live_server, sandbox_provider, player):
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url=live_server.url, player_id=str(player.pk), session_id="s", secret="forged")
    assert failure.value.status == 401
    assert failure.value.body["code"] == "invalid_signature"


def test_management_command_plays_a_round(live_server, sandbox_provider, player):
    out = io.StringIO()
    call_command(
        "sandbox_seamless_round", player=player.username, base_url=live_server.url, seed=3, bet="1.00", stdout=out
    )
    assert "balance" in out.getvalue()
    assert "win" in out.getvalue()
    assert ledger_audit() == []


def test_an_unreachable_platform_is_reported_after_retries(sandbox_provider, player):
    from casino.outbound import breaker_reset

    breaker_reset()
    with pytest.raises(SeamlessRoundFailed) as failure:
        sandbox_seamless_round(base_url="http://127.0.0.1:9", player_id=str(player.pk), session_id="s")
    assert failure.value.step == "balance"
    breaker_reset()
