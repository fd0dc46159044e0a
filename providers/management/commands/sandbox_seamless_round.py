"""`manage.py sandbox_seamless_round --player <id or username>`: the sandbox provider plays one seamless-wallet
round against a running platform (default SITE_URL) over HTTP, signed with the sandbox provider's key."""

import contextlib
import json
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from providers.sandbox.seamless import SeamlessRoundFailed, sandbox_seamless_round


class Command(BaseCommand):
    help = "Play one seamless-wallet round as the sandbox provider (balance, bet, win or rollback)."

    def add_arguments(self, parser):
        parser.add_argument("--player", required=True, help="Player id (UUID) or username on this platform.")
        parser.add_argument("--base-url", default=settings.SITE_URL)
        parser.add_argument("--session", default="", help="Session id (default: a new one).")
        parser.add_argument("--currency", default="", help="Default: the player's wallet currency.")
        parser.add_argument("--bet", default="1.00")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--rollback", action="store_true", help="Roll the bet back instead of paying a win.")

    def handle(self, *args, **options):
        player_id, currency = self._player(options["player"], options["currency"])
        try:
            game_round = sandbox_seamless_round(
                base_url=options["base_url"],
                player_id=player_id,
                session_id=options["session"] or f"sbx-session-{uuid.uuid4().hex}",
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

    def _player(self, given: str, currency: str) -> tuple[str, str]:
        """Resolve a username locally when the platform's database is this one; an id is passed through as is."""
        user = get_user_model().objects.select_related("player").filter(username=given).first()
        with contextlib.suppress(ValueError):
            user = user or get_user_model().objects.select_related("player").filter(pk=uuid.UUID(given)).first()
        if user is None:
            return given, currency or "EUR"
        profile = getattr(user, "player", None)
        return str(user.pk), currency or (profile.currency if profile else "EUR")
