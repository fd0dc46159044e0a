"""Payments API for players (thin views: parse, call a service or selector, render)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import DecimalStringField
from core.errors import NotFound
from core.geo import GeoAllowed
from core.idempotency import idempotent
from core.logcontext import log_context_bind
from core.money import to_major
from payments.selectors import gateways_enabled, payment_for_player
from payments.services.orders import deposit_create, withdrawal_create

_PROBLEM = OpenApiResponse(description="application/problem+json with a stable `code`")
_IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True, description="1..255 characters"
)


class PaymentOrderInputSerializer(serializers.Serializer):
    gateway = serializers.CharField(max_length=50)
    amount = DecimalStringField(max_length=32, help_text='Decimal string in major units, e.g. "12.50".')
    currency = serializers.CharField(min_length=3, max_length=3)


class GatewayListApi(APIView):
    @extend_schema_serializer(component_name="PaymentGateway")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        currencies = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="payments_gateways_list",
        responses={200: inline_serializer("GatewayList", {"results": OutputSerializer(many=True)}), 401: _PROBLEM},
    )
    def get(self, request):
        return Response({"results": self.OutputSerializer(gateways_enabled(), many=True).data})


def _payment_order_place(request, *, create):
    """A deposit and a withdrawal take the same order (gateway, amount, currency); `create` is the service."""
    order = PaymentOrderInputSerializer(data=request.data)
    order.is_valid(raise_exception=True)
    log_context_bind(partner=f"gateway:{order.validated_data['gateway']}")
    return create(
        user=request.user,
        gateway_code=order.validated_data["gateway"],
        amount=order.validated_data["amount"],
        currency=order.validated_data["currency"],
    )


class DepositCreateApi(APIView):
    permission_classes = [IsAuthenticated, GeoAllowed]

    @extend_schema_serializer(component_name="DepositCreated")
    class OutputSerializer(serializers.Serializer):
        payment_id = serializers.UUIDField(source="id")
        status = serializers.CharField(source="public_status")
        gateway_reference = serializers.CharField()
        redirect_url = serializers.CharField()

    @extend_schema(
        operation_id="payments_deposit_create",
        parameters=[_IDEMPOTENCY_KEY],
        request=PaymentOrderInputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(description="validation_error (problem+json)"),
            403: OpenApiResponse(description="country_blocked (problem+json)"),
            409: OpenApiResponse(description="idempotency_key_conflict (problem+json)"),
            422: OpenApiResponse(description="payment_declined: the gateway refused the order (problem+json)"),
            503: OpenApiResponse(description="gateway_unavailable (problem+json, Retry-After)"),
        },
    )
    @idempotent()
    def post(self, request):
        payment = _payment_order_place(request, create=deposit_create)
        return Response(self.OutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class WithdrawalCreateApi(APIView):
    permission_classes = [IsAuthenticated, GeoAllowed]

    @extend_schema_serializer(component_name="WithdrawalCreated")
    class OutputSerializer(serializers.Serializer):
        payment_id = serializers.UUIDField(source="id")
        status = serializers.CharField(source="public_status")

    @extend_schema(
        operation_id="payments_withdrawal_create",
        parameters=[_IDEMPOTENCY_KEY],
        request=PaymentOrderInputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(description="validation_error (problem+json)"),
            403: OpenApiResponse(description="kyc_required, country_blocked (problem+json)"),
            409: OpenApiResponse(description="idempotency_key_conflict (problem+json)"),
            422: OpenApiResponse(description="insufficient_funds (problem+json)"),
        },
    )
    @idempotent()
    def post(self, request):
        payment = _payment_order_place(request, create=withdrawal_create)
        return Response(self.OutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentDetailApi(APIView):
    @extend_schema_serializer(component_name="PaymentDetail")
    class OutputSerializer(serializers.Serializer):
        payment_id = serializers.UUIDField(source="id")
        kind = serializers.CharField()
        status = serializers.CharField(source="public_status")
        amount = serializers.SerializerMethodField()
        currency = serializers.CharField()

        def get_amount(self, payment) -> str:
            return to_major(payment.amount, payment.currency)

    @extend_schema(operation_id="payments_detail", responses={200: OutputSerializer, 404: _PROBLEM})
    def get(self, request, payment_id):
        payment = payment_for_player(user=request.user, payment_id=payment_id)
        if payment is None:
            raise NotFound("No such payment.")
        return Response(self.OutputSerializer(payment).data)
