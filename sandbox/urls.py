"""The sandbox partners' URL spaces under /sandbox/ (mounted by casino.urls only in sandbox mode)."""

from django.urls import include, path

urlpatterns = [
    path("provider/", include("sandbox.provider.urls")),
    path("soap-provider/", include("sandbox.provider_soap.urls")),
    path("gateway/", include("sandbox.gateway.urls")),
    path("soap-gateway/", include("sandbox.gateway_soap.urls")),
]
