"""The sandbox provider's seamless-wallet driver: plays one round against a platform's wallet endpoints over HTTP,
signed with the sandbox provider's key, as a real seamless provider would (balance, bet, win, or a rollback).

It behaves like a careful provider: a money call that gets no answer is sent again under the same transaction id
(the platform answers duplicates with the first answer), and a bet whose outcome stays unknown is rolled back.
Every callback names a game session the platform opened for the player at this provider (the wallet refuses any
other): `sandbox_seamless_session_open` opens one through the platform's session service, as a player's
POST /sessions would.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from core.money import to_major, to_minor
from core.outbound import OutboundClient, PartnerError, PartnerRejected, PartnerTimeout, PartnerUnavailable
from providers.errors import GameNotFound
from providers.models import Game, GameSession
from providers.services import session_open
from sandbox.provider.books import books_wallet_move

SANDBOX_PROVIDER_CODE = "sandbox"
SEND_ATTEMPTS = 3
# (multiplier numerator over 10, weight): returns 0x, 0.5x, 1x, 2x, 5x, 20x of the bet; about 96% RTP.
PAYTABLE = ((0, 520), (5, 150), (10, 150), (20, 120), (50, 50), (200, 10))


class SeamlessRoundFailed(Exception):
    def __init__(self, step: str, error: PartnerError):
        super().__init__(f"{step}: {error}")
        self.step, self.status, self.body = step, error.status, error.body


@dataclass
class SeamlessRound:
    round_id: str
    session_id: str
    currency: str
    bet: str
    win: str | None = None
    result: dict = field(default_factory=dict)  # what the game showed (reels, multiplier), when a game played it
    rolled_back: bool = False
    steps: list[dict] = field(default_factory=list)  # every (action, request, answer) in order

    @property
    def final_balance(self) -> str:
        return self.steps[-1]["answer"]["balance"]


def sandbox_seamless_session_open(
    *, player, game_code: str = "", provider_code: str = SANDBOX_PROVIDER_CODE
) -> GameSession:
    """Open a game session for `player` (a local user) at the sandbox provider, in a playable game of the player's
    currency (`game_code`, else the first by code), through the platform's session service: the provider is asked
    over HTTP and the platform keeps the GameSession. Raises the service's errors (game_not_found, ...)."""
    games = Game.objects.filter(
        provider__code=provider_code, provider__enabled=True, enabled=True, currency=player.player.currency
    )
    if game_code:
        games = games.filter(code=game_code)
    game = games.order_by("code").first()
    if game is None:
        which = f"game {game_code!r}" if game_code else "game"
        raise GameNotFound(f"No playable {provider_code} {which} in {player.player.currency}.")
    return session_open(player=player, game_id=game.pk)


def _payout(rng: random.Random, bet_minor: int) -> int:
    multipliers, weights = zip(*PAYTABLE, strict=True)
    return bet_minor * rng.choices(multipliers, weights=weights)[0] // 10


def _client(base_url: str, key_id: str | None, secret: str | None) -> OutboundClient:
    return OutboundClient(
        name="sandbox-seamless-driver",
        base_url=base_url,
        key_id=key_id or settings.SANDBOX_PROVIDER_KEY_ID,
        secret=secret or settings.SANDBOX_PROVIDER_SECRET,
    )


def sandbox_seamless_balance(
    *,
    base_url: str,
    player_id: str,
    session_id: str,
    currency: str,
    provider_code: str = SANDBOX_PROVIDER_CODE,
    key_id: str | None = None,
    secret: str | None = None,
) -> str:
    """The player's balance as the platform's wallet answers it (SeamlessRoundFailed when it refuses)."""
    client = _client(base_url, key_id, secret)
    body = {"player_id": player_id, "session_id": session_id, "currency": currency}
    try:
        answer = client.request(
            "POST", f"/api/v1/providers/{provider_code}/wallet/balance/", operation="wallet_balance", json=body
        )
    except PartnerError as exc:
        raise SeamlessRoundFailed("balance", exc) from exc
    return answer["balance"]


