"""The REST gateway over mutual TLS: the REST sandbox (the whole site behind a TLS 1.3 server that requires a client
certificate from the test CA), reached with the client certificate, key and CA that staff set on the Gateway row."""

import pytest
from django.core.handlers.wsgi import WSGIHandler

from core.outbound import PartnerUnavailable
from payments.models import Gateway
from payments.registry import adapter_for
from sandbox.models import SandboxGatewayPayment
from tests.payments.conftest import post_order
from tests.support.tls import make_pki, tls_wsgi_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("rest-gateway-pki"))


@pytest.fixture(scope="module")
def tls_site(pki):
    with tls_wsgi_server(WSGIHandler(), pki) as url:
        yield url


@pytest.fixture
def tls_gateway(transactional_db, tls_site, pki) -> Gateway:
    from sandbox.gateway.seed import seed

    seed()
    gateway = Gateway.objects.get(code="sandbox")
    gateway.base_url = f"{tls_site}/sandbox/gateway/"
    gateway.tls_client_cert = pki.client_cert_pem
    gateway.tls_client_key = pki.client_key_pem
    gateway.tls_ca_cert = pki.ca_cert_pem
    gateway.save()
    return gateway


def test_a_deposit_reaches_the_rest_gateway_over_mutual_tls(tls_gateway, make_player, api):
    response = post_order(api(make_player()), "deposits", amount="12.34")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["gateway_reference"].startswith("sbx_")
    sandboxed = SandboxGatewayPayment.objects.get(reference=body["gateway_reference"])
    assert (sandboxed.merchant_reference, sandboxed.amount) == (body["payment_id"], 1234)

    status = adapter_for(tls_gateway).fetch_status(
        reference=body["gateway_reference"], payment_id=body["payment_id"], kind="deposit"
    )
    assert (status.reference, status.outcome, status.amount, status.currency) == (
        body["gateway_reference"],
        "pending",
        1234,
        "EUR",
    )


def test_a_client_certificate_from_another_ca_is_refused(tls_gateway, pki):
    tls_gateway.tls_client_cert, tls_gateway.tls_client_key = pki.rogue_client_cert_pem, pki.rogue_client_key_pem
    # Nothing reached the gateway: a definite failure, not an unknown outcome.
    with pytest.raises(PartnerUnavailable) as caught:
        adapter_for(tls_gateway).fetch_status(reference="sbx_unknown", payment_id="p-1", kind="deposit")
    assert type(caught.value) is PartnerUnavailable
    assert "TLS handshake failed" in str(caught.value) or "connection failed" in str(caught.value)


def test_the_gateway_server_is_not_trusted_without_the_private_ca(tls_gateway):
    tls_gateway.tls_ca_cert = ""
    with pytest.raises(PartnerUnavailable) as caught:
        adapter_for(tls_gateway).fetch_status(reference="sbx_unknown", payment_id="p-1", kind="deposit")
    assert type(caught.value) is PartnerUnavailable
    assert "TLS handshake failed" in str(caught.value)
