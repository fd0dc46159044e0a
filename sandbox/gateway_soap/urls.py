"""URL space of the SOAP sandbox gateway (mounted at /sandbox/soap-gateway/ in sandbox mode)."""

from django.urls import path

from sandbox.gateway_soap.views import gateway_view

urlpatterns = [path("", gateway_view, name="sandbox-soap-gateway")]
