"""The sandbox provider itself, over HTTP: it checks signatures, plays a round once, and is deterministic."""

import pytest
import requests

from core.signing import sign_request
from providers.interface import PlayRequest, SessionOpenRequest
from providers.registry import adapter_for
from sandbox.provider.engine import spin
from tests.support.raises import raises_exactly

pytestmark = pytest.mark.django_db(transaction=True)


def test_unsigned_or_badly_signed_calls_are_refused(sandbox):
    url = sandbox.base_url + "v2/games"
    assert requests.get(url, timeout=5).status_code == 401
    headers = sign_request(
        key_id="sandbox-key", secret="wrong", method="GET", path="/sandbox/provider/v2/games", body=b""
    )
    response = requests.get(url, headers=headers, timeout=5)
    assert response.status_code == 401 and response.json()["error"]["code"] == "BAD_SIGNATURE"


def test_a_replayed_nonce_is_refused(sandbox, settings):
    headers = sign_request(
        key_id=settings.SANDBOX_PROVIDER_KEY_ID,
        secret=settings.SANDBOX_PROVIDER_SECRET,
        method="GET",
        path="/sandbox/provider/v2/games",
        body=b"",
    )
    assert requests.get(sandbox.base_url + "v2/games", headers=headers, timeout=5).status_code == 200
    assert requests.get(sandbox.base_url + "v2/games", headers=headers, timeout=5).status_code == 401


def test_play_is_idempotent_by_round_id_and_deterministic(sandbox):
    client = adapter_for(sandbox)
    opened = client.open_session(
        SessionOpenRequest(session_id="s1", player_ref="p1", game_code="fruit-fiesta", currency="EUR")
    )
    request = PlayRequest(
        round_id="round-1", provider_session_id=opened.provider_session_id, player_ref="p1",
        game_code="fruit-fiesta", currency="EUR", bet=100,
    )  # fmt: skip

    first, second = client.play_round(request), client.play_round(request)

    assert first == second
    win, outcome = spin(seed="sandbox-rng-dev-only", round_ref="round-1", stake=100)
    assert (first.payout, first.result_data) == (win, outcome)
    status = client.round_status(round_id="round-1", currency="EUR")
    assert status.payout == first.payout and status.provider_round_id == first.provider_round_id


def test_control_endpoint_switches_faults(sandbox, live_server):
    url = f"{live_server.url}/sandbox/provider/_control/faults"
    response = requests.post(url, json={"operation": "games", "mode": "error", "status": 500, "count": 1}, timeout=5)
    assert response.json()["faults"][0]["mode"] == "error"
    from core.outbound import PartnerUnavailable

    with raises_exactly(PartnerUnavailable):
        adapter_for(sandbox).list_games()
    assert len(adapter_for(sandbox).list_games()) == 5  # only the next call failed
    assert requests.delete(url, timeout=5).json() == {"faults": []}
    assert requests.post(url, json={"mode": "nonsense"}, timeout=5).status_code == 400
