"""Outbox rows: one message per call owed to a partner, and one attempt row per try at delivering it."""

from django.db import models

__all__ = ["OutboxAttempt", "OutboxMessage", "OutboxStatus"]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its next attempt (next_attempt_at)
    IN_FLIGHT = "in_flight", "In flight"  # a worker holds it until lease_until (a crashed worker's lease lapses)
    DELIVERED = "delivered", "Delivered"
    REFUSED = "refused", "Refused by the partner"  # a definite refusal (4xx): never retried by itself
    DEAD = "dead", "Dead letter"  # the last try failed; staff retry or cancel it
    CANCELLED = "cancelled", "Cancelled"  # by staff, or by the platform when it is no longer needed

    @classmethod
    def open(cls) -> tuple[str, str]:
        return (cls.PENDING, cls.IN_FLIGHT)


class OutboxMessage(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=100, db_index=True, help_text="The handler that delivers it, e.g. round_ack.")
    key = models.CharField(max_length=255, help_text="At most one open message per key (an intent is not doubled).")
    partner = models.CharField(max_length=100, blank=True, db_index=True, help_text="Who is called (breaker label).")
    subject = models.CharField(max_length=255, blank=True, db_index=True, help_text="What it is about: round:<id>.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Tries since it was enqueued (or retried by staff).")
    max_attempts = models.PositiveIntegerField()
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbound delivery"
        verbose_name_plural = "outbound deliveries"
        permissions = [("operate_outboxmessage", "Can retry or cancel outbound deliveries")]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=["pending", "in_flight"]),
                name="outbox_one_open_message_per_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self):
        return f"{self.kind} {self.subject or self.key} ({self.status})"


class OutboxAttempt(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", "Running (or the worker died)"
        OK = "ok", "Delivered"
        RETRY = "retry", "Failed, retried later"
        REFUSED = "refused", "Refused by the partner"
        DEAD = "dead", "Failed, no tries left"

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"attempt {self.number} of {self.message_id} ({self.outcome})"
