"""The payment gateway as staff configure it in the admin: protocol, adapter, endpoint, secrets, TLS, limits."""

from decimal import Decimal

from django.db import models

from core.crypto import EncryptedTextField

__all__ = ["Gateway", "GatewayProtocol"]


class GatewayProtocol(models.TextChoices):
    REST_JSON = "rest_json", "REST/JSON"
    SOAP_XML = "soap_xml", "SOAP/XML"


class Gateway(models.Model):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable id used in URLs, e.g. the webhook URL.")
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=16, choices=GatewayProtocol.choices, default=GatewayProtocol.REST_JSON)
    adapter = models.CharField(max_length=50, help_text="Adapter name in payments.registry, e.g. sandbox_rest.")
    base_url = models.URLField(max_length=300, help_text="REST base URL, or the SOAP endpoint.")
    enabled = models.BooleanField(default=True)
    # Credentials the platform signs its calls to the gateway with; vendor-specific extras as encrypted JSON.
    api_key_id = models.CharField(max_length=100, blank=True)
    api_secret = EncryptedTextField(blank=True)
    credentials = EncryptedTextField(blank=True, help_text="Other vendor credentials (JSON), stored encrypted.")
    # Two webhook secrets live side by side during a rotation: `webhook_secret` is current, the previous one is
    # still accepted until staff clear it.
    webhook_secret = EncryptedTextField(blank=True)
    previous_webhook_secret = EncryptedTextField(blank=True, help_text="Still accepted during a rotation.")
    # Mutual TLS: the client certificate and key the platform presents, the CA that signs the gateway's server.
    tls_client_cert = EncryptedTextField(blank=True, help_text="PEM client certificate for mutual TLS.")
    tls_client_key = EncryptedTextField(blank=True, help_text="PEM private key for mutual TLS.")
    tls_ca_cert = models.TextField(blank=True, help_text="PEM CA bundle to verify the gateway's server certificate.")
    currencies = models.JSONField(default=list, blank=True, help_text='ISO 4217 codes, e.g. ["EUR", "USD"].')
    # Limits in major units, applied to every currency of the gateway; empty means no limit.
    min_amount = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True, default=Decimal("1"))
    max_amount = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    connect_timeout = models.FloatField(default=3.0)
    read_timeout = models.FloatField(default=10.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"

    def webhook_secrets(self) -> list[str]:
        """Secrets valid for an inbound webhook signature (current and, during rotation, previous)."""
        return [s for s in (self.webhook_secret, self.previous_webhook_secret) if s]
