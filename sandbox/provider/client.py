"""The sandbox studios' game client: the page a launch URL opens (in the operator's iframe or by a redirect), and the
studio's own server endpoints behind it, which play each round through the platform's signed seamless wallet
(balance, bet, then win) exactly as a third-party studio does. The browser never signs anything: the launch token
identifies the session to the studio, and the studio's server signs its wallet calls with its HMAC key.

A demo launch plays with the studio's play money, kept by the studio; the platform's wallet is never called.
Each studio (the REST sandbox here, the SOAP sandbox in sandbox.provider_soap.client) describes its own launch
dialect, sessions and reels in a `Studio`; the page and endpoints are shared.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.money import MoneyError, to_major, to_minor
from core.signing import SignatureError, token_verify
from sandbox.provider.catalogue import GAMES_BY_CODE
from sandbox.provider.engine import spin
from sandbox.provider.seamless import SeamlessRoundFailed, sandbox_seamless_balance, sandbox_seamless_round
from sandbox.provider.views import session_lookup

DEMO_BALANCE = "1000.00"  # play money a demo session starts with
DEMO_TTL_SECONDS = 6 * 3600


class LaunchRefused(Exception):
    """A launch token that is forged, expired, or names a session the studio does not know."""


@dataclass(frozen=True)
class Launch:
    """One verified launch, in the platform-neutral terms the page and endpoints use."""

    token: str  # the raw launch token, which the page sends back to the studio's endpoints
    session_token: str  # the studio's session token (the wallet accepts it as `session_id`)
    player_ref: str
    game_code: str
    currency: str
    demo: bool
    lobby_url: str
    deposit_url: str


@dataclass(frozen=True)
class GameLimits:
    title: str
    min_stake: int
    max_stake: int


@dataclass(frozen=True)
class Studio:
    """What differs between the sandbox studios: their launch dialect, sessions, catalogue and reels."""

    provider_code: str  # the platform's code for this studio (the wallet callback path)
    name: str
    url_name: str  # the URL name prefix of its launch page and endpoints
    parse: Callable[[str, dict], Launch]  # (launch token, verified claims) -> Launch, in the studio's dialect
    launch_param: str  # the query parameter carrying the launch token
    url_demo: Callable[[dict], bool | None]  # the mode the launch URL states (None: unreadable)
    session_known: Callable[[Launch], bool]  # a real launch must name a session the studio opened for that player
    game: Callable[[str], GameLimits | None]
    play: Callable[[str, int], tuple[int, dict]]  # (round id, stake) -> (win, what the reels show)


# --------------------------------------------------------------------------------------- the REST sandbox studio


def _rest_parse(token: str, claims: dict) -> Launch:
    try:
        return Launch(
            token=token,
            session_token=str(claims["sessionToken"]),
            player_ref=str(claims["playerRef"]),
            game_code=str(claims["gameCode"]),
            currency=str(claims["ccy"]),
            demo=claims["mode"] == "fun",
            lobby_url=str(claims["lobbyUrl"]),
            deposit_url=str(claims["cashierUrl"]),
        )
    except KeyError as exc:
        raise LaunchRefused(f"The launch token lacks {exc}.") from None


def _rest_session_known(launch: Launch) -> bool:
    session = session_lookup(launch.session_token)
    return bool(session) and (session["playerRef"], session["gameCode"], session["ccy"]) == (
        launch.player_ref,
        launch.game_code,
        launch.currency,
    )


def _rest_game(code: str) -> GameLimits | None:
    game = GAMES_BY_CODE.get(code)
    if game is None or not game["active"]:
        return None
    currency = game["ccy"]
    return GameLimits(game["title"], to_minor(game["minStake"], currency), to_minor(game["maxStake"], currency))


def _rest_play(round_id: str, stake: int) -> tuple[int, dict]:
    return spin(seed=settings.SANDBOX_PROVIDER_RNG_SEED, round_ref=round_id, stake=stake)


REST_STUDIO = Studio(
    provider_code="sandbox",
    name="Sandbox Games",
    url_name="sandbox_provider:game",
    parse=_rest_parse,
    launch_param="token",
    url_demo=lambda query: {"fun": True, "real": False}.get(query.get("mode", "")),
    session_known=_rest_session_known,
    game=_rest_game,
    play=_rest_play,
)


# --------------------------------------------------------------------------------------- shared page and endpoints


def launch_verify(studio: Studio, token: str) -> Launch:
    """The launch a token names, signed by the platform with the studio's key (the key the studio signs with)."""
    try:
        claims = token_verify(token=token, valid_secrets=[settings.SANDBOX_PROVIDER_SECRET])
    except SignatureError as exc:
        raise LaunchRefused(exc.detail) from None
    launch = studio.parse(token, claims)
    if studio.game(launch.game_code) is None:
        raise LaunchRefused("The launch names a game this studio does not offer.")
    if not launch.demo and not studio.session_known(launch):
        raise LaunchRefused("The launch names no open session of this player at the studio.")
    return launch


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _demo_key(launch: Launch) -> str:
    return f"sandbox:client:demo:{launch.session_token}"


