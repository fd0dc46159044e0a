"""The SOAP sandbox studio's game client: its launch dialect (`game?ticket=...&language=..&demo=0|1`), sessions and
reels, served by the shared game client of sandbox.provider.client."""

from __future__ import annotations

from django.core.cache import cache

from core.money import to_minor
from sandbox.provider.client import GameLimits, Launch, LaunchRefused, Studio
from sandbox.provider_soap.catalogue import GAMES_BY_CODE
from sandbox.provider_soap.views import spin


def _parse(token: str, claims: dict) -> Launch:
    try:
        return Launch(
            token=token,
            session_token=str(claims["SessionToken"]),
            player_ref=str(claims["PlayerRef"]),
            game_code=str(claims["GameCode"]),
            currency=str(claims["Currency"]),
            demo=claims["Demo"] is True,
            lobby_url=str(claims["ReturnUrl"]),
            deposit_url=str(claims["DepositUrl"]),
        )
    except KeyError as exc:
        raise LaunchRefused(f"The ticket lacks {exc}.") from None


def _session_known(launch: Launch) -> bool:
    session = cache.get(f"sandbox:soap:session:{launch.session_token}")
    return bool(session) and (session["player_ref"], session["game_code"], session["currency"]) == (
        launch.player_ref,
        launch.game_code,
        launch.currency,
    )


def _game(code: str) -> GameLimits | None:
    game = GAMES_BY_CODE.get(code)
    if game is None or not game["Active"]:
        return None
    currency = game["Currency"]
    return GameLimits(game["Title"], to_minor(game["MinStake"], currency), to_minor(game["MaxStake"], currency))


SOAP_STUDIO = Studio(
    provider_code="sandbox_soap",
    name="Sandbox SOAP Games",
    url_name="sandbox-soap-game",
    parse=_parse,
    launch_param="ticket",
    url_demo=lambda query: {"1": True, "0": False}.get(query.get("demo", "")),
    session_known=_session_known,
    game=_game,
    play=lambda round_id, stake: spin(round_ref=round_id, stake=stake),
)
