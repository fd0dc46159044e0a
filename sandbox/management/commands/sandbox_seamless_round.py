"""`manage.py sandbox_seamless_round --player <id or username>`: the sandbox provider plays one seamless-wallet
round against a running platform (default SITE_URL) over HTTP, signed with the sandbox provider's key.

The wallet accepts callbacks only in a game session the platform opened for the player at the sandbox provider:
without `--session`, one is opened first through the platform's session service (the player must be in this
database; the sandbox provider is asked at its configured base URL)."""

import contextlib
import json
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from sandbox.provider.seamless import SeamlessRoundFailed, sandbox_seamless_round, sandbox_seamless_session_open


class Command(BaseCommand):
    help = "Play one seamless-wallet round as the sandbox provider (balance, bet, win or rollback)."

    def add_arguments(self, parser):
        parser.add_argument("--player", required=True, help="Player id (UUID) or username on this platform.")
        parser.add_argument("--base-url", default=settings.SITE_URL)
        parser.add_argument(
            "--session",
            default="",
            help="A game session of the player at the sandbox provider (the platform's id or the provider's token); "
            "default: open a new one here.",
        )
        parser.add_argument("--game", default="", help="Sandbox game code for a new session (default: the first).")
        parser.add_argument("--currency", default="", help="Default: the player's wallet currency.")
        parser.add_argument("--bet", default="1.00")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--rollback", action="store_true", help="Roll the bet back instead of paying a win.")

    def handle(self, *args, **options):
        user, player_id, currency = self._player(options["player"], options["currency"])
        session_id = options["session"] or self._session_open(user, options["game"])
        try:
            game_round = sandbox_seamless_round(
                base_url=options["base_url"],
                player_id=player_id,
                session_id=session_id,
                currency=currency,
                bet=options["bet"],
                seed=options["seed"],
                rollback=options["rollback"],
            )
        except SeamlessRoundFailed as failure:
            raise CommandError(f"{failure.step} refused ({failure.status}): {json.dumps(failure.body)}") from None
        for step in game_round.steps:
            self.stdout.write(f"{step['action']:>8}: {json.dumps(step['answer'])}")
        self.stdout.write(self.style.SUCCESS(f"round {game_round.round_id}: balance {game_round.final_balance}"))

    def _player(self, given: str, currency: str):
        """Resolve a username locally when the platform's database is this one; an id is passed through as is.
        Returns (the local user or None, the player id to send, the currency)."""
        user = get_user_model().objects.select_related("player").filter(username=given).first()
        with contextlib.suppress(ValueError):
            user = user or get_user_model().objects.select_related("player").filter(pk=uuid.UUID(given)).first()
        if user is None:
            return None, given, currency or "EUR"
        profile = getattr(user, "player", None)
        return user, str(user.pk), currency or (profile.currency if profile else "EUR")

    def _session_open(self, user, game_code: str) -> str:
        if user is None or getattr(user, "player", None) is None:
            raise CommandError(
                "No player by that name or id in this database, so no game session can be opened here: pass --session "
                "with a session the platform opened for the player at the sandbox provider."
            )
        try:
            session = sandbox_seamless_session_open(player=user, game_code=game_code)
        except ApplicationError as error:
            raise CommandError(f"No game session could be opened ({error.code}): {error.detail}") from None
        self.stdout.write(f" session: {session.id} ({session.game.code}, expires {session.expires_at.isoformat()})")
        return str(session.id)
