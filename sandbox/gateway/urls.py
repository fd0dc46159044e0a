"""URL space of the REST sandbox gateway (mounted at /sandbox/gateway/ in sandbox mode)."""

from django.urls import path

from sandbox.gateway import views

urlpatterns = [
    path("api/payments", views.payment_create, name="sandbox-gateway-payment-create"),
    path("api/payouts", views.payout_create, name="sandbox-gateway-payout-create"),
    path("api/payments/<str:reference>", views.payment_status, name="sandbox-gateway-payment-status"),
    path(
        "api/payments/by-merchant-reference/<str:merchant_reference>",
        views.payment_by_merchant_reference,
        {"kind": "deposit"},
        name="sandbox-gateway-payment-lookup",
    ),
    path(
        "api/payouts/by-merchant-reference/<str:merchant_reference>",
        views.payment_by_merchant_reference,
        {"kind": "payout"},
        name="sandbox-gateway-payout-lookup",
    ),
    path("api/reports/settlements", views.settlement_report, name="sandbox-gateway-settlement-report"),
    path("checkout/<str:reference>", views.checkout, name="sandbox-gateway-checkout"),
    path("control/payments/<str:reference>/complete", views.control_complete, name="sandbox-gateway-complete"),
]
