"""Celery tasks of the sandbox partners (autodiscovered from here)."""

from sandbox.gateway.tasks import sandbox_webhook_send

__all__ = ["sandbox_webhook_send"]
