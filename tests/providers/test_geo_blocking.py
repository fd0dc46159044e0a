"""Geo-blocking at play: a session open and a spin from a blocked country (the profile's, or the one a trusted edge
reports) are 403 country_blocked, and no money moves."""

import pytest

from ledger.selectors import ledger_audit
from providers.models import GameSession, Round

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_blocked_profile_country_is_refused_at_session_open_and_spin(sandbox, game, player_api, blocked_countries):
    api = player_api(funds=1_000)
    session = api.open_session(game)
    blocked_countries(api.user.player.country)  # staff block the player's country after the session opened

    spin = api.spin(game=game, session_id=session["session_id"], bet="1.00")
    opened = api.post("sessions", {"game_id": str(game.pk)})

    assert (spin.status_code, spin.json()["code"]) == (403, "country_blocked")
    assert spin["Content-Type"] == "application/problem+json"
    assert (opened.status_code, opened.json()["code"]) == (403, "country_blocked")
    assert not Round.objects.exists() and GameSession.objects.count() == 1
    assert api.balance()["balance"] == "10.00" and ledger_audit() == []


def test_a_blocked_country_at_the_trusted_edge_is_refused_at_spin(
    sandbox, game, player_api, blocked_countries, settings
):
    settings.GEO_COUNTRY_HEADER, settings.TRUSTED_PROXY_NETWORKS = "CF-IPCountry", ["127.0.0.1/32"]
    blocked_countries("IR")
    api = player_api(funds=1_000)
    session = api.open_session(game)

    refused = api.spin(game=game, session_id=session["session_id"], bet="1.00", HTTP_CF_IPCOUNTRY="IR")
    allowed = api.spin(game=game, session_id=session["session_id"], bet="1.00", HTTP_CF_IPCOUNTRY="MT")

    assert (refused.status_code, refused.json()["code"]) == (403, "country_blocked")
    assert allowed.status_code == 200 and Round.objects.count() == 1
