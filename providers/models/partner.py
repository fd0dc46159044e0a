"""The game provider as staff configure it in the admin: protocol, endpoint, signing keys, TLS, timeouts."""

from django.db import models

from core.crypto import EncryptedTextField

__all__ = ["Provider", "ProviderProtocol"]


class ProviderProtocol(models.TextChoices):
    REST_JSON = "rest_json", "REST/JSON"
    SOAP_XML = "soap_xml", "SOAP/XML"


class Provider(models.Model):
    code = models.SlugField(max_length=50, unique=True, help_text="Stable id used in URLs, e.g. wallet callbacks.")
    name = models.CharField(max_length=100)
    protocol = models.CharField(max_length=16, choices=ProviderProtocol.choices, default=ProviderProtocol.REST_JSON)
    adapter = models.CharField(
        max_length=50, blank=True, help_text="Adapter in the registry; empty means the protocol's generic adapter."
    )
    base_url = models.URLField(max_length=300, help_text="Where the platform calls the provider.")
    enabled = models.BooleanField(default=True)
    # HMAC keys: the provider signs its wallet callbacks with one, the platform its calls to the provider.
    # Two secrets live side by side during a rotation: `secret` is current, `previous_secret` still accepted.
    key_id = models.CharField(max_length=100, blank=True)
    secret = EncryptedTextField(blank=True)
    previous_secret = EncryptedTextField(blank=True, help_text="Still accepted on inbound calls during a rotation.")
    api_credentials = EncryptedTextField(blank=True, help_text="Vendor API credentials (JSON), stored encrypted.")
    # Mutual TLS: the client certificate and key the platform presents, and the CA that signs the provider's server.
    tls_client_cert = EncryptedTextField(blank=True, help_text="PEM client certificate for mutual TLS.")
    tls_client_key = EncryptedTextField(blank=True, help_text="PEM private key for mutual TLS.")
    tls_ca_cert = models.TextField(blank=True, help_text="PEM CA bundle to verify the provider's server certificate.")
    connect_timeout = models.FloatField(default=3.0)
    read_timeout = models.FloatField(default=10.0)
    currencies = models.JSONField(default=list, blank=True, help_text='ISO 4217 codes, e.g. ["EUR", "USD"].')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.code})"

    def secrets_for(self, key_id: str) -> list[str]:
        """Secrets valid for an inbound signature under `key_id` (current and, during rotation, previous)."""
        if not self.key_id or key_id != self.key_id:
            return []
        return [s for s in (self.secret, self.previous_secret) if s]
