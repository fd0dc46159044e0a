"""The SOAP adapter against recorded envelopes of the SOAP sandbox provider (providers/adapters/soap_xml/fixtures/),
one test per message type: what the adapter sends must equal the recorded request, and the recorded answer must
translate into the platform's dataclasses. The recorded provider is a requests transport, not a patched function."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
from lxml import etree

from core.outbound import PartnerRejected, breaker_reset
from core.soap import SOAP_ENV_NS
from providers.adapters.soap_xml.adapter import XSD_PATH, SoapXmlAdapter
from providers.interface import (
    GameInfo,
    PlayRequest,
    PlayResult,
    ProviderRoundState,
    ProviderSessionInvalid,
    RoundState,
    SessionOpenRequest,
    SettlementLine,
)
from providers.models import Provider, ProviderProtocol

FIXTURES = Path(__file__).resolve().parents[3] / "providers" / "adapters" / "soap_xml" / "fixtures"
ROUND_ID = "0b8f8a9e-5d7c-4f3e-8e55-7a1f7f0d2c01"
SESSION_TOKEN = "soap-sess-b17223e0dc5e42b8ad7f3905f2baf174"
_NAMES = {
    "OpenSession": "open_session",
    "PlayRound": "play_round",
    "GetRoundStatus": "round_status",
    "AcknowledgeRound": "acknowledge_round",
    "ListGames": "list_games",
    "GetSettlementReport": "settlement_report",
}


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml, etree.XMLParser(remove_blank_text=True)), method="c14n")


class RecordedProvider(requests.adapters.BaseAdapter):
    """Checks each request against the recorded one of its operation and answers the recorded response."""

    def __init__(self, *, response_file: str | None = None, status: int = 200):
        super().__init__()
        self.response_file, self.status = response_file, status
        self.requests = []

    def send(self, request, **kwargs):
        name = _NAMES[request.headers["SOAPAction"].strip('"').rpartition("#")[2]]
        assert canonical(request.body) == canonical((FIXTURES / f"{name}_request.xml").read_bytes())
        assert request.headers["Authorization"].startswith("HMAC ")
        self.requests.append(request)
        response = requests.Response()
        response.status_code = self.status
        response._content = (FIXTURES / (self.response_file or f"{name}_response.xml")).read_bytes()
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


@pytest.fixture
def recorded(db):
    breaker_reset()
    provider = Provider.objects.create(
        code="soap-recorded",
        name="Recorded SOAP provider",
        protocol=ProviderProtocol.SOAP_XML,
        base_url="https://recorded.invalid/soap/",
        key_id="k",
        secret="s",
    )
    adapter = SoapXmlAdapter(provider)

    def with_provider(**kwargs) -> SoapXmlAdapter:
        adapter.service._client.transport.session.mount("https://recorded.invalid/", RecordedProvider(**kwargs))
        return adapter

    return with_provider


@pytest.mark.parametrize(
    "fixture",
    sorted(p.name for p in FIXTURES.glob("*.xml") if "_response" not in p.name or "Fault" not in p.read_text()),
)
def test_every_recorded_body_matches_the_xsd(fixture):
    schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))
    body = etree.parse(str(FIXTURES / fixture)).getroot().find(f"{{{SOAP_ENV_NS}}}Body")
    assert schema.validate(body[0]), schema.error_log.last_error


def test_open_session(recorded):
    opened = recorded().open_session(
        SessionOpenRequest(
            session_id="6f1c2a52-3f0e-4c1b-9a57-0d6d2d1c9e01",
            player_ref="player-7",
            game_code="pharaoh-reels",
            currency="EUR",
        )
    )
    assert opened.provider_session_id == SESSION_TOKEN
    assert opened.expires_at == datetime(2026, 11, 26, 0, 23, 43, 808108, tzinfo=UTC)


def play_request(**overrides) -> PlayRequest:
    fields = dict(
        round_id=ROUND_ID,
        provider_session_id=SESSION_TOKEN,
        player_ref="player-7",
        game_code="pharaoh-reels",
        currency="EUR",
        bet=250,
    )
    return PlayRequest(**(fields | overrides))


def test_play_round(recorded):
    result = recorded().play_round(play_request())
    assert result == PlayResult(
        round_id=ROUND_ID,
        provider_round_id="soap-rnd-6858bb652c1549eeacb8f0996f28f2b8",
        currency="EUR",
        bet=250,
        payout=500,
        result_data={"symbols": ["scarab", "scarab", "eye"], "multiplier": 2},
    )


def test_play_round_fault(recorded):
    adapter = recorded(response_file="play_round_fault_response.xml", status=500)
    with pytest.raises(PartnerRejected, match="refused by the sandbox"):
        adapter.play_round(play_request())


def test_play_round_invalid_session(recorded):
    adapter = recorded(response_file="play_round_invalid_session_response.xml", status=500)
    with pytest.raises(ProviderSessionInvalid):
        adapter.play_round(play_request())


def test_round_status(recorded):
    state = recorded().round_status(round_id=ROUND_ID, currency="EUR")
    assert state == RoundState(
        round_id=ROUND_ID,
        state=ProviderRoundState.SETTLED,
        provider_round_id="soap-rnd-6858bb652c1549eeacb8f0996f28f2b8",
        payout=500,
        result_data={"symbols": ["scarab", "scarab", "eye"], "multiplier": 2},
    )


def test_acknowledge_round(recorded):
    transport = RecordedProvider()
    adapter = recorded()
    adapter.service._client.transport.session.mount("https://recorded.invalid/", transport)
    assert adapter.acknowledge_round(round_id=ROUND_ID) is None
    assert len(transport.requests) == 1


def test_list_games(recorded):
    games = recorded().list_games()
    assert games[0] == GameInfo(
        code="pharaoh-reels", name="Pharaoh Reels", category="slots", currency="EUR", min_bet=20, max_bet=5_000
    )
    assert [g.code for g in games if not g.enabled] == ["old-timer"]


def test_settlement_report(recorded):
    report = recorded().settlement_report(day=date(2026, 11, 30), cursor="17")
    assert report.lines == [
        SettlementLine(kind="round", reference=ROUND_ID, currency="EUR", amount=250, payout=500, state="settled"),
        SettlementLine(kind="wallet", reference="sbx-bet-3c0e1f55b7a54f4c9f1d2a6b8e7c9d10", currency="EUR",
                       amount=200, action="bet", state="rolled_back",
                       round_ref="sbx-round-a41f0c2e9b7d4e21b3c5d6e7f8091a2b"),
    ]  # fmt: skip
    assert report.next_cursor == "19"
