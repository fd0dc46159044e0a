"""Fixtures for play over real HTTP: the sandbox provider served by pytest-django's live_server, players with
tokens, and helpers that drive the platform API the way the frontend does."""

import itertools
import uuid

import pytest
from rest_framework.test import APIClient

from casino.services import player_token_obtain
from core.outbound import breaker_reset
from providers.models import Game
from sandbox.provider.faults import faults_clear
from sandbox.provider.seed import sandbox_provider_seed

_keys = itertools.count()


@pytest.fixture
def sandbox(live_server):
    """The seeded sandbox Provider, calling the sandbox at live_server.url + /sandbox/provider/."""
    faults_clear()
    breaker_reset()
    provider = sandbox_provider_seed(site_url=live_server.url, read_timeout=5.0)
    yield provider
    faults_clear()
    breaker_reset()


@pytest.fixture
def game(sandbox):
    """Fruit Fiesta, EUR, bets 0.10 to 100.00."""
    return Game.objects.get(provider=sandbox, code="fruit-fiesta")


class PlayerApi:
    """An APIClient logged in as one player, with the play calls spelled out."""

    def __init__(self, user):
        self.user = user
        self.client = APIClient()
        tokens = player_token_obtain(username=user.username, password="correct-horse-9")
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    def get(self, path, **extra):
        return self.client.get(f"/api/v1/{path}", **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(f"/api/v1/{path}", data or {}, format="json", **extra)

    def open_session(self, game) -> dict:
        response = self.post("sessions", {"game_id": str(game.pk)})
        assert response.status_code == 201, response.content
        return response.json()

    def spin(self, *, game, session_id, bet, key=None, **extra):
        key = key or f"spin-{next(_keys)}-{uuid.uuid4().hex[:8]}"
        body = {"game_id": str(game.pk), "session_id": str(session_id), "bet": bet}
        return self.post("spin", body, HTTP_IDEMPOTENCY_KEY=key, **extra)

    def balance(self) -> dict:
        return self.get("me/balance").json()


@pytest.fixture
def player_api(make_player, fund):
    def make(*, funds: int = 10_000, currency: str = "EUR") -> PlayerApi:
        user = make_player(currency=currency)
        if funds:
            fund(user, funds, currency)
        return PlayerApi(user)

    return make


@pytest.fixture
def celery_retries_inline():
    """Eager tasks run their retries inline (Celery re-applies a retried eager task only when it does not
    propagate errors), so a test sees the whole retry schedule play out."""
    from casino.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous
