"""How the platform reaches a partner (a game provider or a payment gateway), as staff configure it on its row:
endpoint, timeouts, credentials, mutual TLS and signing-key rotation; the row builds its own outbound clients.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from django.db import models

from core.crypto import EncryptedTextField
from core.outbound import OutboundClient
from core.soap import SoapHmacAuth, soap_service
from core.tls import TlsMaterial

__all__ = ["PartnerConnection"]

# Building a zeep client parses the WSDL and XSD: one per partner row and bundle, rebuilt when the row's connection
# settings change (a queryset .update() of a certificate or secret does not bump updated_at, so the settings
# themselves are compared, by hash).
_soap_lock = threading.Lock()
_soap_services: dict[tuple, tuple[str, object]] = {}


class PartnerConnection(models.Model):
    """The connection part shared by Provider and Gateway. A concrete model has a `code`."""

    base_url = models.URLField(
        max_length=300, help_text="Where the platform calls the partner (REST base URL or SOAP endpoint)."
    )
    connect_timeout = models.FloatField(default=3.0)
    read_timeout = models.FloatField(default=10.0)
    # HMAC keys the platform signs its calls to the partner with (and a provider its wallet callbacks). Two secrets
    # live side by side during a rotation: `secret` is current, `previous_secret` still accepted on inbound calls.
    key_id = models.CharField(max_length=100, blank=True)
    secret = EncryptedTextField(blank=True)
    previous_secret = EncryptedTextField(blank=True, help_text="Still accepted on inbound calls during a rotation.")
    credentials = EncryptedTextField(blank=True, help_text="Other vendor credentials (JSON), stored encrypted.")
    # Mutual TLS: the client certificate and key the platform presents, and the CA that signs the partner's server.
    tls_client_cert = EncryptedTextField(blank=True, help_text="PEM client certificate for mutual TLS.")
    tls_client_key = EncryptedTextField(blank=True, help_text="PEM private key for mutual TLS.")
    tls_ca_cert = models.TextField(blank=True, help_text="PEM CA bundle to verify the partner's server certificate.")

    class Meta:
        abstract = True

    @property
    def outbound_name(self) -> str:
        """The partner's label in metrics and the key of its circuit breaker."""
        return self.code

    def secrets_for(self, key_id: str) -> list[str]:
        """Secrets valid for an inbound signature under `key_id` (current and, during rotation, previous)."""
        if not self.key_id or key_id != self.key_id:
            return []
        return [s for s in (self.secret, self.previous_secret) if s]

    def tls_material(self) -> TlsMaterial:
        """The mutual-TLS material configured on this row (empty fields: none)."""
        return TlsMaterial(self.tls_client_cert or "", self.tls_client_key or "", self.tls_ca_cert or "")

    def outbound_client(self) -> OutboundClient:
        """A signed JSON client for this partner with its timeouts and mutual TLS (SOAP adapters use only its
        breaker and histogram, through `core.soap.soap_call`)."""
        return OutboundClient(
            name=self.outbound_name,
            base_url=self.base_url,
            key_id=self.key_id,
            secret=self.secret,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            **self.tls_material().requests_options(),
        )

    def soap_service(self, *, wsdl_path: str | Path, xsd_path: str | Path, signed: bool = False):
        """A zeep service bound to this partner's endpoint with its timeouts and mutual TLS; `signed` adds the
        contract's HMAC headers over each envelope (when a key id and secret are set)."""
        fingerprint = self._connection_fingerprint()
        slot = (self._meta.label, self.pk, str(wsdl_path), str(xsd_path), signed)
        with _soap_lock:
            cached = _soap_services.get(slot)
            if cached is None or cached[0] != fingerprint:
                service = soap_service(
                    wsdl_path=wsdl_path,
                    xsd_path=xsd_path,
                    endpoint=self.base_url,
                    tls=self.tls_material(),
                    connect_timeout=self.connect_timeout,
                    read_timeout=self.read_timeout,
                    auth=SoapHmacAuth(self.key_id, self.secret) if signed and self.key_id and self.secret else None,
                )
                cached = _soap_services[slot] = (fingerprint, service)
            return cached[1]

    def _connection_fingerprint(self) -> str:
        # A hash, not the secrets themselves, over every field a client is built from.
        material = "\0".join(
            str(value or "")
            for value in (
                self.base_url,
                self.key_id,
                self.secret,
                self.tls_client_cert,
                self.tls_client_key,
                self.tls_ca_cert,
                self.connect_timeout,
                self.read_timeout,
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()
