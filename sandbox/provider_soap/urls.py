"""URL space of the SOAP sandbox game provider (mounted at /sandbox/soap-provider/ in sandbox mode only)."""

from django.urls import path

from sandbox.provider import client
from sandbox.provider_soap.client import SOAP_STUDIO
from sandbox.provider_soap.views import provider_endpoint

urlpatterns = [
    path("", provider_endpoint, name="sandbox-soap-provider"),
    # The studio's game client (a launch URL opens it) and its endpoints, shared with the REST sandbox.
    path("game", client.launch_page, {"studio": SOAP_STUDIO}, name="sandbox-soap-game"),
    path("game/balance", client.balance, {"studio": SOAP_STUDIO}, name="sandbox-soap-game-balance"),
    path("game/spin", client.play, {"studio": SOAP_STUDIO}, name="sandbox-soap-game-spin"),
]
