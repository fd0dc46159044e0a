"""The SOAP adapter against the SOAP sandbox provider over mutual TLS: every operation, and every way it fails."""

import uuid
from datetime import UTC, datetime

import pytest

from core.metrics import PROVIDER_REQUEST_DURATION
from core.outbound import PartnerRejected, PartnerTimeout, PartnerUnavailable
from providers.adapters.soap_xml.adapter import SoapXmlAdapter
from providers.interface import (
    PlayRequest,
    ProviderPayloadInvalid,
    ProviderRoundState,
    ProviderSessionInvalid,
    SessionOpened,
    SessionOpenRequest,
)
from sandbox.provider_soap.faults import FAULT_STAKE, soap_fault_set, soap_faults_clear
from tests.support.raises import raises_exactly
from tests.support.tls import make_pki


@pytest.fixture(autouse=True)
def _no_faults():
    soap_faults_clear()
    yield
    soap_faults_clear()


def open_session(adapter, game_code="pharaoh-reels", currency="EUR"):
    return adapter.open_session(
        SessionOpenRequest(session_id=str(uuid.uuid4()), player_ref="player-1", game_code=game_code, currency=currency)
    )


def play(adapter, session, *, bet=100, round_id=None, game_code="pharaoh-reels", currency="EUR"):
    return adapter.play_round(
        PlayRequest(
            round_id=round_id or str(uuid.uuid4()),
            provider_session_id=session.provider_session_id,
            player_ref="player-1",
            game_code=game_code,
            currency=currency,
            bet=bet,
        )
    )


def test_list_games_translates_the_catalogue(soap_provider):
    games = {game.code: game for game in SoapXmlAdapter(soap_provider).list_games()}
    assert set(games) == {"pharaoh-reels", "pharaoh-reels-usd", "royal-roulette", "old-timer"}
    reels = games["pharaoh-reels"]
    assert (reels.name, reels.category, reels.currency, reels.min_bet, reels.max_bet) == (
        "Pharaoh Reels",
        "slots",
        "EUR",
        20,
        5_000,
    )
    assert games["royal-roulette"].category == "table"
    assert games["old-timer"].enabled is False


def test_a_round_is_played_settled_and_acknowledged(soap_provider):
    adapter = SoapXmlAdapter(soap_provider)
    session = open_session(adapter)
    assert session.provider_session_id.startswith("soap-sess-")
    assert session.expires_at > datetime.now(UTC)
    round_id = str(uuid.uuid4())
    result = play(adapter, session, bet=250, round_id=round_id)
    assert (result.round_id, result.currency, result.bet) == (round_id, "EUR", 250)
    assert result.payout >= 0 and result.payout % 250 == 0
    assert len(result.result_data["symbols"]) == 3
    assert result.payout == 250 * result.result_data["multiplier"]
    # Playing the same round again is idempotent at the provider.
    assert play(adapter, session, bet=250, round_id=round_id) == result
    state = adapter.round_status(round_id=round_id, currency="EUR")
    assert (state.state, state.payout, state.provider_round_id) == (
        ProviderRoundState.SETTLED,
        result.payout,
        result.provider_round_id,
    )
    adapter.acknowledge_round(round_id=round_id)


def test_an_unknown_round_is_not_found(soap_provider):
    state = SoapXmlAdapter(soap_provider).round_status(round_id="never-played", currency="EUR")
    assert state.state == ProviderRoundState.NOT_FOUND


def test_a_bet_the_provider_refuses_is_partner_rejected(soap_provider):
    adapter = SoapXmlAdapter(soap_provider)
    session = open_session(adapter)
    with pytest.raises(PartnerRejected) as refused:
        play(adapter, session, bet=int(FAULT_STAKE.replace(".", "")))
    assert refused.value.body["faultcode"] == "Client"
    with pytest.raises(PartnerRejected):  # outside the game's limits
        play(adapter, session, bet=10)


def test_a_session_the_provider_does_not_know_is_provider_session_invalid(soap_provider):
    adapter = SoapXmlAdapter(soap_provider)
    with pytest.raises(ProviderSessionInvalid):
        play(adapter, SessionOpened(provider_session_id="soap-sess-expired"))


def test_a_client_fault_is_partner_rejected(soap_provider):
    soap_fault_set(operation="games", mode="client_fault", count=1)
    with pytest.raises(PartnerRejected):
        SoapXmlAdapter(soap_provider).list_games()
    assert SoapXmlAdapter(soap_provider).list_games()  # count=1: the next call is served


def test_a_server_fault_is_partner_unavailable(soap_provider):
    adapter = SoapXmlAdapter(soap_provider)
    session = open_session(adapter)
    soap_fault_set(operation="play", mode="server_fault")
    with raises_exactly(PartnerUnavailable) as unavailable:
        play(adapter, session)
    assert unavailable.value.body["faultcode"] == "Server"


def test_an_http_503_without_a_soap_fault_is_an_unknown_outcome(soap_provider):
    """A bare 503 (plain text, no SOAP fault) may come from a proxy in front of the partner, not from the partner:
    whether the call was carried out is unknown, as for a 5xx without a JSON body on REST."""
    soap_fault_set(operation="*", mode="unavailable")
    with pytest.raises(PartnerTimeout) as unknown:
        SoapXmlAdapter(soap_provider).list_games()
    assert unknown.value.status == 503


def test_a_late_answer_is_partner_timeout(make_soap_provider):
    provider = make_soap_provider(read_timeout=0.5)
    soap_fault_set(operation="status", mode="slow", delay=1.5, count=1)
    with pytest.raises(PartnerTimeout):
        SoapXmlAdapter(provider).round_status(round_id="r-1", currency="EUR")


def test_an_answer_that_breaks_the_xsd_is_refused(soap_provider):
    adapter = SoapXmlAdapter(soap_provider)
    session = open_session(adapter)
    soap_fault_set(operation="play", mode="invalid")
    with pytest.raises(ProviderPayloadInvalid, match="XSD"):
        play(adapter, session)


def test_a_wrong_hmac_secret_is_refused_by_the_provider(make_soap_provider):
    provider = make_soap_provider(secret="not-the-sandbox-secret")
    with pytest.raises(PartnerRejected, match="invalid_signature"):
        SoapXmlAdapter(provider).list_games()


def test_without_a_client_certificate_the_provider_is_unavailable(make_soap_provider):
    provider = make_soap_provider(client_cert="", client_key="")
    with raises_exactly(PartnerUnavailable):
        SoapXmlAdapter(provider).list_games()


def test_a_client_certificate_from_another_ca_is_unavailable(make_soap_provider, pki):
    provider = make_soap_provider(client_cert=pki.rogue_client_cert_pem, client_key=pki.rogue_client_key_pem)
    with raises_exactly(PartnerUnavailable):
        SoapXmlAdapter(provider).list_games()


def test_a_server_outside_the_trusted_ca_is_unavailable(make_soap_provider, tmp_path):
    provider = make_soap_provider(ca_cert=make_pki(tmp_path / "other").ca_cert_pem)
    with raises_exactly(PartnerUnavailable):
        SoapXmlAdapter(provider).list_games()


def test_calls_are_measured_per_provider_and_operation(soap_provider):
    def count(outcome):
        return PROVIDER_REQUEST_DURATION.labels(provider="soap-acme", operation="games", outcome=outcome)._sum.get()

    before = count("ok")
    SoapXmlAdapter(soap_provider).list_games()
    assert count("ok") > before
