"""Recording staff actions. Services that change money, limits, partners or players call `audit_record` inside
their own transaction, so the trail holds exactly the changes that committed."""

from __future__ import annotations

from django.db import models
from django.forms.models import model_to_dict

from core.audit.models import StaffAction

# Never copied into the trail: credentials and the like (the trail says they changed, not what they are).
REDACTED_FIELDS = frozenset(
    {"secret", "previous_secret", "credentials", "tls_client_cert", "tls_client_key", "webhook_secret",
     "previous_webhook_secret", "password"}
)  # fmt: skip


def audit_snapshot(instance: models.Model | None, fields: list[str] | None = None) -> dict:
    """A row's fields as JSON-friendly values, secrets replaced by whether they are set."""
    if instance is None:
        return {}
    snapshot = {}
    for name, value in model_to_dict(instance, fields=fields).items():
        if name in REDACTED_FIELDS:
            snapshot[name] = "(set)" if value else "(empty)"
        elif isinstance(value, list | tuple):
            snapshot[name] = [getattr(v, "pk", v) for v in value]
        else:
            snapshot[name] = getattr(value, "pk", value)
    return snapshot


def audit_changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that differ, from both sides."""
    names = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in names}, {k: after.get(k) for k in names}


def audit_record(
    *, actor, action: str, target=None, target_type: str = "", target_id: str = "", before=None, after=None,
    reason: str = "",
) -> StaffAction:  # fmt: skip
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    return StaffAction.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if actor is not None and hasattr(actor, "get_username") else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_repr=str(target)[:300] if target is not None else "",
        before=before or {},
        after=after or {},
        reason=reason,
    )
