"""The providers' gRPC wallet calls through the NGINX gateway (deploy/nginx/grpc.conf.template): NGINX holds TLS 1.3
and the providers' client certificates, the real wallet server on loopback behind it takes the gateway's own client
certificate as a trusted proxy's and calls for the certificate the gateway forwards, verified again. A forwarded
certificate from anyone else is only a header and is never believed. NGINX runs as in tests/deploy/test_gateway.py
(same harness, same xdist group); the wallet fixtures live here."""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import quote

import grpc
import pytest

from ledger.models import Transaction
from providers.grpc import wallet_pb2
from providers.grpc.server import wallet_grpc_server
from providers.grpc.wallet_pb2_grpc import WalletStub
from providers.models import WalletCallback
from tests.deploy import gateway as harness
from tests.providers.wallet.conftest import available, move
from tests.support.tls import Pki, client_certificate, make_pki

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audited"),
    pytest.mark.xdist_group("gateway"),
]

PROXY_NAME = "casino-gateway"  # the common name of the gateway's client certificate, trusted by the wallet server


class Stack:
    """The wallet server's and the gateway's gRPC ports, and the certificates of the callers."""

    def __init__(self, *, pki: Pki, proxy: tuple[str, str], wallet_port: int, gateway: harness.Gateway, grpc_port: int):
        self.pki, self.wallet_port, self.gateway, self.grpc_port = pki, wallet_port, gateway, grpc_port
        self.acme = (pki.client_cert_pem, pki.client_key_pem)
        self.other = client_certificate(pki, "other")
        self.rogue = (pki.rogue_client_cert_pem, pki.rogue_client_key_pem)
        self.proxy = proxy  # the gateway's own client certificate

    def stub(self, port: int, certificate: tuple[str, str] | None) -> tuple[grpc.Channel, WalletStub]:
        cert, key = certificate or (None, None)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.pki.ca_cert_pem.encode(),
            certificate_chain=cert.encode() if cert else None,
            private_key=key.encode() if key else None,
        )
        channel = grpc.secure_channel(f"127.0.0.1:{port}", credentials)
        return channel, WalletStub(channel)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("grpc-gateway")
    pki = make_pki(workdir / "pki", client_name="acme")
    proxy = client_certificate(pki, PROXY_NAME)
    (workdir / "pki" / "proxy.crt").write_text(proxy[0])
    (workdir / "pki" / "proxy.key").write_text(proxy[1])
    server, wallet_port = wallet_grpc_server(
        bind="127.0.0.1:0",
        certificate=Path(pki.server_cert_path).read_bytes(),
        key=Path(pki.server_key_path).read_bytes(),
        client_ca=pki.ca_cert_pem.encode(),
        trusted_proxy_names=[PROXY_NAME],
        workers=4,
    )
    server.start()
    grpc_port = harness.free_port()
    try:
        with harness.gateway(
            app_port=harness.free_port(),  # no HTTP app: these tests use the gRPC listener only
            pki=pki,
            workdir=workdir,
            static_root=workdir / "static",
            countries="",
            NGINX_GRPC_LISTEN=f"127.0.0.1:{grpc_port}",
            NGINX_GRPC_UPSTREAM=f"127.0.0.1:{wallet_port}",
            NGINX_GRPC_UPSTREAM_NAME="localhost",  # the name in the wallet server's certificate
            NGINX_GRPC_CLIENT_CA=pki.ca_cert_path,
            NGINX_GRPC_UPSTREAM_CA=pki.ca_cert_path,
            NGINX_GRPC_PROXY_CERT=str(workdir / "pki" / "proxy.crt"),
            NGINX_GRPC_PROXY_KEY=str(workdir / "pki" / "proxy.key"),
        ) as gateway:
            yield Stack(pki=pki, proxy=proxy, wallet_port=wallet_port, gateway=gateway, grpc_port=grpc_port)
    finally:
        server.stop(grace=None)


def bet(session, *, provider_code: str = "acme", **fields) -> wallet_pb2.MoneyRequest:
    return wallet_pb2.MoneyRequest(provider_code=provider_code, **move(session, **fields))


def refusal(call) -> tuple[grpc.StatusCode, str | None, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), dict(caught.value.trailing_metadata() or ()).get("problem-code"), caught.value.details()


# ------------------------------------------------------------------------------------------------ through NGINX


