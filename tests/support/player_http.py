"""A player of a running stack over plain HTTP, as an outside frontend is: register, log in, deposit through the
sandbox gateway, play; plus the sandbox partners' control endpoints that tests use to act as the partner."""

from __future__ import annotations

import time
import uuid

import requests


class HttpPlayer:
    def __init__(self, base_url: str, *, currency: str = "EUR", country: str = "MT"):
        self.base_url = base_url
        self.username = f"p{uuid.uuid4().hex[:10]}"
        self.password = "correct-horse-9"
        self.http = requests.Session()
        registered = self.http.post(
            f"{base_url}/api/v1/auth/register",
            json={"username": self.username, "password": self.password, "email": f"{self.username}@example.com",
                  "country": country, "currency": currency},
            timeout=30,
        )  # fmt: skip
        assert registered.status_code == 201, registered.text
        self.player_id = registered.json()["player_id"]
        tokens = self.post("auth/token", {"username": self.username, "password": self.password}).json()
        self.access = tokens["access"]
        self.http.headers["Authorization"] = f"Bearer {self.access}"

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base_url}/api/v1/{path}", timeout=30)

    def post(self, path: str, body: dict | None = None, *, key: str | None = None) -> requests.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.http.post(f"{self.base_url}/api/v1/{path}", json=body or {}, headers=headers, timeout=30)

    def balance(self) -> str:
        return self.get("me/balance").json()["balance"]

    def deposit(self, amount: str) -> dict:
        """Order a deposit, pay it at the sandbox gateway (its webhook comes back through the stack's worker), and
        wait until the money is in the wallet."""
        before = self.balance()
        order = self.post(
            "payments/deposits", {"gateway": "sandbox", "amount": amount, "currency": "EUR"}, key=uuid.uuid4().hex
        )
        assert order.status_code == 201, order.text
        sandbox_payment_complete(self.base_url, order.json()["gateway_reference"], "succeeded")
        deadline = time.monotonic() + 30
        while self.balance() == before:
            assert time.monotonic() < deadline, "the deposit's webhook never arrived"
            time.sleep(0.3)
        return order.json()


def sandbox_payment_complete(base_url: str, reference: str, outcome: str) -> None:
    """The sandbox gateway settles a payment or payout and sends its webhook (as a payer or the gateway would)."""
    done = requests.post(
        f"{base_url}/sandbox/gateway/control/payments/{reference}/complete", json={"outcome": outcome}, timeout=30
    )
    assert done.status_code == 200, done.text


def sandbox_provider_fault(base_url: str, **fault) -> None:
    done = requests.post(f"{base_url}/sandbox/provider/_control/faults", json=fault, timeout=30)
    assert done.status_code == 200, done.text
