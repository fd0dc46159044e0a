"""The payment gateway webhook receiver: known gateway, bounded body, verify with the gateway's adapter, store,
dispatch, answer fast."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import problem
from core.inbound import partner_body_read, rejection_count, rejections_check, request_source
from core.logcontext import log_context_bind
from payments.errors import UnknownGateway, WebhookInvalidSignature
from payments.services.webhooks import webhook_delivery_receive, webhook_gateway_get

REJECTION_SCOPE = "webhook"


class PaymentWebhookApi(APIView):
    # Gateways authenticate by their signature, not by a user; genuine deliveries are not throttled (a burst of
    # retries after an outage is normal). A source whose deliveries keep failing verification is (core.inbound).
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
            400: problem("invalid_signature, stale_signature, validation_error, amount_mismatch"),
            404: problem("unknown_gateway"),
            413: problem("payload_too_large: over 64 KiB"),
            429: problem("too_many_requests (Retry-After): too many failed verifications from this address"),
        },
    )
    def post(self, request, gateway_code: str):
        source = request_source(request)
        log_context_bind(partner=f"gateway:{gateway_code[:50]}")
        rejections_check(scope=REJECTION_SCOPE, source=source)
        try:
            gateway = webhook_gateway_get(gateway_code=gateway_code)
            raw_body = partner_body_read(request)  # before anything parses it: the signature covers these bytes
            delivery = webhook_delivery_receive(
                gateway=gateway, headers=request.headers, body=raw_body, source_address=source
            )
        except (UnknownGateway, WebhookInvalidSignature):
            rejection_count(scope=REJECTION_SCOPE, source=source)  # probing and forging: counted per source
            raise
        return Response({"status": delivery.outcome, "event_id": delivery.event_id})
