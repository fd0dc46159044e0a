"""The game provider as staff configure it in the admin: protocol, adapter, currencies, and how to reach it
(endpoint, signing keys, TLS, timeouts: core.partners.PartnerConnection)."""

from django.db import models

from core.partners import PartnerConnection

__all__ = ["Provider", "ProviderProtocol"]


class ProviderProtocol(models.TextChoices):
    REST_JSON = "rest_json", "REST/JSON"
    SOAP_XML = "soap_xml", "SOAP/XML"


class Provider(PartnerConnection):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable id used in URLs, e.g. wallet callbacks.")
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=16, choices=ProviderProtocol.choices, default=ProviderProtocol.REST_JSON)
    adapter = models.CharField(
        max_length=50, blank=True, help_text="Adapter in the registry; empty means the protocol's generic adapter."
    )
    enabled = models.BooleanField(default=True)
    currencies = models.JSONField(default=list, blank=True, help_text='ISO 4217 codes, e.g. ["EUR", "USD"].')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"
