"""GET /games?currency=: one currency's games; a logged-in player's lobby defaults to their own currency, and each
variant keeps correct ETag and Cache-Control (a player's default list is private to them)."""

import pytest
from rest_framework.test import APIClient

from casino.services import player_token_obtain
from sandbox.provider.seed import sandbox_provider_seed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider():
    return sandbox_provider_seed(site_url="http://127.0.0.1:9")


def _logged_in(user) -> APIClient:
    client = APIClient()
    access = player_token_obtain(username=user.username, password="correct-horse-9")["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _currencies(response) -> set[str]:
    return {game["currency"] for game in response.json()["results"]}


def test_a_currency_filter_lists_only_that_currencys_games(provider):
    client = APIClient()
    everything = client.get("/api/v1/games")
    eur = client.get("/api/v1/games?currency=EUR")
    usd = client.get("/api/v1/games?currency=USD")

    assert _currencies(everything) == {"EUR", "USD"} and len(everything.json()["results"]) == 5
    assert _currencies(eur) == {"EUR"} and len(eur.json()["results"]) == 3
    assert _currencies(usd) == {"USD"} and len(usd.json()["results"]) == 2
    assert len({everything["ETag"], eur["ETag"], usd["ETag"]}) == 3
    assert (eur["Cache-Control"] == "public, no-cache" and "Vary" not in eur) or "Authorization" not in eur["Vary"]
    assert client.get("/api/v1/games?currency=GBP").json()["results"] == []
    assert client.get("/api/v1/games?currency=EUR", HTTP_IF_NONE_MATCH=eur["ETag"]).status_code == 304
    assert client.get("/api/v1/games?currency=USD", HTTP_IF_NONE_MATCH=eur["ETag"]).status_code == 200


def test_an_unknown_currency_is_a_validation_error(provider):
    response = APIClient().get("/api/v1/games?currency=euro")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert "currency" in response.json()["errors"]


def test_a_logged_in_players_lobby_defaults_to_their_currency_and_is_private(provider, make_player):
    client = _logged_in(make_player(currency="USD"))

    mine = client.get("/api/v1/games")

    assert mine.status_code == 200 and _currencies(mine) == {"USD"}
    assert mine["Cache-Control"] == "private, no-cache" and "Authorization" in mine["Vary"]
    assert mine["ETag"] == APIClient().get("/api/v1/games?currency=USD")["ETag"]  # the same list, the same tag
    anonymous = APIClient().get("/api/v1/games")
    assert anonymous["Cache-Control"] == "public, no-cache" and "Authorization" in anonymous["Vary"]
    asked = client.get("/api/v1/games?currency=EUR")  # an explicit currency wins over the player's own
    assert _currencies(asked) == {"EUR"} and asked["Cache-Control"] == "public, no-cache"
