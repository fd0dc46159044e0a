"""Payments API for players under /api/v1/payments."""

from django.urls import path

from payments import apis

urlpatterns = [
    path("gateways", apis.GatewayListApi.as_view(), name="payments-gateways"),
    path("deposits", apis.DepositCreateApi.as_view(), name="payments-deposit-create"),
    path("withdrawals", apis.WithdrawalCreateApi.as_view(), name="payments-withdrawal-create"),
    path("<uuid:payment_id>", apis.PaymentDetailApi.as_view(), name="payments-detail"),
]
