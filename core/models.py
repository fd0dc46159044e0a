"""The kernel's tables: the stored results of idempotent API requests (the Idempotency-Key contract), and each
partner's circuit-breaker policy."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of one caller: the request's fingerprint and, once done, the response to replay."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    scope = models.CharField(max_length=100, help_text="the caller, e.g. user:<id>")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")]

    def __str__(self):
        return f"{self.scope} {self.key}"


def _default_fail_max():
    return settings.CIRCUIT_FAIL_MAX


def _default_reset_timeout():
    return settings.CIRCUIT_RESET_SECONDS


def _default_half_open_probes():
    return settings.CIRCUIT_HALF_OPEN_PROBES


class CircuitBreakerPolicy(models.Model):
    """How one partner's circuit breaker behaves; partners without a row use the CIRCUIT_* settings.

    Keyed by the partner's name as its outbound client knows it (a provider's code, `gateway:<code>` for a gateway),
    so the kernel needs no import of the apps that own the partner rows."""

    partner = models.CharField(
        max_length=100, unique=True, help_text="A provider's code, or gateway:<code> for a payment gateway."
    )
    fail_max = models.PositiveSmallIntegerField(
        default=_default_fail_max,
        validators=[MinValueValidator(1)],
        help_text="Consecutive failed calls that open the circuit.",
    )
    reset_timeout = models.PositiveIntegerField(
        default=_default_reset_timeout,
        validators=[MinValueValidator(1)],
        help_text="Seconds an open circuit fails calls at once before it lets probes through.",
    )
    half_open_probes = models.PositiveSmallIntegerField(
        default=_default_half_open_probes,
        validators=[MinValueValidator(1)],
        help_text="Trial calls let through when half-open; that many successes close the circuit.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "circuit breaker"

    def __str__(self):
        return self.partner
