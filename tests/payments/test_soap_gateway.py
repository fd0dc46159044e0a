"""The SOAP gateway over mutual TLS: the SOAP sandbox (the whole site behind a TLS 1.3 server that requires a
client certificate from the test CA), reached by the platform with zeep from the bundled WSDL, outcomes by polling."""

from datetime import timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler

from ledger.models import HoldStatus
from payments.adapters.soap_xml.adapter import WSDL_PATH, XSD_PATH
from payments.models import Gateway, Payment, PaymentStatus
from payments.registry import adapter_for
from payments.services.polling import payments_poll_pending
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import clearing_of, post_order, wallet_of
from tests.support.tls import make_pki, tls_wsgi_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("soap-pki"))


@pytest.fixture(scope="module")
def soap_site(pki):
    with tls_wsgi_server(WSGIHandler(), pki) as url:
        yield url


@pytest.fixture
def soap_gateway(transactional_db, soap_site, pki) -> Gateway:
    from sandbox.gateway_soap.seed import seed

    seed()
    gateway = Gateway.objects.get(code="sandbox_soap")
    gateway.base_url = f"{soap_site}/sandbox/soap-gateway/"
    gateway.tls_client_cert = pki.client_cert_pem
    gateway.tls_client_key = pki.client_key_pem
    gateway.tls_ca_cert = pki.ca_cert_pem
    gateway.save()
    return gateway


def _complete(gateway: Gateway, reference: str, outcome: str, **extra):
    """The sandbox-only CompletePayment operation, called like any other SOAP operation (with the client cert)."""
    service = gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH)
    return service.CompletePayment(Reference=reference, Outcome=outcome, **extra)


def _poll():
    return payments_poll_pending(older_than=timedelta(0))


def test_soap_deposit_succeeds_by_status_polling(soap_gateway, make_player, api, audit):
    player = make_player()
    response = post_order(api(player), "deposits", gateway="sandbox_soap", amount="42.50")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["gateway_reference"].startswith("sbx_")
    assert "/sandbox/gateway/checkout/" in body["redirect_url"]
    assert _poll() == {"polled": 1}  # still pending at the gateway

    _complete(soap_gateway, body["gateway_reference"], "succeeded")
    assert _poll() == {"polled": 1}
    assert wallet_of(player).balance == 4250
    assert clearing_of("sandbox_soap").balance == -4250
    assert Payment.objects.get(pk=body["payment_id"]).status == PaymentStatus.SUCCEEDED
    audit()


def test_soap_status_is_read_back_through_the_adapter(soap_gateway, make_player, api):
    body = post_order(api(make_player()), "deposits", gateway="sandbox_soap", amount="10.00").json()
    status = adapter_for(soap_gateway).fetch_status(
        reference=body["gateway_reference"], payment_id=body["payment_id"], kind="deposit"
    )
    assert (status.reference, status.outcome, status.amount, status.currency) == (
        body["gateway_reference"],
        "pending",
        1000,
        "EUR",
    )


@pytest.mark.parametrize(
    ("outcome", "balance", "hold_status"), [("succeeded", 2_000, "captured"), ("failed", 5_000, "released")]
)
def test_soap_payout(soap_gateway, make_player, fund, api, audit, outcome, balance, hold_status):
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    body = post_order(api(player), "withdrawals", gateway="sandbox_soap", amount="30.00").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.PENDING
    assert SandboxGatewayPayment.objects.get(reference=payment.gateway_reference).kind == "payout"
    assert wallet_of(player).held == 3_000

    _complete(soap_gateway, payment.gateway_reference, outcome)
    assert _poll() == {"polled": 1}
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (balance, 0)
    payment.refresh_from_db()
    assert payment.status == outcome and payment.hold.status == hold_status
    audit()


def test_soap_fault_declines_a_deposit(soap_gateway, make_player, api, audit):
    response = post_order(api(make_player()), "deposits", gateway="sandbox_soap", amount="13.13")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payment_declined"
    assert Payment.objects.get().status == PaymentStatus.FAILED
    audit()


def test_soap_fault_fails_a_payout_and_releases_the_hold(soap_gateway, make_player, fund, api, audit):
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    body = post_order(api(player), "withdrawals", gateway="sandbox_soap", amount="13.13").json()
    payment = Payment.objects.get(pk=body["payment_id"])
    assert payment.status == PaymentStatus.FAILED and "SOAP fault" in payment.failure_reason
    assert payment.hold.status == HoldStatus.RELEASED and wallet_of(player).held == 0
    assert api(player).get(f"/api/v1/payments/{payment.pk}").json()["status"] == "failed"
    audit()


@pytest.mark.parametrize("client_cert", ["missing", "rogue"])
def test_wrong_client_certificate_fails_cleanly(soap_gateway, pki, make_player, fund, api, audit, client_cert):
    if client_cert == "missing":
        soap_gateway.tls_client_cert = soap_gateway.tls_client_key = ""
    else:
        soap_gateway.tls_client_cert, soap_gateway.tls_client_key = pki.rogue_client_cert_pem, pki.rogue_client_key_pem
    soap_gateway.save()
    player = make_player(kyc_status="verified")
    fund(player, 5_000)

    deposit = post_order(api(player), "deposits", gateway="sandbox_soap", amount="20.00")
    assert deposit.status_code == 503
    assert deposit.json()["code"] == "gateway_unavailable"
    assert deposit["Retry-After"]

    withdrawal = post_order(api(player), "withdrawals", gateway="sandbox_soap", amount="20.00")
    assert withdrawal.status_code == 201
    payment = Payment.objects.get(pk=withdrawal.json()["payment_id"])
    assert payment.status == PaymentStatus.CREATED  # not submitted: the outbox task will retry
    assert api(player).get(f"/api/v1/payments/{payment.pk}").json()["status"] == "pending"
    wallet = wallet_of(player)
    assert (wallet.balance, wallet.held) == (5_000, 2_000)  # held, but no money moved
    assert not SandboxGatewayPayment.objects.exists()  # the gateway never saw a request
    audit()
