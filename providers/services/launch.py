"""Game launch: the URL of the provider's own game client for a session, built by the provider's adapter."""

from __future__ import annotations

from django.conf import settings

from core.outbound import PartnerError
from providers.errors import ProviderUnavailable
from providers.interface import LaunchRequest
from providers.models import GameSession
from providers.registry import adapter_for
from providers.services.sessions import retry_after_for


def session_launch_url(*, session: GameSession, language: str) -> str:
    """Where the frontend opens the game client of `session` (an iframe or a redirect). The client then plays
    through the seamless wallet; the launch token it carries lives no longer than the session."""
    request = LaunchRequest(
        session_id=str(session.pk),
        provider_session_id=session.provider_session_id,
        player_ref=str(session.player_id),
        game_code=session.game.code,
        currency=session.currency,
        mode=session.mode,
        language=language,
        lobby_url=settings.PLAYER_LOBBY_URL,
        deposit_url=settings.PLAYER_DEPOSIT_URL,
        expires_at=session.expires_at,
    )
    try:
        return adapter_for(session.provider).launch_url(request)
    except PartnerError as exc:  # an adapter whose vendor hands out launch URLs over its API may fail like any call
        raise ProviderUnavailable(
            f"The provider could not launch the game: {exc}", headers={"Retry-After": retry_after_for(exc)}
        ) from exc
