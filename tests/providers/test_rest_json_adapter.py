"""The REST/JSON adapter's translation, one test per vendor message (recorded fixtures), and its validation."""

import dataclasses
import json
from pathlib import Path

import pytest

from providers.adapters.rest_json import adapter
from providers.interface import GameInfo, PlayRequest, ProviderPayloadInvalid, ProviderRoundState, SessionOpenRequest

FIXTURES = Path(adapter.__file__).parent / "fixtures"
ROUND_ID = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890"
PLAY = PlayRequest(
    round_id=ROUND_ID, provider_session_id="tok", player_ref="p1", game_code="fruit-fiesta", currency="EUR", bet=250
)


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_session_request_and_response():
    body = adapter.session_request_body(
        SessionOpenRequest(session_id="s1", player_ref="p1", game_code="fruit-fiesta", currency="EUR")
    )
    assert body == {"playerRef": "p1", "gameCode": "fruit-fiesta", "ccy": "EUR", "externalSessionId": "s1"}
    opened = adapter.session_opened_from(fixture("session_response"))
    assert opened.provider_session_id == "q2W1nV7m0bq1Gk3YtJc0Xb9cVvJt2k1R" and opened.expires_at is not None


def test_play_request_uses_the_vendors_decimal_stake():
    assert adapter.play_request_body(PLAY) == {
        "roundRef": ROUND_ID,
        "sessionToken": "tok",
        "playerRef": "p1",
        "gameCode": "fruit-fiesta",
        "stake": "2.50",
        "ccy": "EUR",
    }


def test_play_response_becomes_minor_units():
    result = adapter.play_result_from(fixture("play_response"), PLAY)
    assert (result.round_id, result.bet, result.payout, result.currency) == (ROUND_ID, 250, 1250, "EUR")
    assert result.provider_round_id == "SBX-5d41402abc4b2a76" and result.result_data["multiplier"] == 5


@pytest.mark.parametrize(
    "change",
    [{"state": "PENDING"}, {"win": "-1.00"}, {"win": "1.001"}, {"stake": "9.99"}, {"roundRef": "other"},
     {"ccy": "USD"}, {"outcome": "not an object"}],
)  # fmt: skip
def test_play_response_that_cannot_be_believed_is_invalid(change):
    with pytest.raises(ProviderPayloadInvalid):
        adapter.play_result_from(fixture("play_response") | change, PLAY)


def test_round_status_completed_and_unknown():
    settled = adapter.round_state_from(fixture("round_status_completed"), round_id=ROUND_ID, currency="EUR")
    assert settled.state == ProviderRoundState.SETTLED and settled.payout == 0
    unknown = adapter.round_state_from(fixture("round_status_unknown"), round_id=ROUND_ID, currency="EUR")
    assert unknown.state == ProviderRoundState.NOT_FOUND and unknown.payout is None


def test_round_status_completed_without_win_is_invalid():
    payload = fixture("round_status_completed")
    del payload["win"]
    with pytest.raises(ProviderPayloadInvalid):
        adapter.round_state_from(payload, round_id=ROUND_ID, currency="EUR")


def test_ack_response():
    assert adapter.validate("ack_response", fixture("ack_response"))
    with pytest.raises(ProviderPayloadInvalid):
        adapter.validate("ack_response", {"roundRef": ROUND_ID, "acknowledged": False})


def test_games_response():
    games = adapter.games_from(fixture("games_response"))
    assert games == [
        GameInfo("fruit-fiesta", "Fruit Fiesta", "slots", "EUR", 10, 10_000, True),
        GameInfo("blackjack-classic", "Blackjack Classic", "table", "USD", 100, 25_000, False),
    ]


def test_an_outbound_request_that_breaks_the_schema_is_never_sent():
    with pytest.raises(ProviderPayloadInvalid):
        adapter.play_request_body(dataclasses.replace(PLAY, game_code=""))


def test_error_fixture_is_the_vendors_error_shape():
    assert fixture("error_response")["error"]["code"] == "STAKE_OUT_OF_LIMITS"


def test_mutual_tls_material_is_written_privately_and_passed_to_the_client():
    import os
    import stat

    from providers.models import Provider

    provider = Provider(
        code="tls-vendor", name="TLS", base_url="https://vendor.example/", tls_client_cert="CERT PEM",
        tls_client_key="KEY PEM", tls_ca_cert="CA PEM",
    )  # fmt: skip
    client = adapter.RestJsonAdapter(provider).client

    cert_path, key_path = client.cert
    assert Path(cert_path).read_text() == "CERT PEM" and Path(key_path).read_text() == "KEY PEM"
    assert Path(client.verify).read_text() == "CA PEM"
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    assert adapter.RestJsonAdapter(provider).client.cert == (cert_path, key_path)  # written once, reused
    assert adapter.RestJsonAdapter(Provider(code="plain", base_url="http://x/")).client.verify is True
