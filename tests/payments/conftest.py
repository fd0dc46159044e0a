"""Payments test fixtures: the sandbox gateways run for real on the live server; gateway rows are seeded by the
sandbox seed services with SITE_URL pointing at the live server, so the sandbox's webhooks come back to it."""

from __future__ import annotations

import uuid

import pytest
import requests
from rest_framework.test import APIClient

from core.outbound import breaker_reset
from ledger.models import AccountKind
from ledger.selectors import ledger_audit
from ledger.services import system_account_get_or_create, wallet_get_or_create
from payments.models import Gateway


@pytest.fixture(autouse=True)
def _closed_breakers():
    breaker_reset()
    yield
    breaker_reset()


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def gateway(site) -> Gateway:
    from sandbox.gateway.seed import seed

    seed()
    return Gateway.objects.get(code="sandbox")


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def audit():
    """Call at the end of a money test: every ledger invariant must hold."""

    def check():
        assert ledger_audit() == []

    return check


def post_order(client, kind: str, *, amount="25.00", currency="EUR", gateway="sandbox", key=None):
    return client.post(
        f"/api/v1/payments/{kind}",
        {"gateway": gateway, "amount": amount, "currency": currency},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )


def sandbox_complete(site: str, reference: str, outcome: str, **extra) -> dict:
    """Drive the sandbox gateway's control endpoint over HTTP (its webhook then reaches the platform for real)."""
    response = requests.post(
        f"{site}/sandbox/gateway/control/payments/{reference}/complete",
        json={"outcome": outcome, **extra},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def wallet_of(user, currency="EUR"):
    return wallet_get_or_create(user=user, currency=currency)


def clearing_of(code="sandbox", currency="EUR"):
    return system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, partner=code, currency=currency)


def gateway_calls(operation: str, outcome: str | None = None, code: str = "sandbox") -> int:
    """How many calls the platform made to a gateway (from the outbound latency histogram of this process)."""
    from core.metrics import PROVIDER_REQUEST_DURATION

    total = 0.0
    for metric in PROVIDER_REQUEST_DURATION.collect():
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name.endswith("_count")
                and labels.get("provider") == f"gateway:{code}"
                and labels.get("operation") == operation
                and (outcome is None or labels.get("outcome") == outcome)
            ):
                total += sample.value
    return int(total)


def created_withdrawal(gateway, client, amount: str):
    """A withdrawal whose first submission found the gateway down: held, still `created`, one attempt made."""
    from payments.models import Payment, PaymentStatus

    real_url = gateway.base_url
    gateway.base_url = "http://127.0.0.1:9/"
    gateway.save()
    body = post_order(client, "withdrawals", amount=amount).json()
    gateway.base_url = real_url
    gateway.save()
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.CREATED and payment.submit_attempts == 1
    assert payment.submitting_until is None  # the attempt is over: its claim is released
    breaker_reset()
    return payment
