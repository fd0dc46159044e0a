"""One thin servicer of wallet.proto over the seamless-wallet services, so a call over gRPC follows the same rules
as the HTTP callback: the raw call is stored first, its fields are validated by the same JSON Schema, and
`wallet_callback_handle` checks the player, currency and session and dispatches to the money moves
(wallet_balance_get, wallet_bet_place, wallet_win_credit, wallet_rollback_apply), idempotent by transaction id.

The mutual-TLS handshake authenticates the caller (the server takes only client certificates from its CA); the
certificate's common name must be the provider code the call is for. Errors are gRPC statuses carrying the HTTP
problem's code and status in the trailing metadata."""

from __future__ import annotations

import json

import grpc
from django.db import close_old_connections

from core.errors import ApplicationError, problem_body
from providers.grpc import wallet_pb2, wallet_pb2_grpc
from providers.models import WalletCallbackVerdict
from providers.wallet.errors import UnknownProvider
from providers.wallet.schemas import callback_body_parse
from providers.wallet.selectors import provider_for_callback
from providers.wallet.services import wallet_callback_close, wallet_callback_handle, wallet_callback_record

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
        payload = _payload(request)
        raw = json.dumps(payload).encode()
        callback = wallet_callback_record(
            provider_code=request.provider_code,
            action=action,
            method="GRPC",
            path=f"/{SERVICE}/{method}",
            headers={"client-certificate-cn": caller},
            body=raw,
            source_ip=_source_ip(context),
        )
        provider = None
        transaction_id = payload.get("transaction_id", "")
        try:
            if caller != request.provider_code:
                raise CallerNotProvider(f"The certificate of {caller!r} cannot call for {request.provider_code!r}.")
            provider = provider_for_callback(code=request.provider_code)
            if provider is None:
                raise UnknownProvider(f"No enabled provider with code {request.provider_code!r}.")
            answer = wallet_callback_handle(
                provider=provider, action=action, payload=callback_body_parse(action=action, raw=raw)
            )
        except ApplicationError as error:
            body = problem_body(
                status=error.status, code=error.code, title=error.title, detail=error.detail, errors=error.errors
            )
            wallet_callback_close(
                callback=callback,
                provider=provider,
                status=error.status,
                body=body,
                verdict=WalletCallbackVerdict.REJECTED,
                error_code=error.code,
                transaction_id=transaction_id,
            )
            return None, error
        except Exception:
            # A bug, not a verdict: keep the evidence that this call failed, then let gRPC answer UNKNOWN.
            wallet_callback_close(
                callback=callback,
                provider=provider,
                status=500,
                body={},
                verdict=WalletCallbackVerdict.REJECTED,
                error_code="internal_error",
                transaction_id=transaction_id,
            )
            raise
        wallet_callback_close(
            callback=callback,
            provider=provider,
            status=200,
            body=answer.body,
            verdict=WalletCallbackVerdict.REPLAYED if answer.replayed else WalletCallbackVerdict.ACCEPTED,
            transaction_id=transaction_id,
        )
        reply = wallet_pb2.WalletReply(
            balance=answer.body["balance"],
            currency=answer.body["currency"],
            transaction_id=answer.body["transaction_id"] or "",
            status=answer.body["status"],
            replayed=answer.replayed,
        )
        return reply, None