def sandbox_seamless_round(
    *,
    base_url: str,
    player_id: str,
    session_id: str,
    currency: str = "EUR",
    bet: str = "1.00",
    seed: int | None = None,
    rollback: bool = False,
    provider_code: str = SANDBOX_PROVIDER_CODE,
    key_id: str | None = None,
    secret: str | None = None,
    play: Callable[[str, int], tuple[int, dict]] | None = None,
) -> SeamlessRound:
    """Play one seamless round for `player_id` in the game session `session_id` (the platform's id or the provider's
    token of a session opened for this player at this provider) against the platform at `base_url`; raises
    SeamlessRoundFailed when the platform refuses a step (e.g. 422 insufficient_funds on the bet, 409 session_closed,
    404 session_not_found). `play(round_id, bet in minor units) -> (win, result)` is the game that decides the win
    once the bet is taken (the game client's reels); without it a seeded paytable does."""
    client = _client(base_url, key_id, secret)
    rng = random.Random(seed)  # the sandbox's outcomes are reproducible, never a real game's RNG
    bet_minor = to_minor(bet, currency)
    game_round = SeamlessRound(
        round_id=f"sbx-round-{uuid.uuid4().hex}", session_id=session_id, currency=currency, bet=bet
    )
    base = {"player_id": player_id, "session_id": session_id, "currency": currency}

    def send(action: str, body: dict) -> dict:
        path = f"/api/v1/providers/{provider_code}/wallet/{action}/"
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                answer = client.request("POST", path, operation=f"wallet_{action}", json=body)
                break
            except PartnerRejected as exc:
                raise SeamlessRoundFailed(action, exc) from exc
            except PartnerUnavailable as exc:  # includes timeouts: the same transaction id is safe to send again
                if attempt == SEND_ATTEMPTS:
                    raise SeamlessRoundFailed(action, exc) from exc
        game_round.steps.append({"action": action, "request": body, "answer": answer})
        if action != "balance" and answer.get("status") != "not_found":
            books_wallet_move(
                action=action,
                transaction_id=body["transaction_id"],
                round_ref=body["round_id"],
                amount=to_minor(body["amount"], currency, allow_zero=True) if "amount" in body else 0,
                currency=currency,
                reference_transaction_id=body.get("reference_transaction_id", ""),
                studio=provider_code,  # each studio keeps its own books
            )
        return answer

    send("balance", base)
    bet_id = f"sbx-bet-{uuid.uuid4().hex}"
    bet_body = {**base, "transaction_id": bet_id, "round_id": game_round.round_id, "amount": bet}
    try:
        send("bet", bet_body)
    except SeamlessRoundFailed as failure:
        if isinstance(failure.__cause__, PartnerTimeout | PartnerUnavailable):
            # The bet's outcome is unknown: cancel it (a rollback of an id never seen is recorded as not_found).
            # If the platform cannot take the rollback either, the bet's own failure is what the caller needs.
            with contextlib.suppress(SeamlessRoundFailed):
                _rollback(send, base, bet_id, game_round)
        raise
    if rollback:
        _rollback(send, base, bet_id, game_round)
        return game_round
    if play is not None:
        win_minor, game_round.result = play(game_round.round_id, bet_minor)
    else:
        win_minor = _payout(rng, bet_minor)
    game_round.win = to_major(win_minor, currency)
    send(
        "win",
        {
            **base,
            "transaction_id": f"sbx-win-{uuid.uuid4().hex}",
            "round_id": game_round.round_id,
            "amount": game_round.win,
        },
    )
    return game_round


def _rollback(send, base: dict, bet_id: str, game_round: SeamlessRound) -> None:
    send(
        "rollback",
        {
            **base,
            "transaction_id": f"sbx-rollback-{uuid.uuid4().hex}",
            "round_id": game_round.round_id,
            "reference_transaction_id": bet_id,
        },
    )
    game_round.rolled_back = True
