"""The payment gateway as staff configure it in the admin: protocol, adapter, webhook secrets, limits, and how to
reach it (endpoint, signing keys, TLS, timeouts: core.partners.PartnerConnection)."""

from decimal import Decimal

from django.db import models

from core.crypto import EncryptedTextField
from core.partners import PartnerConnection

__all__ = ["Gateway", "GatewayProtocol"]


class GatewayProtocol(models.TextChoices):
    REST_JSON = "rest_json", "REST/JSON"
    SOAP_XML = "soap_xml", "SOAP/XML"


class Gateway(PartnerConnection):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable id used in URLs, e.g. the webhook URL.")
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=16, choices=GatewayProtocol.choices, default=GatewayProtocol.REST_JSON)
    adapter = models.CharField(max_length=50, help_text="Adapter name in payments.registry, e.g. sandbox_rest.")
    enabled = models.BooleanField(default=True)
    # The gateway signs its webhooks with its own secret. Two live side by side during a rotation: `webhook_secret`
    # is current, the previous one is still accepted until staff clear it.
    webhook_secret = EncryptedTextField(blank=True)
    previous_webhook_secret = EncryptedTextField(blank=True, help_text="Still accepted during a rotation.")
    currencies = models.JSONField(default=list, blank=True, help_text='ISO 4217 codes, e.g. ["EUR", "USD"].')
    # Limits in major units, applied to every currency of the gateway; empty means no limit.
    min_amount = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True, default=Decimal("1"))
    max_amount = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def outbound_name(self) -> str:
        # Apart from a provider that happens to have the same code: its own breaker and metrics label.
        return f"gateway:{self.code}"

    def webhook_secrets(self) -> list[str]:
        """Secrets valid for an inbound webhook signature (current and, during rotation, previous)."""
        return [s for s in (self.webhook_secret, self.previous_webhook_secret) if s]
