"""Platform API for players under /api/v1: auth, me, games, sessions, spin, rounds."""

from django.urls import path

from casino.apis.auth import RegisterApi, TokenApi, TokenRefreshApi
from casino.apis.games import GamesApi
from casino.apis.me import BalanceApi, MeApi, TransactionsApi
from casino.apis.play import RoundAckApi, RoundDetailApi, SessionCreateApi, SpinApi

urlpatterns = [
    path("auth/register", RegisterApi.as_view(), name="auth-register"),
    path("auth/token", TokenApi.as_view(), name="auth-token"),
    path("auth/token/refresh", TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("me", MeApi.as_view(), name="me"),
    path("me/balance", BalanceApi.as_view(), name="me-balance"),
    path("me/transactions", TransactionsApi.as_view(), name="me-transactions"),
    path("games", GamesApi.as_view(), name="games"),
    path("sessions", SessionCreateApi.as_view(), name="sessions"),
    path("spin", SpinApi.as_view(), name="spin"),
    path("rounds/<uuid:round_id>", RoundDetailApi.as_view(), name="round-detail"),
    path("rounds/<uuid:round_id>/ack", RoundAckApi.as_view(), name="round-ack"),
]
