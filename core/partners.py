"""How the platform reaches a partner (a game provider or a payment gateway), as staff configure it on its row:
endpoint, timeouts, credentials, mutual TLS and signing-key rotation; the row builds its own outbound clients. And
the rows themselves, kept in process with their keys decrypted (`partner_cached`), until staff change one.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction

from core.crypto import EncryptedTextField
from core.outbound import OutboundClient
from core.shards import catalogue_changed
from core.soap import SoapHmacAuth, soap_service
from core.tls import TlsMaterial

__all__ = ["PartnerConnection", "partner_cache_clear", "partner_cached", "partner_changed"]

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


# ---------------------------------------------------------------------------------------------------- the row cache
#
# Every wallet callback, spin and deposit needs its partner's row, and loading one decrypts its keys (a Fernet
# token per encrypted field): so each process keeps the rows it has loaded, by code and by id. Staff change a row
# through the admin, which saves it: the post_save and post_delete signals (connected in core.apps for every
# PartnerConnection model) drop this process's copies at once and write a new version token for the model into the
# shared cache (Redis in production). Every other process compares its token with the shared one at most once per
# PARTNER_CACHE_CHECK_SECONDS, so a change reaches every process within that bound (1 s by default) plus the time
# of the commit. A change made without a save (a queryset update(), raw SQL) is seen only when the token changes
# for another reason or the cache is cleared (`partner_cache_clear`).


class _PartnerRows:
    """One model's rows in this process: by code and by primary key, valid under one shared version token."""

    def __init__(self, model: type[PartnerConnection]):
        self.model = model
        self.version_key = f"partners:{model._meta.label_lower}:version"
        self.lock = threading.Lock()
        self.by_code: dict[str, PartnerConnection] = {}
        self.by_pk: dict[object, PartnerConnection] = {}
        self.version: object = None
        self.checked_at = float("-inf")
        # Bumped by every drop: a load that began before a drop must not store what it read.
        self.generation = 0

    def drop(self) -> None:
        with self.lock:
            self.by_code, self.by_pk = {}, {}
            self.generation += 1

    def _check_version(self) -> None:
        """Drop the rows if another process changed one (looked at once per check interval)."""
        now = time.monotonic()
        if now - self.checked_at < settings.PARTNER_CACHE_CHECK_SECONDS:
            return
        version = cache.get(self.version_key)
        with self.lock:
            self.checked_at = now
            if version != self.version:
                self.version = version
                self.by_code, self.by_pk = {}, {}
                self.generation += 1

    def get(self, *, code: str | None, pk) -> PartnerConnection | None:
        self._check_version()
        row = self.by_code.get(code) if code is not None else self.by_pk.get(pk)
        if row is not None:
            return row
        generation = self.generation
        lookup = {"code": code} if code is not None else {"pk": pk}
        row = self.model._default_manager.filter(**lookup).first()
        if row is not None:
            with self.lock:
                if generation == self.generation:
                    self.by_code[row.code] = self.by_pk[row.pk] = row
        return row


_partner_rows: dict[type, _PartnerRows] = {}
_partner_rows_lock = threading.Lock()


def _rows_of(model: type[PartnerConnection]) -> _PartnerRows:
    rows = _partner_rows.get(model)
    if rows is None:
        with _partner_rows_lock:
            rows = _partner_rows.setdefault(model, _PartnerRows(model))
    return rows


def partner_cached(model: type[PartnerConnection], *, code: str | None = None, pk=None) -> PartnerConnection | None:
    """The partner row with this code (or primary key), enabled or not, from this process's copy when it has one;
    None when there is no such row (a miss is not remembered: unknown codes come from URLs anyone can send).

    The row is shared by every thread of the process: read it, never change or save it."""
    if (code is None) == (pk is None):
        raise TypeError("name a partner by code or by pk")
    return _rows_of(model).get(code=code, pk=pk)


def partner_changed(model: type[PartnerConnection]) -> None:
    """A row of `model` was saved or deleted: drop this process's copies now and tell the other processes through
    the shared version token, now and again once the change commits (a process that reloaded the row in between
    read it as it was before the commit)."""
    rows = _rows_of(model)
    catalogue_changed()  # in a jurisdiction cell: copy the write into this cell's replica first (core.shards)

    def announce() -> None:
        rows.drop()
        cache.set(rows.version_key, uuid.uuid4().hex, timeout=None)

    announce()
    transaction.on_commit(announce)


def partner_cache_clear() -> None:
    """Forget every cached partner row of this process (tests, and after changes made without a save)."""
    for rows in list(_partner_rows.values()):
        rows.drop()
        rows.checked_at = float("-inf")
