"""What a deposit costs the database, pinned exactly: the order (platform API, the sandbox gateway over HTTP) and the
gateway's signed confirmation. The requests run through the test client in the test's thread, so every statement
the platform sends is seen here; a count that changes, up or down, fails: say why in the change."""

import json

import pytest
from django.test import Client

from payments.adapters.sandbox_rest.adapter import signature_header
from payments.models import Payment, PaymentStatus
from tests.payments.conftest import post_order, wallet_of
from tests.support.queries import database_cost

pytestmark = pytest.mark.django_db(transaction=True)


def confirm(payment: Payment, secret: str):
    body = {
        "id": f"evt-{payment.pk}",
        "type": "payment.succeeded",
        "data": {
            "payment_id": str(payment.pk),
            "gateway_reference": payment.gateway_reference,
            "amount": "25.00",
            "currency": "EUR",
        },
    }
    raw = json.dumps(body).encode()
    headers = {"X-Sandbox-Signature": signature_header(secret, raw, None)}
    return Client().post("/webhooks/payments/sandbox/", raw, content_type="application/json", headers=headers)


def test_deposit_order_and_confirmation(gateway, make_player, api, settings, audit):
    player = make_player()
    client = api(player)
    warm = Payment.objects.get(pk=post_order(client, "deposits", amount="25.00").json()["payment_id"])
    assert confirm(warm, settings.SANDBOX_WEBHOOK_SECRET).status_code == 200  # the clearing account exists now

    with database_cost() as cost:
        response = post_order(client, "deposits", amount="25.00")
    assert response.status_code == 201
    # the Idempotency-Key claimed (commit 1); the payment (commit 2), before the gateway is called; the gateway's
    # acceptance: the payment locked, its status change, the payment (commit 3); the answer kept (commit 4)
    assert (cost.count, cost.commits) == (6, 4), cost

    payment = Payment.objects.get(pk=response.json()["payment_id"])
    with database_cost() as cost:
        response = confirm(payment, settings.SANDBOX_WEBHOOK_SECRET)
    assert response.status_code == 200 and response.json()["status"] == "processed"
    # the signature is verified before anything is stored: the delivery stored with its verdict (commit 1); then in
    # one transaction (commit 2): the payment locked, the event marked processed, the payment locked by the state
    # machine, wallet, clearing account, the ledger's credit, the wallet read for the push, the status change, the
    # payment, the delivery's outcome (and the savepoints of the nested blocks)
    assert (cost.count, cost.commits) == (24, 2), cost
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    assert wallet_of(player).balance == 5_000
    audit()
