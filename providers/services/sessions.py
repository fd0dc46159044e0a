"""Game sessions: the provider reserves a round context, the platform keeps a GameSession with its expiry; and the
one rule that says whether money may be staked in a session."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.errors import ValidationFailed
from core.money import to_major
from core.outbound import PartnerError
from providers.errors import BetOutOfRange, ProviderUnavailable, SessionClosed
from providers.interface import SessionMode, SessionOpened, SessionOpenRequest
from providers.models import Game, GameSession, SessionStatus
from providers.registry import adapter_for
from providers.selectors import game_is_offered, game_playable_get


def retry_after_for(exc: PartnerError) -> str:
    return str(exc.retry_after or settings.PROVIDER_RETRY_AFTER_SECONDS)


def session_open(*, player, game_id, mode: str = SessionMode.REAL) -> GameSession:
    """Open a session for `player` at the game's provider. The provider is called before anything is stored, so a
    failure leaves nothing behind. A demo session (the provider's play money) asks nothing of the provider: its
    game client plays demo rounds on its own and the wallet refuses them."""
    game = game_playable_get(game_id=game_id)
    currency = player.player.currency
    if game.currency != currency:
        raise ValidationFailed(errors={"game_id": [f"This game is not offered in your currency ({currency})."]})
    session_id = uuid.uuid4()
    if mode == SessionMode.DEMO:
        opened = SessionOpened(provider_session_id=f"demo-{session_id}")
    else:
        opened = _provider_session_open(game=game, player=player, session_id=session_id, currency=currency)
    # Never longer than the platform's own limit, never longer than the provider keeps its side.
    expires_at = timezone.now() + timedelta(minutes=settings.GAME_SESSION_MINUTES)
    if opened.expires_at is not None:
        expires_at = min(expires_at, opened.expires_at)
    return GameSession.objects.create(
        id=session_id,
        player=player,
        game=game,
        provider=game.provider,
        provider_session_id=opened.provider_session_id,
        currency=currency,
        status=SessionStatus.OPEN,
        mode=mode,
        expires_at=expires_at,
    )


def _provider_session_open(*, game, player, session_id, currency: str) -> SessionOpened:
    try:
        return adapter_for(game.provider).open_session(
            SessionOpenRequest(
                session_id=str(session_id), player_ref=str(player.pk), game_code=game.code, currency=currency
            )
        )
    except PartnerError as exc:
        raise ProviderUnavailable(
            f"The provider could not open a session: {exc}", headers={"Retry-After": retry_after_for(exc)}
        ) from exc


def session_playable_check(*, session: GameSession) -> None:
    """Money may be staked in `session` (a spin, the retry of a failed spin, a seamless-wallet bet) only while it is
    a real-money session, open and unexpired, and staff have not disabled its game or its provider; else 409
    session_closed (a demo session plays with the provider's play money in its game client, never with the wallet).

    The one home of the rule: every staking path calls it, so none can drift laxer. Load `session.game` and
    `session.provider` with the session (select_related) to keep this free of queries."""
    if session.mode == SessionMode.DEMO:
        raise SessionClosed("A demo session plays with the provider's play money in its game client, never by stake.")
    if (
        session.status != SessionStatus.OPEN
        or session.expires_at <= timezone.now()
        or not game_is_offered(game=session.game, provider=session.provider)
    ):
        raise SessionClosed("The game session is closed or expired, or its game is no longer offered; open a new one.")


def bet_limits_check(*, game: Game, amount: int, field: str) -> None:
    """A stake outside the game's limits is 400 bet_out_of_range, whoever stakes it: a spin or a provider's seamless
    bet (`field` names the request's field in the error)."""
    if not game.min_bet <= amount <= game.max_bet:
        raise BetOutOfRange(
            f"The bet must be between {to_major(game.min_bet, game.currency)} and "
            f"{to_major(game.max_bet, game.currency)} {game.currency}.",
            errors={field: ["Outside the game's limits."]},
        )
