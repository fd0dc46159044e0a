"""Deposits end to end over HTTP: platform API -> REST sandbox gateway -> its signed webhook -> the platform."""

import requests

from payments.models import Payment, PaymentStatus, WebhookDelivery
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import clearing_of, post_order, sandbox_complete, wallet_of


def test_gateways_list_shows_enabled_gateways(gateway, make_player, api):
    response = api(make_player()).get("/api/v1/payments/gateways")
    assert response.status_code == 200
    assert response.json() == {"results": [{"code": "sandbox", "name": gateway.name, "currencies": ["EUR", "USD"]}]}


def test_deposit_is_credited_when_the_gateway_confirms(gateway, make_player, api, site, audit):
    player = make_player()
    client = api(player)
    response = post_order(client, "deposits", amount="25.00")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["gateway_reference"].startswith("sbx_")
    assert body["redirect_url"].startswith(f"{site}/sandbox/gateway/checkout/")
    assert wallet_of(player).balance == 0

    # The checkout page is a real page a person could use.
    assert "Sandbox checkout" in requests.get(body["redirect_url"], timeout=10).text

    sandbox_complete(site, body["gateway_reference"], "succeeded")

    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (2500, 0)
    assert clearing_of().balance == -2500
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.credit_transaction.idempotency_key == f"payment:{payment.pk}:credit"
    history = list(payment.status_changes.values_list("from_status", "to_status"))
    assert history == [("created", "pending"), ("pending", "succeeded")]
    detail = client.get(f"/api/v1/payments/{payment.pk}").json()
    assert detail == {
        "payment_id": str(payment.pk),
        "kind": "deposit",
        "status": "succeeded",
        "amount": "25.00",
        "currency": "EUR",
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.signature_verdict, delivery.outcome) == ("valid", "processed")
    assert delivery.source_address == "127.0.0.1"
    audit()


def test_deposit_paid_on_the_checkout_page(gateway, make_player, api, audit):
    player = make_player()
    body = post_order(api(player), "deposits", amount="10.00").json()
    page = requests.post(body["redirect_url"], data={"outcome": "succeeded"}, timeout=30)
    assert page.status_code == 200
    assert wallet_of(player).balance == 1000
    audit()


def test_declined_deposit_moves_no_money(gateway, make_player, api, site, audit):
    player = make_player()
    client = api(player)
    body = post_order(client, "deposits").json()
    sandbox_complete(site, body["gateway_reference"], "failed")
    assert wallet_of(player).balance == 0
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.FAILED
    assert client.get(f"/api/v1/payments/{body['payment_id']}").json()["status"] == "failed"
    audit()


def test_deposit_replay_returns_the_first_answer_and_creates_one_payment(gateway, make_player, api):
    client = api(make_player())
    first = post_order(client, "deposits", key="dep-1")
    again = post_order(client, "deposits", key="dep-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == SandboxGatewayPayment.objects.count() == 1


def test_deposit_key_reused_with_another_body_is_a_conflict(gateway, make_player, api):
    client = api(make_player())
    assert post_order(client, "deposits", key="dep-2", amount="5.00").status_code == 201
    conflict = post_order(client, "deposits", key="dep-2", amount="6.00")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert conflict.json()["code"] == "idempotency_key_conflict"
    assert Payment.objects.count() == 1


def test_deposit_without_idempotency_key_is_refused(gateway, make_player, api):
    response = api(make_player()).post(
        "/api/v1/payments/deposits", {"gateway": "sandbox", "amount": "5.00", "currency": "EUR"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_deposit_declined_by_the_gateway(gateway, make_player, api, audit):
    response = post_order(api(make_player()), "deposits", amount="13.13")
    assert response.status_code == 422
    assert response.json()["code"] == "payment_declined"
    assert Payment.objects.get().status == PaymentStatus.FAILED
    audit()


def test_deposit_with_the_gateway_down_is_503_and_moves_no_money(gateway, make_player, api, audit):
    gateway.base_url = "http://127.0.0.1:9/"  # nothing listens on the discard port
    gateway.save()
    response = post_order(api(make_player()), "deposits")
    assert response.status_code == 503
    assert response.json()["code"] == "gateway_unavailable"
    assert Payment.objects.get().status == PaymentStatus.FAILED
    audit()
