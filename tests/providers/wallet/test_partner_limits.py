"""The wallet endpoint cannot be used to fill the disk or to mint money: unknown codes store nothing, bodies are
capped, failed verifications are kept as a summary and limited per source, and bets obey the game's limits."""

import hashlib
import json

import pytest

from providers.models import WalletCallback
from tests.providers.wallet.conftest import balance_body, move, new_id

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def player(make_player, fund):
    player = make_player()
    fund(player, 100_000)  # 1000.00 EUR
    return player


def test_a_bet_outside_the_games_limits_is_refused_and_claims_nothing(wallet, player, open_session, audited):
    session = open_session(player)  # Fruit Fiesta: 0.10 to 100.00 EUR
    for amount in ("0.05", "100.01"):
        tx = new_id()
        response = wallet.call("bet", move(session, transaction_id=tx, round_id=new_id("r"), amount=amount))
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "bet_out_of_range"
    # Nothing moved, and a refused transaction id is not taken: the provider may send a valid bet under it.
    balance = wallet.call("balance", balance_body(session)).json()
    assert balance["balance"] == "1000.00"
    again = wallet.call("bet", move(session, transaction_id=tx, round_id=new_id("r"), amount="100.00"))
    assert again.status_code == 200, again.text
    assert again.json()["balance"] == "900.00"


def test_an_unknown_provider_code_stores_nothing(wallet, player, open_session):
    body = balance_body(open_session(player))
    wallet.provider_code = "made-up-code"
    response = wallet.call("balance", body)
    assert response.status_code == 404 and response.json()["code"] == "unknown_provider"
    assert not WalletCallback.objects.filter(provider_code="made-up-code").exists()


def test_a_failed_verification_is_kept_as_a_summary_not_the_body(wallet, player, open_session):
    body = balance_body(open_session(player))
    raw = json.dumps(body).encode()
    response = wallet.call("balance", raw, secret="forged")
    assert response.status_code == 401
    stored = WalletCallback.objects.get(error_code="invalid_signature")
    assert stored.body == ""
    assert stored.headers["body_sha256"] == hashlib.sha256(raw).hexdigest()
    assert stored.headers["body_size"] == len(raw)
    assert str(player.pk) not in json.dumps(stored.headers)


def test_an_oversized_body_is_413(wallet, settings):
    settings.PARTNER_MAX_BODY_BYTES = 1024
    response = wallet.call("balance", b"{" + b" " * 2048 + b"}")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_source_that_keeps_failing_verification_is_limited(wallet, player, open_session, settings):
    settings.PARTNER_REJECTIONS_PER_MINUTE = 3
    body = balance_body(open_session(player))
    codes = [wallet.call("balance", body, secret="forged").status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    limited = wallet.call("balance", body)  # even a good signature, until the minute passes
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
