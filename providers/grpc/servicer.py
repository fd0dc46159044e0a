"""One thin servicer of wallet.proto over the seamless-wallet services, so a call over gRPC follows the same sequence
as the HTTP callback (providers.wallet.services.wallet_callback_receive): the raw call is stored first, its fields
are validated by the same JSON Schema, the player, currency and session are checked, and the money moves are
idempotent by transaction id.

The mutual-TLS handshake authenticates the caller (the server takes only client certificates from its CA); the
certificate's common name must be the provider code the call is for. A caller whose certificate names a trusted proxy
(the TLS 1.3 gateway, deploy/nginx/grpc.conf.template) speaks instead for the client certificate that proxy verified
and forwards, once it is verified again here. Errors are gRPC statuses carrying the HTTP problem's code and status in
the trailing metadata."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID
from django.db import close_old_connections

from core.errors import ApplicationError
from providers.grpc import wallet_pb2, wallet_pb2_grpc
from providers.wallet.services import wallet_callback_receive

SERVICE = "casino.wallet.v1.Wallet"
# What a trusted proxy sends along (NGINX: `grpc_set_header x-client-cert $ssl_client_escaped_cert`, the URL-escaped
# PEM of the client certificate it verified, and the client's address); from anyone else they are never read.
FORWARDED_CERTIFICATE = "x-client-cert"
FORWARDED_ADDRESS = "x-forwarded-for"
# The HTTP status of a problem, as the gRPC status a client of this service branches on.
GRPC_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    422: grpc.StatusCode.FAILED_PRECONDITION,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}


class CallerNotProvider(ApplicationError):
    status, code, title = 403, "caller_not_provider", "The client certificate does not speak for this provider"


class ForwardedCertificateInvalid(ApplicationError):
    status, code, title = 401, "forwarded_certificate_invalid", "The proxy forwarded no valid client certificate"


@dataclass(frozen=True)
class Caller:
    name: str  # the common name of the certificate the call speaks for: the provider code it may call for
    source_ip: str | None
    proxy: str = ""  # the trusted proxy it came through, if any


def _payload(request) -> dict:
    """The request's fields as the HTTP callback's JSON body (unset optional fields left out, as over HTTP)."""
    payload = {}
    for field in request.DESCRIPTOR.fields:
        if field.name == "provider_code":
            continue
        if field.has_presence and not request.HasField(field.name):
            continue
        payload[field.name] = getattr(request, field.name)
    return payload


def _source_ip(context: grpc.ServicerContext) -> str | None:
    peer = context.peer()  # "ipv4:127.0.0.1:5555" or "ipv6:[::1]:5555"
    if peer.startswith("ipv4:"):
        return peer[5:].rsplit(":", 1)[0]
    if peer.startswith("ipv6:"):
        return peer[5:].rsplit(":", 1)[0].strip("[]")
    return None


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _forwarded_name(escaped: str, client_cas: list[x509.Certificate]) -> str:
    """The common name of a client certificate a trusted proxy forwarded (URL-escaped PEM), once verified again as
    the handshake would: issued and signed by one of the client CAs, and valid now."""
    try:
        certificate = x509.load_pem_x509_certificate(unquote(escaped).encode())
    except ValueError:
        raise ForwardedCertificateInvalid("The trusted proxy forwarded no readable client certificate.") from None
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ForwardedCertificateInvalid("The forwarded client certificate is not valid now.")
    for ca in client_cas:
        try:
            certificate.verify_directly_issued_by(ca)  # the issuer's name, then the signature with its key
        except (ValueError, TypeError, InvalidSignature):
            continue
        return _common_name(certificate)
    raise ForwardedCertificateInvalid("The forwarded client certificate was not issued by the client CA.")


def _caller(context: grpc.ServicerContext, *, client_cas: list[x509.Certificate], proxies: frozenset[str]) -> Caller:
    """Who the call speaks for: the mutual-TLS peer's certificate, or, when that peer is a trusted proxy, the client
    certificate it forwarded (ForwardedCertificateInvalid when there is none that verifies). A forwarded certificate
    from any other peer is ignored: it is only a header, which anyone can send."""
    names = context.auth_context().get("x509_common_name") or [b""]
    peer = names[0].decode()
    if peer not in proxies:
        return Caller(name=peer, source_ip=_source_ip(context))
    metadata = dict(context.invocation_metadata())
    name = _forwarded_name(metadata.get(FORWARDED_CERTIFICATE, ""), client_cas)
    return Caller(name=name, source_ip=metadata.get(FORWARDED_ADDRESS) or _source_ip(context), proxy=peer)


class WalletServicer(wallet_pb2_grpc.WalletServicer):
    def __init__(self, *, client_ca: bytes, trusted_proxy_names: Iterable[str] = ()):
        self.client_cas = x509.load_pem_x509_certificates(client_ca)
        self.proxies = frozenset(name for name in trusted_proxy_names if name)  # "" is a certificate without one

    def Balance(self, request, context):
        return self._handle("balance", "Balance", request, context)

    def Bet(self, request, context):
        return self._handle("bet", "Bet", request, context)

    def Win(self, request, context):
        return self._handle("win", "Win", request, context)

    def Rollback(self, request, context):
        return self._handle("rollback", "Rollback", request, context)

    def _handle(self, action: str, method: str, request, context) -> wallet_pb2.WalletReply:
        # Each call runs on a pool thread with its own database connection: treat it like a request.
        close_old_connections()
        try:
            reply, error = self._call(action, method, request, context)
        finally:
            close_old_connections()
        if error is not None:
            context.set_trailing_metadata((("problem-code", error.code), ("problem-status", str(error.status))))
            context.abort(GRPC_STATUS.get(error.status, grpc.StatusCode.INTERNAL), f"{error.code}: {error.detail}")
        return reply

    def _call(self, action: str, method: str, request, context):
        try:
            caller, refusal = _caller(context, client_cas=self.client_cas, proxies=self.proxies), None
        except ForwardedCertificateInvalid as error:
            caller, refusal = Caller(name="", source_ip=_source_ip(context)), error

        def authenticate(provider_code: str) -> None:
            if refusal is not None:
                raise refusal
            if caller.name != provider_code:
                raise CallerNotProvider(f"The certificate of {caller.name!r} cannot call for {provider_code!r}.")

        headers = {"client-certificate-cn": caller.name} | ({"via-proxy": caller.proxy} if caller.proxy else {})
        try:
            answer = wallet_callback_receive(
                provider_code=request.provider_code,
                action=action,
                method="GRPC",
                path=f"/{SERVICE}/{method}",
                headers=headers,
                body=json.dumps(_payload(request)).encode(),
                source_ip=caller.source_ip,
                authenticate=authenticate,
            )
        except ApplicationError as error:  # already recorded on the stored callback
            return None, error
        reply = wallet_pb2.WalletReply(
            balance=answer.body["balance"],
            currency=answer.body["currency"],
            transaction_id=answer.body["transaction_id"] or "",
            status=answer.body["status"],
            replayed=answer.replayed,
        )
        return reply, None