def test_tls_1_2_is_refused_on_the_grpc_port_and_1_3_accepted(stack):
    tls_1_2 = stack.gateway.client_context(maximum=ssl.TLSVersion.TLSv1_2)
    with pytest.raises(ssl.SSLError):
        stack.gateway.connect(port=stack.grpc_port, context=tls_1_2).close()

    with stack.gateway.connect(port=stack.grpc_port) as tls:
        assert tls.version() == "TLSv1.3"


def test_a_bet_through_the_gateway_calls_for_the_providers_certificate_and_replays(stack, player, session):
    channel, stub = stack.stub(stack.grpc_port, stack.acme)
    with channel:
        first = stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"), timeout=10)
        again = stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"), timeout=10)

    assert (first.balance, first.transaction_id, first.status, first.replayed) == ("97.50", "b-1", "ok", False)
    assert (again.balance, again.transaction_id, again.status, again.replayed) == ("97.50", "b-1", "ok", True)
    assert available(player) == 9_750
    assert Transaction.objects.filter(idempotency_key="wallet:acme:b-1").count() == 1
    stored = [callback.headers for callback in WalletCallback.objects.filter(transaction_id="b-1")]
    assert stored == [{"client-certificate-cn": "acme", "via-proxy": PROXY_NAME}] * 2


def test_a_certificate_from_another_ca_or_none_is_refused_by_the_gateway(stack, player, session):
    for certificate in (stack.rogue, None):
        channel, stub = stack.stub(stack.grpc_port, certificate)
        with channel, pytest.raises(grpc.RpcError) as refused:
            stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"), timeout=10)

        assert (refused.value.code(), refused.value.details()) == (
            grpc.StatusCode.UNAUTHENTICATED, "client certificate refused by the gateway"
        )  # fmt: skip
    assert not WalletCallback.objects.exists()  # nothing reached the wallet server
    assert available(player) == 10_000


def test_another_providers_certificate_through_the_gateway_cannot_call_for_acme(stack, player, session):
    channel, stub = stack.stub(stack.grpc_port, stack.other)
    with channel:
        outcome = refusal(lambda: stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50")))

    assert outcome == (
        grpc.StatusCode.PERMISSION_DENIED, "caller_not_provider",
        "caller_not_provider: The certificate of 'other' cannot call for 'acme'.",
    )  # fmt: skip
    assert available(player) == 10_000


# ------------------------------------------------------------------------------------------------ direct callers


def test_a_forwarded_certificate_from_a_caller_that_is_not_a_trusted_proxy_is_ignored(stack, player, session):
    forged = (("x-client-cert", quote(stack.pki.client_cert_pem)),)  # acme's certificate: public, anyone may send it
    channel, stub = stack.stub(stack.wallet_port, stack.other)
    with channel:
        request = bet(session, transaction_id="b-1", round_id="r-1", amount="2.50")
        outcome = refusal(lambda: stub.Bet(request, metadata=forged, timeout=10))

    assert outcome == (
        grpc.StatusCode.PERMISSION_DENIED, "caller_not_provider",
        "caller_not_provider: The certificate of 'other' cannot call for 'acme'.",
    )  # fmt: skip
    assert available(player) == 10_000

    # A direct caller with the provider's own certificate is served as without a proxy.
    channel, stub = stack.stub(stack.wallet_port, stack.acme)
    with channel:
        answer = stub.Bet(bet(session, transaction_id="b-2", round_id="r-1", amount="1.00"), timeout=10)
    assert (answer.balance, answer.replayed) == ("99.00", False)
    assert WalletCallback.objects.get(transaction_id="b-2").headers == {"client-certificate-cn": "acme"}


def test_the_trusted_proxy_is_refused_without_a_forwarded_certificate_that_verifies(stack, player, session):
    channel, stub = stack.stub(stack.wallet_port, stack.proxy)
    forwarded = {
        "none": (),
        "not a certificate": (("x-client-cert", quote("-----BEGIN CERTIFICATE-----\nAAAA\n")),),
        "another CA's": (("x-client-cert", quote(stack.pki.rogue_client_cert_pem)),),
    }
    with channel:
        for metadata in forwarded.values():
            request = bet(session, transaction_id="b-1", round_id="r-1", amount="2.50")
            outcome = refusal(lambda request=request, metadata=metadata: stub.Bet(request, metadata=metadata))
            assert outcome[:2] == (grpc.StatusCode.UNAUTHENTICATED, "forwarded_certificate_invalid")

    assert available(player) == 10_000
    assert not WalletCallback.objects.exists()
