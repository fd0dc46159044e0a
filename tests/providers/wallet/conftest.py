"""Fixtures for the wallet callback tests: a provider with signing keys, a client that signs like a provider, and
real game sessions (the wallet refuses callbacks outside a session of the provider and the player)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
import requests

from core.signing import sign_request
from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create
from providers.adapters.rest_json.adapter import games_from
from providers.models import Game, GameSession, Provider
from providers.services import games_upsert, session_open
from sandbox.provider.catalogue import SANDBOX_GAMES


@dataclass
class WalletClient:
    """Calls the platform's wallet endpoints over HTTP exactly as a provider would: JSON body, HMAC headers."""

    base_url: str
    provider_code: str
    key_id: str
    secret: str

    def path(self, action: str) -> str:
        return f"/api/v1/providers/{self.provider_code}/wallet/{action}/"

    def call(
        self,
        action: str,
        body: dict | bytes,
        *,
        secret: str | None = None,
        key_id: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        path = self.path(action)
        signed = sign_request(
            key_id=key_id or self.key_id,
            secret=secret or self.secret,
            method="POST",
            path=path,
            body=raw,
            timestamp=timestamp,
            nonce=nonce,
        )
        return requests.post(
            self.base_url + path,
            data=raw,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
            timeout=30,
        )


@pytest.fixture
def wallet_provider(transactional_db, live_server, settings):
    """Acme, whose games are played at the sandbox game provider served by the live server: the sandbox checks the
    platform's calls against the sandbox key, so for these tests that key is Acme's."""
    settings.SANDBOX_PROVIDER_KEY_ID = "acme-key"
    settings.SANDBOX_PROVIDER_SECRET = "acme-current-secret"
    provider = Provider.objects.create(
        code="acme",
        name="Acme Games",
        base_url=live_server.url + "/sandbox/provider/",
        key_id="acme-key",
        secret="acme-current-secret",
        currencies=["EUR"],
    )
    games_upsert(provider=provider, games=games_from({"games": SANDBOX_GAMES}))
    return provider


@pytest.fixture
def acme_game(wallet_provider):
    """An EUR game of Acme's (Fruit Fiesta)."""
    return Game.objects.get(provider=wallet_provider, code="fruit-fiesta")


@pytest.fixture
def open_session(acme_game):
    """Open a game session through the platform's session service (the provider is asked over HTTP)."""

    def open_(player, game: Game | None = None) -> GameSession:
        return session_open(player=player, game_id=(game or acme_game).pk)

    return open_


@pytest.fixture
def player(make_player, fund):
    """A player with 100.00 EUR (a test that needs another sum overrides this)."""
    player = make_player()
    fund(player, 10_000)
    return player


@pytest.fixture
def session(open_session, player):
    """The player's open game session at Acme."""
    return open_session(player)


def available(player, currency: str = "EUR") -> int:
    """What the player can spend, in minor units."""
    return wallet_get_or_create(user=player, currency=currency).available


@pytest.fixture
def wallet(live_server, wallet_provider):
    return WalletClient(
        base_url=live_server.url,
        provider_code=wallet_provider.code,
        key_id=wallet_provider.key_id,
        secret="acme-current-secret",
    )


@pytest.fixture
def audited(transactional_db):
    """Every money test ends with a sound ledger."""
    yield
    assert ledger_audit() == []


def new_id(prefix: str = "tx") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def move(
    session: GameSession,
    *,
    transaction_id: str,
    round_id: str,
    amount: str,
    currency: str = "EUR",
    player=None,
    session_id: str | None = None,
) -> dict:
    """A bet or win body in `session`, for its player (or `player`, naming the session by `session_id` if given)."""
    return {
        "player_id": str(player.pk if player is not None else session.player_id),
        "session_id": session_id if session_id is not None else str(session.pk),
        "currency": currency,
        "transaction_id": transaction_id,
        "round_id": round_id,
        "amount": amount,
    }


def rollback_body(session: GameSession, *, transaction_id: str | None, reference: str, **extra) -> dict:
    body = {
        "player_id": str(session.player_id),
        "session_id": str(session.pk),
        "currency": "EUR",
        "transaction_id": transaction_id,
        "reference_transaction_id": reference,
        **extra,
    }
    if transaction_id is None:
        del body["transaction_id"]
    return body


def balance_body(session: GameSession, **extra) -> dict:
    return {"player_id": str(session.player_id), "session_id": str(session.pk), "currency": "EUR", **extra}
