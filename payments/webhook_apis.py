"""The payment gateway webhook receiver: store raw, verify with the gateway's adapter, dispatch, answer fast."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.logcontext import log_context_bind
from payments.services.webhooks import webhook_delivery_process, webhook_delivery_record


class PaymentWebhookApi(APIView):
    # Gateways authenticate by their signature, not by a user; they are not throttled per address here (a burst
    # of retries after an outage is normal), rate limits belong to the edge proxy.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="payments_webhook",
        request={"application/json": {"type": "object"}},
        responses={
            200: inline_serializer(
                "WebhookAnswer", {"status": serializers.CharField(), "event_id": serializers.CharField()}
            ),
            400: OpenApiResponse(
                description="invalid_signature, stale_signature, validation_error, amount_mismatch (problem+json)"
            ),
            404: OpenApiResponse(description="unknown_gateway (problem+json)"),
        },
    )
    def post(self, request, gateway_code: str):
        raw_body = request.body  # read before anything parses it: the signature covers these exact bytes
        log_context_bind(partner=f"gateway:{gateway_code[:50]}")
        delivery = webhook_delivery_record(
            gateway_code=gateway_code,
            headers=dict(request.headers),
            body=raw_body,
            source_address=request.META.get("REMOTE_ADDR"),
        )
        delivery = webhook_delivery_process(delivery_id=delivery.pk, raw_body=raw_body)
        return Response({"status": delivery.outcome, "event_id": delivery.event_id})
