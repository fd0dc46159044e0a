"""One thin servicer of wallet.proto over the seamless-wallet services, so a call over gRPC follows the same sequence
as the HTTP callback (providers.wallet.services.wallet_callback_receive): the raw call is stored first, its fields
are validated by the same JSON Schema, the player, currency and session are checked, and the money moves are
idempotent by transaction id.

The mutual-TLS handshake authenticates the caller (the server takes only client certificates from its CA); the
certificate's common name must be the provider code the call is for. Errors are gRPC statuses carrying the HTTP
problem's code and status in the trailing metadata."""

from __future__ import annotations

import json

import grpc
from django.db import close_old_connections

from core.errors import ApplicationError
from providers.grpc import wallet_pb2, wallet_pb2_grpc
from providers.wallet.services import wallet_callback_receive

SERVICE = "casino.wallet.v1.Wallet"
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


def _caller(context: grpc.ServicerContext) -> str:
    names = context.auth_context().get("x509_common_name") or [b""]
    return names[0].decode()


def _source_ip(context: grpc.ServicerContext) -> str | None:
    peer = context.peer()  # "ipv4:127.0.0.1:5555" or "ipv6:[::1]:5555"
    if peer.startswith("ipv4:"):
        return peer[5:].rsplit(":", 1)[0]
    if peer.startswith("ipv6:"):
        return peer[5:].rsplit(":", 1)[0].strip("[]")
    return None


class WalletServicer(wallet_pb2_grpc.WalletServicer):
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
        caller = _caller(context)

        def authenticate(provider_code: str) -> None:
            if caller != provider_code:
                raise CallerNotProvider(f"The certificate of {caller!r} cannot call for {provider_code!r}.")

        try:
            answer = wallet_callback_receive(
                provider_code=request.provider_code,
                action=action,
                method="GRPC",
                path=f"/{SERVICE}/{method}",
                headers={"client-certificate-cn": caller},
                body=json.dumps(_payload(request)).encode(),
                source_ip=_source_ip(context),
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
