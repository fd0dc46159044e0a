"""Game launch: POST /sessions answers a launch URL built by the provider's adapter (a signed launch token, language,
return URLs, real or demo), the sandbox studios serve their game client there and play each round through the
platform's signed wallet callbacks; a demo session plays with play money and never reaches the wallet."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from core.signing import token_verify
from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create
from providers.adapters.rest_json.adapter import launch_url_for as rest_launch_url
from providers.adapters.soap_xml.adapter import launch_url_for as soap_launch_url
from providers.interface import LaunchRequest, SessionMode
from providers.models import Game, GameSession, WalletCallback
from sandbox.provider.faults import fault_set
from sandbox.provider.seamless import SeamlessRoundFailed, sandbox_seamless_round
from sandbox.provider_soap.seed import soap_sandbox_provider_seed

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = settings.SANDBOX_PROVIDER_SECRET


@pytest.fixture
def site(live_server, settings):
    """The platform's own URL, where the sandbox studios send their wallet callbacks."""
    settings.SITE_URL = live_server.url
    return live_server.url


def _query(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _launch(**overrides) -> LaunchRequest:
    fields = {
        "session_id": "6f1c2c55-7d1e-4a57-9d0d-2b8f4e0c9a10",
        "provider_session_id": "tok-123",
        "player_ref": "42",
        "game_code": "fruit-fiesta",
        "currency": "EUR",
        "mode": SessionMode.REAL,
        "language": "de",
        "lobby_url": "https://casino.example/play/",
        "deposit_url": "https://casino.example/play/#deposit",
        "expires_at": timezone.now() + timedelta(minutes=30),
    }
    return LaunchRequest(**(fields | overrides))


# --------------------------------------------------------------------------------------- adapters (pure)


def test_rest_adapter_signs_the_session_and_return_urls_into_its_launch_token():
    request = _launch()
    url = rest_launch_url(request, base_url="https://games.vendor.example/api/", key_id="k1", secret=SECRET)

    assert url.startswith("https://games.vendor.example/api/v2/launch?")
    query = _query(url)
    assert query["lang"] == "de" and query["mode"] == "real"
    claims = token_verify(token=query["token"], valid_secrets=[SECRET])
    assert claims == {
        "kid": "k1",
        "sessionToken": "tok-123",
        "playerRef": "42",
        "gameCode": "fruit-fiesta",
        "ccy": "EUR",
        "mode": "real",
        "lobbyUrl": "https://casino.example/play/",
        "cashierUrl": "https://casino.example/play/#deposit",
        "exp": int(request.expires_at.timestamp()),
    }
    demo = _query(rest_launch_url(_launch(mode=SessionMode.DEMO), base_url="https://v/", key_id="k1", secret=SECRET))
    assert demo["mode"] == "fun" and token_verify(token=demo["token"], valid_secrets=[SECRET])["mode"] == "fun"


def test_soap_adapter_builds_its_own_dialect_beside_the_endpoint():
    url = soap_launch_url(
        _launch(mode=SessionMode.DEMO), base_url="https://soap.vendor.example/ws/", key_id="k2", secret=SECRET
    )

    assert url.startswith("https://soap.vendor.example/ws/game?")
    query = _query(url)
    assert query["language"] == "de" and query["demo"] == "1"
    claims = token_verify(token=query["ticket"], valid_secrets=[SECRET])
    assert claims["SessionToken"] == "tok-123" and claims["Demo"] is True and claims["KeyId"] == "k2"
    assert claims["ReturnUrl"] == "https://casino.example/play/"


# --------------------------------------------------------------------------------------- POST /sessions


def test_a_session_answers_its_mode_and_a_launch_url_for_it(site, sandbox, game, player_api):
    api = player_api()
    response = api.post("sessions", {"game_id": str(game.pk)}, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"session_id", "game_id", "provider", "status", "expires_at", "mode", "launch_url"}
    assert body["mode"] == "real" and body["status"] == "open"
    session = GameSession.objects.get(pk=body["session_id"])
    assert session.mode == SessionMode.REAL
    assert body["launch_url"].startswith(sandbox.base_url + "v2/launch?")
    query = _query(body["launch_url"])
    assert query["lang"] == "de"
    claims = token_verify(token=query["token"], valid_secrets=[sandbox.secret])
    assert claims["sessionToken"] == session.provider_session_id and claims["playerRef"] == str(api.user.pk)
    assert claims["lobbyUrl"] == settings.PLAYER_LOBBY_URL and claims["cashierUrl"] == settings.PLAYER_DEPOSIT_URL
    assert claims["exp"] == int(session.expires_at.timestamp())


def test_a_demo_session_asks_nothing_of_the_provider_and_refuses_spins(site, sandbox, game, player_api):
    api = player_api()
    fault_set(operation="session", mode="error")  # a real session could not open now; a demo one never asks

    response = api.post("sessions", {"game_id": str(game.pk), "mode": "demo"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "demo" and _query(body["launch_url"])["mode"] == "fun"
    assert GameSession.objects.get(pk=body["session_id"]).provider_session_id.startswith("demo-")
    spin = api.spin(game=game, session_id=body["session_id"], bet="1.00")
    assert spin.status_code == 409 and spin.json()["code"] == "session_closed"
    assert api.balance()["balance"] == "100.00"


def test_an_unknown_mode_is_a_validation_error(site, sandbox, game, player_api):
    response = player_api().post("sessions", {"game_id": str(game.pk), "mode": "fun"})
    assert response.status_code == 400 and "mode" in response.json()["errors"]


def test_a_wallet_bet_in_a_demo_session_is_refused(site, sandbox, game, player_api):
    api = player_api()
    session = api.post("sessions", {"game_id": str(game.pk), "mode": "demo"}).json()

    with pytest.raises(SeamlessRoundFailed) as refused:
        sandbox_seamless_round(base_url=site, player_id=str(api.user.pk), session_id=session["session_id"], bet="1.00")

    assert refused.value.step == "bet" and refused.value.status == 409
    assert refused.value.body["code"] == "session_closed"
    assert api.balance()["balance"] == "100.00"


# --------------------------------------------------------------------------------------- the sandbox game client


def _studio_post(launch_url: str, endpoint: str, body: dict) -> requests.Response:
    parts = urlsplit(launch_url)
    token = _query(launch_url).get("token") or _query(launch_url)["ticket"]
    return requests.post(f"{parts.scheme}://{parts.netloc}{parts.path}/{endpoint}", json={"token": token, **body},
                         timeout=10)  # fmt: skip


def test_the_game_client_page_opens_from_the_launch_url_framed_only_by_the_operator(site, sandbox, game, player_api):
    launch_url = player_api().open_session(game)["launch_url"]

    page = requests.get(launch_url, timeout=10)

    assert page.status_code == 200 and "Fruit Fiesta" in page.text and 'id="game-spin"' in page.text
    lobby = settings.PLAYER_LOBBY_URL.removesuffix("/play/")
    assert page.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {lobby} {site}"
    assert "X-Frame-Options" not in page.headers
    forged = launch_url.replace("token=", "token=x")
    assert requests.get(forged, timeout=10).status_code == 403
    switched = launch_url.replace("mode=real", "mode=fun")  # a real token cannot be opened as a demo, or back
    assert requests.get(switched, timeout=10).status_code == 403


def test_the_game_client_plays_a_round_through_the_signed_wallet_callbacks(site, sandbox, game, player_api):
    api = player_api(funds=5_000)
    launch_url = api.open_session(game)["launch_url"]

    assert _studio_post(launch_url, "balance", {}).json() == {"balance": "50.00", "currency": "EUR", "demo": False}
    played = _studio_post(launch_url, "spin", {"bet": "2.00"})

    assert played.status_code == 200, played.content
    round_body = played.json()
    win_minor = int(round_body["win"].replace(".", ""))
    assert round_body["outcome"]["multiplier"] * 200 == win_minor
    assert round_body["balance"] == f"{(5_000 - 200 + win_minor) / 100:.2f}"
    assert wallet_get_or_create(user=api.user, currency="EUR").balance == 5_000 - 200 + win_minor
    actions = list(WalletCallback.objects.filter(provider__code="sandbox").order_by("id")
                   .values_list("action", "response_status"))  # fmt: skip
    assert actions == [("balance", 200), ("balance", 200), ("bet", 200), ("win", 200)]
    assert ledger_audit() == []


def test_the_game_client_shows_the_platforms_refusal(site, sandbox, game, player_api):
    api = player_api(funds=100)
    launch_url = api.open_session(game)["launch_url"]

    refused = _studio_post(launch_url, "spin", {"bet": "5.00"})

    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_funds"
    assert _studio_post(launch_url, "spin", {"bet": "500.00"}).json()["error"]["code"] == "STAKE_OUT_OF_LIMITS"
    assert wallet_get_or_create(user=api.user, currency="EUR").balance == 100


def test_a_demo_game_plays_with_play_money_and_never_calls_the_wallet(site, sandbox, game, player_api):
    api = player_api(funds=100)
    session = api.post("sessions", {"game_id": str(game.pk), "mode": "demo"}).json()

    page = requests.get(session["launch_url"], timeout=10)
    assert page.status_code == 200 and "DEMO" in page.text and 'id="game-deposit"' not in page.text
    assert _studio_post(session["launch_url"], "balance", {}).json()["balance"] == "1000.00"
    played = _studio_post(session["launch_url"], "spin", {"bet": "50.00"}).json()

    assert played["demo"] is True
    assert played["balance"] == f"{1000 - 50 + float(played['win']):.2f}"
    assert not WalletCallback.objects.exists()
    assert wallet_get_or_create(user=api.user, currency="EUR").balance == 100


def test_the_soap_studio_launches_and_plays_through_its_own_wallet_path(site, make_player, fund, player_api):
    provider, _ = soap_sandbox_provider_seed(site_url=site)
    api = player_api(funds=2_000)
    game = Game.objects.get(provider=provider, code="pharaoh-reels")
    session = api.open_session(game)

    assert session["launch_url"].startswith(provider.base_url + "game?")
    assert requests.get(session["launch_url"], timeout=10).status_code == 200
    played = _studio_post(session["launch_url"], "spin", {"bet": "1.00"})

    assert played.status_code == 200, played.content
    assert set(played.json()["outcome"]) == {"symbols", "multiplier"}
    assert list(WalletCallback.objects.values_list("provider_code", "action").order_by("id")) == [
        ("sandbox_soap", "balance"),
        ("sandbox_soap", "bet"),
        ("sandbox_soap", "win"),
    ]
    assert ledger_audit() == []
