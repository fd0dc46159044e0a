"""Payment gateway webhooks under /webhooks/payments/<gateway_code>/."""

from django.urls import path

from payments.webhook_apis import PaymentWebhookApi

urlpatterns = [
    path("<str:gateway_code>/", PaymentWebhookApi.as_view(), name="payments-webhook"),
]
