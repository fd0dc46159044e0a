"""URL space of the SOAP sandbox gateway (mounted at /sandbox/soap-gateway/ in sandbox mode)."""

from django.urls import path

from payments.sandbox_soap.views import gateway_view

urlpatterns = [path("", gateway_view, name="sandbox-soap-gateway")]
