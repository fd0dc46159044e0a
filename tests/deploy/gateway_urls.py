"""The site's URLs plus what the gateway tests need to see from the app's side: what a request carried when it
arrived, and how many GET /games requests the app itself served (counted in the shared cache)."""

from django.core.cache import cache
from django.http import JsonResponse
from django.urls import include, path

from core.net import client_address
from providers.apis.games import GamesApi

GAMES_SERVED_KEY = "gateway-test:games-served"
_games = GamesApi.as_view()


def games_counted(request):
    cache.add(GAMES_SERVED_KEY, 0, timeout=None)
    cache.incr(GAMES_SERVED_KEY)
    return _games(request)


def headers_seen(request):
    return JsonResponse(
        {
            "client_address": client_address(request),
            "country": request.headers.get("X-Country-Code"),
            "forwarded_proto": request.headers.get("X-Forwarded-Proto"),
            "request_id": request.headers.get("X-Request-ID"),
        }
    )


urlpatterns = [
    path("api/v1/games", games_counted),
    path("test/headers-seen", headers_seen),
    path("", include("casino.urls")),
]
