"""The seamless-wallet callback endpoint: POST /api/v1/providers/{provider_code}/wallet/{action}/.

Thin on purpose: store the raw callback, find the provider, verify the contract's HMAC signature (the only
authentication here), parse and validate the body against the action's JSON Schema, hand it to the services.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError, ValidationFailed, problem_body
from core.logcontext import log_context_bind
from core.signing import verify_request
from providers.models import WalletCallbackVerdict
from providers.wallet.errors import UnknownAction, UnknownProvider
from providers.wallet.schemas import ACTIONS, callback_body_parse
from providers.wallet.selectors import provider_for_callback
from providers.wallet.services import wallet_callback_close, wallet_callback_handle, wallet_callback_record

# A wallet callback is a few hundred bytes; anything far larger is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024


class WalletCallbackApi(APIView):
    authentication_classes = []  # the signature is the authentication
    permission_classes = [AllowAny]
    # Providers call from a few addresses at high rates; the anonymous per-IP throttle would refuse real bets.
    throttle_classes = []

    @extend_schema(
        operation_id="wallet_callback",
        summary="Seamless wallet callback from a game provider (HMAC-signed)",
        description=(
            "Signed with `Authorization: HMAC <key_id>:<hex signature>`, `X-Timestamp`, `X-Nonce` over "
            "`METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nhex SHA-256(body)`. A transaction_id seen before answers the first "
            "answer. Money moves need transaction_id, round_id and amount; a rollback names reference_transaction_id. "
            "session_id is the platform's game session id or the provider's own token for it, a session of this "
            "provider and player (else 404 session_not_found); a bet needs it open and unexpired (else 409 "
            "session_closed), a win or rollback may come after it closed."
        ),
        auth=[],
        parameters=[
            OpenApiParameter("provider_code", str, OpenApiParameter.PATH),
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
        request=inline_serializer(
            "WalletCallbackRequest",
            {
                "player_id": serializers.CharField(),
                "session_id": serializers.CharField(
                    help_text="the platform's game session id, or the provider's own session token"
                ),
                "currency": serializers.CharField(min_length=3, max_length=3),
                "transaction_id": serializers.CharField(required=False, help_text="bet, win, rollback"),
                "round_id": serializers.CharField(required=False, help_text="bet, win (rollback: optional)"),
                "amount": serializers.CharField(required=False, help_text='decimal string, e.g. "2.50"'),
                "reference_transaction_id": serializers.CharField(required=False, help_text="rollback"),
            },
        ),
        responses={
            200: inline_serializer(
                "WalletCallbackResponse",
                {
                    "balance": serializers.CharField(help_text="available balance, decimal string"),
                    "currency": serializers.CharField(),
                    "transaction_id": serializers.CharField(allow_null=True),
                    "status": serializers.ChoiceField(choices=["ok", "not_found"]),
                },
            ),
            400: OpenApiResponse(description="validation_error, currency_mismatch (problem+json)"),
            401: OpenApiResponse(description="invalid_signature, stale_signature, replayed_request"),
            403: OpenApiResponse(description="player_blocked"),
            404: OpenApiResponse(
                description="unknown_provider, unknown_action, player_not_found, session_not_found, round_not_found"
            ),
            409: OpenApiResponse(
                description="session_closed, transaction_conflict, bet_rolled_back, transaction_rolled_back, "
                "round_rolled_back, rollback_not_allowed"
            ),
            422: OpenApiResponse(description="insufficient_funds"),
        },
        tags=["provider wallet"],
    )
    def post(self, request, provider_code: str, action: str):
        raw = request.body
        callback = wallet_callback_record(
            provider_code=provider_code,
            action=action,
            method=request.method,
            path=request.path,
            headers=request.headers,
            body=raw,
            source_ip=request.META.get("REMOTE_ADDR"),
        )
        provider = None
        transaction_id = ""
        try:
            provider = provider_for_callback(code=provider_code)
            if provider is None:
                raise UnknownProvider(f"No enabled provider with code {provider_code!r}.")
            verify_request(
                method=request.method,
                path=request.path,
                headers=request.headers,
                body=raw,
                secrets_for=provider.secrets_for,
                nonce_scope=f"wallet:{provider.code}",
            )
            if len(raw) > MAX_BODY_BYTES:
                raise ValidationFailed("The body is too large.", errors={"body": [f"At most {MAX_BODY_BYTES} bytes."]})
            if action not in ACTIONS:
                raise UnknownAction(f"Wallet action {action!r} does not exist; use balance, bet, win or rollback.")
            payload = callback_body_parse(action=action, raw=raw)
            transaction_id = payload.get("transaction_id", "")
            log_context_bind(partner=provider.code, player_id=payload.get("player_id"),
                             round_id=payload.get("round_id"), transaction_id=transaction_id)  # fmt: skip
            answer = wallet_callback_handle(provider=provider, action=action, payload=payload)
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
            raise
        except Exception:
            # A bug, not a verdict: keep the evidence that this callback was answered 500, then let Django log it.
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
        return Response(answer.body)
