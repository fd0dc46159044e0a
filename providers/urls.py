"""Player game play under /api/v1 (games, sessions, spin, rounds)."""

from django.urls import path

from providers.apis.games import GamesApi, GamesVersionApi
from providers.apis.play import RoundAckApi, RoundDetailApi, SessionCreateApi, SpinApi

urlpatterns = [
    path("games", GamesApi.as_view(), name="games"),
    path("games/version", GamesVersionApi.as_view(), name="games-version"),
    path("sessions", SessionCreateApi.as_view(), name="sessions"),
    path("spin", SpinApi.as_view(), name="spin"),
    path("rounds/<uuid:round_id>", RoundDetailApi.as_view(), name="round-detail"),
    path("rounds/<uuid:round_id>/ack", RoundAckApi.as_view(), name="round-ack"),
]