def _demo_balance(launch: Launch) -> int:
    cache.add(_demo_key(launch), to_minor(DEMO_BALANCE, launch.currency), timeout=DEMO_TTL_SECONDS)
    return cache.get(_demo_key(launch))


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@xframe_options_exempt  # framed by the operator's site: frame-ancestors below names who may
@require_http_methods(["GET"])
def launch_page(request, *, studio: Studio):
    try:
        launch = launch_verify(studio, request.GET.get(studio.launch_param, ""))
        if studio.url_demo(request.GET) != launch.demo:
            raise LaunchRefused("The URL's mode disagrees with the launch token.")
    except LaunchRefused as exc:
        return render(request, "sandbox/game_client.html", {"refused": str(exc), "studio": studio}, status=403)
    game = studio.game(launch.game_code)
    context = {
        "studio": studio,
        "launch": launch,
        "game": game,
        "language": request.GET.get("lang") or request.GET.get("language") or "en",
        "min_stake": to_major(game.min_stake, launch.currency),
        "max_stake": to_major(game.max_stake, launch.currency),
        "default_stake": to_major(max(game.min_stake, min(game.max_stake, 100)), launch.currency),
        # What the page's script needs; the launch token authenticates it to the studio's endpoints.
        "config": {
            "token": launch.token,
            "balanceUrl": reverse(f"{studio.url_name}-balance"),
            "spinUrl": reverse(f"{studio.url_name}-spin"),
        },
    }
    response = render(request, "sandbox/game_client.html", context)
    # Only the operator's own site may frame the game (the lobby URL's origin, which the signed token carries).
    ancestors = " ".join(dict.fromkeys(filter(None, ["'self'", _origin(launch.lobby_url), _origin(settings.SITE_URL)])))
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response


def _launch_from_body(request, studio: Studio) -> tuple[Launch, dict]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise LaunchRefused("The body is not JSON.") from None
    if not isinstance(body, dict):
        raise LaunchRefused("The body is not a JSON object.")
    return launch_verify(studio, str(body.get("token", ""))), body


@csrf_exempt  # the launch token in the body authenticates the page; no cookie is involved
@require_http_methods(["POST"])
def balance(request, *, studio: Studio):
    try:
        launch, _ = _launch_from_body(request, studio)
    except LaunchRefused as exc:
        return _error(403, "LAUNCH_REFUSED", str(exc))
    if launch.demo:
        return JsonResponse(
            {"balance": to_major(_demo_balance(launch), launch.currency), "currency": launch.currency, "demo": True}
        )
    try:
        # The studio asks the platform's wallet, signed with its key.
        balance_now = sandbox_seamless_balance(
            base_url=settings.SITE_URL,
            player_id=launch.player_ref,
            session_id=launch.session_token,
            currency=launch.currency,
            provider_code=studio.provider_code,
        )
    except SeamlessRoundFailed as failure:
        return _platform_refusal(failure)
    return JsonResponse({"balance": balance_now, "currency": launch.currency, "demo": False})


@csrf_exempt
@require_http_methods(["POST"])
def play(request, *, studio: Studio):
    try:
        launch, body = _launch_from_body(request, studio)
    except LaunchRefused as exc:
        return _error(403, "LAUNCH_REFUSED", str(exc))
    game = studio.game(launch.game_code)
    try:
        stake = to_minor(str(body.get("bet", "")), launch.currency)
    except MoneyError as exc:
        return _error(400, "BAD_STAKE", str(exc))
    if not game.min_stake <= stake <= game.max_stake:
        return _error(400, "STAKE_OUT_OF_LIMITS", "The stake is outside the game's limits.")
    if launch.demo:
        return _demo_play(launch, studio, stake)
    try:
        game_round = sandbox_seamless_round(
            base_url=settings.SITE_URL,
            player_id=launch.player_ref,
            session_id=launch.session_token,
            currency=launch.currency,
            bet=to_major(stake, launch.currency),
            provider_code=studio.provider_code,
            play=studio.play,
        )
    except SeamlessRoundFailed as failure:
        return _platform_refusal(failure)
    return JsonResponse(
        {
            "roundId": game_round.round_id,
            "bet": game_round.bet,
            "win": game_round.win,
            "outcome": game_round.result,
            "balance": game_round.final_balance,
            "currency": launch.currency,
            "demo": False,
        }
    )


def _demo_play(launch: Launch, studio: Studio, stake: int) -> JsonResponse:
    balance_now = _demo_balance(launch)
    if stake > balance_now:
        return _error(422, "insufficient_funds", "Not enough play money.")
    round_id = f"sbx-demo-{uuid.uuid4().hex}"
    win, outcome = studio.play(round_id, stake)
    balance_after = balance_now - stake + win
    cache.set(_demo_key(launch), balance_after, timeout=DEMO_TTL_SECONDS)
    return JsonResponse(
        {
            "roundId": round_id,
            "bet": to_major(stake, launch.currency),
            "win": to_major(win, launch.currency),
            "outcome": outcome,
            "balance": to_major(balance_after, launch.currency),
            "currency": launch.currency,
            "demo": True,
        }
    )


def _platform_refusal(failure: SeamlessRoundFailed) -> JsonResponse:
    """Show the player what the platform said (insufficient funds, a closed session), in the studio's shape."""
    body = failure.body if isinstance(failure.body, dict) else {}
    status = failure.status if failure.status and 400 <= failure.status < 600 else 502
    code = str(body.get("code") or "PLATFORM_UNAVAILABLE")
    return _error(status, code, str(body.get("detail") or f"The casino refused the {failure.step}."))
