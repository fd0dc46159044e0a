"""A provider's open circuit as players see it: spins fail at once with 503 provider_unavailable and Retry-After,
the lobby lists its games unavailable (the cached copy follows the circuit both ways), and no money is lost. Game
money is counted per provider and currency."""

from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from core.breakers import breaker_reset
from core.models import CircuitBreakerPolicy
from ledger.selectors import ledger_audit
from sandbox.provider.faults import fault_set, faults_clear

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tight_breaker(sandbox):
    from core.breakers import policies_forget

    CircuitBreakerPolicy.objects.create(partner=sandbox.code, fail_max=2, reset_timeout=30, half_open_probes=1)
    policies_forget()
    yield
    policies_forget()


def _lobby(client, **headers):
    response = client.get("/api/v1/games", **headers)
    return response, {
        g["id"]: g["available"] for g in response.json()["results"]
    } if response.status_code == 200 else {}


def test_an_open_circuit_fails_spins_at_once_and_hides_the_games(sandbox, game, player_api, client, tight_breaker):
    api = player_api(funds=10_000)
    session = api.open_session(game)
    healthy, available = _lobby(client)
    assert available[str(game.pk)] is True

    fault_set(operation="play", mode="error", status=503)
    for _ in range(2):
        assert api.spin(game=game, session_id=session["session_id"], bet="1.00").status_code == 503
    faults_clear()  # the provider is well again, but the circuit does not know it yet

    refused = api.spin(game=game, session_id=session["session_id"], bet="1.00")
    assert refused.status_code == 503, refused.content  # a call would have succeeded: none was made
    assert refused.json()["code"] == "provider_unavailable"
    assert 25 <= int(refused["Retry-After"]) <= 30

    down, available = _lobby(client, HTTP_IF_NONE_MATCH=healthy["ETag"])
    assert down.status_code == 200 and down["ETag"] != healthy["ETag"]  # not a 304 of the healthy lobby
    assert available[str(game.pk)] is False

    breaker_reset(sandbox.code)  # staff, after the fix
    back, available = _lobby(client)
    assert available[str(game.pk)] is True and back["ETag"] == healthy["ETag"]
    assert api.spin(game=game, session_id=session["session_id"], bet="1.00").status_code == 200
    assert ledger_audit() == []


def _money(movement, provider="sandbox", currency="EUR"):
    labels = {"provider": provider, "currency": currency, "movement": movement}
    return REGISTRY.get_sample_value("casino_money_minor_units_total", labels) or 0


def test_game_money_is_counted_per_provider_and_currency(sandbox, game, player_api):
    api = player_api(funds=1_000)
    session = api.open_session(game)
    before = {m: _money(m) for m in ("bet", "win", "rollback")}
    fault_set(operation="play", mode="win", multiplier=7, count=1)
    body = api.spin(game=game, session_id=session["session_id"], bet="1.00").json()
    assert body["payout"] == "7.00"
    fault_set(operation="play", mode="error", status=503, count=1)
    assert api.spin(game=game, session_id=session["session_id"], bet="2.00").status_code == 503  # no money moved
    assert _money("bet") - before["bet"] == 100
    assert _money("win") - before["win"] == int(Decimal(body["payout"]) * 100)
    assert _money("rollback") == before["rollback"]
