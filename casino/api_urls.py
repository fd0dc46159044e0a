"""The player-account API under /api/v1: auth and me. Games, sessions, spin and rounds are the providers app's."""

from django.urls import path

from casino.apis.auth import LogoutApi, RegisterApi, TokenApi, TokenRefreshApi
from casino.apis.me import BalanceApi, MeApi, TransactionsApi

urlpatterns = [
    path("auth/register", RegisterApi.as_view(), name="auth-register"),
    path("auth/token", TokenApi.as_view(), name="auth-token"),
    path("auth/token/refresh", TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", LogoutApi.as_view(), name="auth-logout"),
    path("me", MeApi.as_view(), name="me"),
    path("me/balance", BalanceApi.as_view(), name="me-balance"),
    path("me/transactions", TransactionsApi.as_view(), name="me-transactions"),
]
