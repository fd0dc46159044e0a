"""What every log line says about the work in hand, set once where it becomes known and read by one logging filter:
the request id (core.middleware), the player, the provider or gateway, the round or payment, the Celery task.

Kept in contextvars, so a web request, a Celery task and an eager task inside a request each see their own, and
with LOG_FORMAT=json each becomes a field of the line (`player_id`, `partner`, `round_id`, `payment_id`, ...).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# The fields a line may carry besides the request id; anything else passed to log_context_bind is refused, so a
# secret or a message body cannot slip into every line by accident.
FIELDS = frozenset({"player_id", "partner", "round_id", "payment_id", "transaction_id", "task", "task_id"})

_fields: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("log_fields", default={})  # noqa: B039


def current_request_id() -> str:
    return request_id_var.get()


def request_id_set(request_id: str) -> contextvars.Token:
    return request_id_var.set(request_id)


def log_context_bind(**fields) -> contextvars.Token:
    """Add fields to the current context's log lines (a token for `log_context_reset`)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValueError(f"not a log context field: {', '.join(sorted(unknown))}")
    merged = {**_fields.get(), **{k: str(v) for k, v in fields.items() if v is not None and v != ""}}
    return _fields.set(merged)


def log_context_reset(token: contextvars.Token | None = None) -> None:
    """Back to the fields before `token`, or to none (a new request on a reused thread)."""
    if token is None:
        _fields.set({})
    else:
        _fields.reset(token)


@contextmanager
def log_context(**fields) -> Iterator[None]:
    token = log_context_bind(**fields)
    try:
        yield
    finally:
        log_context_reset(token)


def log_fields() -> dict[str, str]:
    return dict(_fields.get())


class LogContextFilter(logging.Filter):
    """Puts the request id and the bound fields on every record (a field given in `extra=` wins)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        for name, value in _fields.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
