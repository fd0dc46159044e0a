"""URL space of the SOAP sandbox game provider (mounted at /sandbox/soap-provider/ in sandbox mode only)."""

from django.urls import path

from sandbox.provider_soap.views import provider_endpoint

urlpatterns = [
    path("", provider_endpoint, name="sandbox-soap-provider"),
]
