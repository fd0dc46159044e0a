"""Validation and visibility rules of the payments API (no gateway call is made for a refused order)."""

import uuid

import pytest

from payments.models import Payment
from tests.payments.conftest import post_order


@pytest.mark.parametrize(
    ("order", "field"),
    [
        ({"gateway": "nope"}, "gateway"),
        ({"amount": "12.345"}, "amount"),  # more decimals than EUR has: refused, never rounded
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "0.50"}, "amount"),  # under the gateway's minimum of 1
        ({"amount": 25}, "amount"),  # a JSON number: money is a decimal string
        ({"amount": 25.5}, "amount"),
        ({"currency": "GBP"}, "currency"),  # a real currency, not the player's wallet's
        ({"currency": "USD"}, "currency"),  # the gateway takes it, but the player's wallet is in EUR
        ({"currency": "XYZ"}, "currency"),
    ],
)
@pytest.mark.parametrize("kind", ["deposits", "withdrawals"])
def test_refused_orders(db, settings, make_player, api, kind, order, field):
    from sandbox.gateway.seed import seed

    settings.SITE_URL = "http://127.0.0.1:9"  # the gateway must not be called at all
    seed()
    player = make_player(kyc_status="verified")
    fields = {"amount": "25.00", "currency": "EUR", "gateway": "sandbox", **order}
    response = post_order(api(player), kind, **fields)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error" and field in body["errors"]
    assert not Payment.objects.exists()


def test_maximum_amount(db, settings, make_player, api):
    from payments.models import Gateway
    from sandbox.gateway.seed import seed

    seed()
    gateway = Gateway.objects.get(code="sandbox")
    gateway.max_amount = "100"  # as staff do it, through a save (which drops the cached row)
    gateway.save(update_fields=["max_amount"])
    response = post_order(api(make_player()), "deposits", amount="100.01")
    assert response.status_code == 400 and "amount" in response.json()["errors"]


def test_another_players_payment_is_not_found(gateway, make_player, api):
    owner, other = make_player(), make_player()
    body = post_order(api(owner), "deposits").json()
    assert api(owner).get(f"/api/v1/payments/{body['payment_id']}").status_code == 200
    response = api(other).get(f"/api/v1/payments/{body['payment_id']}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api(owner).get(f"/api/v1/payments/{uuid.uuid4()}").status_code == 404


def test_anonymous_callers_are_refused(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/payments/gateways")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_openapi_schema_describes_the_payments_api(db, admin_client):
    response = admin_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/payments/gateways",
        "/api/v1/payments/deposits",
        "/api/v1/payments/withdrawals",
        "/api/v1/payments/{payment_id}",
        "/webhooks/payments/{gateway_code}/",
    ):
        assert path in paths
