"""Fixtures for the wallet callback tests: a provider with signing keys and a client that signs like a provider."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
import requests

from casino.signing import sign_request
from ledger.selectors import ledger_audit
from providers.models import Provider


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
def wallet_provider(transactional_db):
    return Provider.objects.create(
        code="acme",
        name="Acme Games",
        base_url="http://127.0.0.1:9/",
        key_id="acme-key",
        secret="acme-current-secret",
        currencies=["EUR"],
    )


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


def move(player, *, transaction_id: str, round_id: str, amount: str, currency: str = "EUR", session_id="s-1") -> dict:
    return {
        "player_id": str(player.pk),
        "session_id": session_id,
        "currency": currency,
        "transaction_id": transaction_id,
        "round_id": round_id,
        "amount": amount,
    }
