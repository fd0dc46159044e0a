"""The seamless-wallet callback endpoint: POST /api/v1/providers/{provider_code}/wallet/{action}/.

Thin on purpose: it reads the raw body (the signature covers its exact bytes, so it is read before any parsing),
hands the request to providers.wallet.services.wallet_callback_receive, and renders the answer.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.inbound import partner_body_read, rejection_count, rejections_check, request_source
from core.signing import SignatureError
from providers.wallet.errors import UnknownProvider
from providers.wallet.schemas import ACTIONS
from providers.wallet.services import wallet_callback_receive

REJECTION_SCOPE = "wallet"


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
                    "status": serializers.ChoiceField(choices=["ok", "not_found", "held"]),
                },
            ),
            400: OpenApiResponse(description="validation_error, currency_mismatch, bet_out_of_range (problem+json)"),
            401: OpenApiResponse(description="invalid_signature, stale_signature, replayed_request"),
            403: OpenApiResponse(description="player_blocked"),
            404: OpenApiResponse(
                description="unknown_provider, unknown_action, player_not_found, session_not_found, round_not_found"
            ),
            409: OpenApiResponse(
                description="session_closed, transaction_conflict, bet_rolled_back, transaction_rolled_back, "
                "round_rolled_back, rollback_not_allowed"
            ),
            413: OpenApiResponse(description="payload_too_large"),
            422: OpenApiResponse(description="insufficient_funds"),
            429: OpenApiResponse(description="too_many_requests: this address failed verification too often"),
        },
        tags=["provider wallet"],
    )
    def post(self, request, provider_code: str, action: str):
        source = request_source(request)
        rejections_check(scope=REJECTION_SCOPE, source=source)  # a source that keeps failing is refused first
        try:
            answer = wallet_callback_receive(
                provider_code=provider_code,
                action=action,
                method=request.method,
                path=request.path,
                headers=request.headers,
                body=partner_body_read(request),  # capped before it is read whole; the signature covers these bytes
                source_ip=source,
            )
        except (UnknownProvider, SignatureError):
            rejection_count(scope=REJECTION_SCOPE, source=source)  # probing and forging: counted per source
            raise
        return Response(answer.body)
