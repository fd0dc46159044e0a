"""The game lobby: GET /games, served from the shared cache with an ETag (304 on If-None-Match).

The cached copy is keyed by the catalogue's version number, which `providers.services.games_cache_invalidate`
bumps whenever staff or the catalogue sync change a game or a provider, so no stale copy is ever served again,
by the currency asked for (`?currency=`, else a logged-in player's own, else every currency): one variant each,
and by the providers whose circuit is open, whose games are listed `available: false` until it lets probes through.
GET /games/version tells that version to the gateway, which keys its own shared copy by it (deploy/nginx/).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import problem
from core.breakers import breakers_open
from core.errors import ValidationFailed
from core.money import CURRENCY_EXPONENTS, to_major
from providers.models import Game
from providers.selectors import games_catalogue
from providers.services import games_cache_version

# Browsers and CDNs may store the list but must revalidate (a cheap 304) so a disabled game disappears at once.
CACHE_CONTROL = "public, no-cache"
# A list chosen by who asks (a logged-in player's currency) is theirs alone: no shared cache may keep it.
CACHE_CONTROL_PRIVATE = "private, no-cache"


class GameSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField(source="provider.code")
    category = serializers.CharField()
    min_bet = serializers.SerializerMethodField()
    max_bet = serializers.SerializerMethodField()
    currency = serializers.CharField()
    available = serializers.SerializerMethodField()

    def get_min_bet(self, game: Game) -> str:
        return to_major(game.min_bet, game.currency)

    def get_max_bet(self, game: Game) -> str:
        return to_major(game.max_bet, game.currency)

    def get_available(self, game: Game) -> bool:
        return game.enabled and game.provider.code not in self.context.get("providers_down", ())


class GameListSerializer(serializers.Serializer):
    results = GameSerializer(many=True)


def _catalogue_representation(currency: str | None) -> tuple[dict, str]:
    """The rendered list (of one currency, or all) and its ETag, from the shared cache or built once per catalogue
    version, currency and set of providers whose circuit is open."""
    # A provider whose circuit is open offers nothing that could be played now; its recovery changes the key back.
    down = sorted(breakers_open())
    key = f"games:catalogue:v{games_cache_version()}:{currency or 'all'}" + (f":down:{','.join(down)}" if down else "")
    cached = cache.get(key)
    if cached is None:
        games = games_catalogue()
        if currency:
            games = games.filter(currency=currency)
        body = GameListSerializer({"results": list(games)}, context={"providers_down": down}).data
        body = json.loads(json.dumps(body))  # plain dicts and lists, as they come back from the cache
        etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
        cached = {"body": body, "etag": etag}
        cache.set(key, cached, timeout=settings.GAMES_CACHE_SECONDS)
    return cached["body"], cached["etag"]


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _currency_asked(request) -> tuple[str | None, bool]:
    """The currency to list and whether it came from the caller's identity (then the answer is private to them)."""
    asked = request.query_params.get("currency")
    if asked is not None:
        if asked not in CURRENCY_EXPONENTS:
            raise ValidationFailed(errors={"currency": ["Use an ISO 4217 currency code, e.g. EUR."]})
        return asked, False
    profile = getattr(request.user, "player", None) if request.user.is_authenticated else None
    return (profile.currency, True) if profile is not None else (None, False)


class GamesApi(APIView):
    """The lobby is public; a logged-in player (bearer token) gets the games of their own currency by default."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="games_list",
        parameters=[
            OpenApiParameter(
                "currency",
                str,
                OpenApiParameter.QUERY,
                description="ISO 4217: only that currency's games (default: a logged-in player's own, else all).",
            )
        ],
        responses={
            200: GameListSerializer,
            304: OpenApiResponse(description="Not modified (If-None-Match)"),
            400: problem("validation_error (currency)"),
        },
        tags=["games"],
    )
    def get(self, request):
        currency, per_player = _currency_asked(request)
        body, etag = _catalogue_representation(currency)
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = Response(status=304)
        else:
            response = Response(body)
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL_PRIVATE if per_player else CACHE_CONTROL
        if "currency" not in request.query_params:
            # Without ?currency= the list depends on who asks: caches must key it by the Authorization header.
            patch_vary_headers(response, ["Authorization"])
        return response


class GamesVersionApi(APIView):
    """The catalogue's version, also in the X-Catalogue-Version header: the gateway asks it (and caches the answer
    for a second) to key its shared copy of GET /games, so a staff change is served within two seconds, no purge."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []  # one request a second per gateway, on behalf of every player

    @extend_schema(
        operation_id="games_version",
        responses={200: inline_serializer("GamesVersion", {"version": serializers.IntegerField()})},
        tags=["games"],
    )
    def get(self, request):
        version = games_cache_version()
        response = Response({"version": version})
        response["X-Catalogue-Version"] = str(version)
        response["Cache-Control"] = "no-cache"
        return response
