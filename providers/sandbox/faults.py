"""Switchable faults of the sandbox provider, kept in the shared cache so tests and demos flip them at runtime.

A fault applies to one operation (session, play, status, ack, games; "*" for all) and optionally only to the next
`count` calls. Modes: latency (answer late), error (answer 5xx, do nothing), timeout (do the work, then answer only
after `delay`, past the platform's read timeout), drop (close the connection without answering, do nothing),
win (play: force a win of `multiplier` times the stake, for demos and tests of payouts), garbage (answer 200 with a
body that breaks the vendor's own schema, do nothing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.cache import cache

OPERATIONS = ("session", "play", "status", "ack", "games")
MODES = ("latency", "error", "timeout", "drop", "win", "garbage")
_KEY = "sandbox:provider:fault:{operation}"
_REMAINING = "sandbox:provider:fault:{operation}:remaining"


@dataclass(frozen=True)
class Fault:
    operation: str
    mode: str
    delay: float = 0.0
    status: int = 503
    count: int | None = None
    multiplier: int = 10


def fault_set(
    *,
    operation: str,
    mode: str,
    delay: float = 0.0,
    status: int = 503,
    count: int | None = None,
    multiplier: int = 10,
) -> Fault:
    if operation not in (*OPERATIONS, "*"):
        raise ValueError(f"operation must be one of {', '.join(OPERATIONS)} or *")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if count is not None and count < 1:
        raise ValueError("count is at least 1 (or None for every call)")
    fault = Fault(operation=operation, mode=mode, delay=float(delay), status=int(status), count=count,
                  multiplier=int(multiplier))  # fmt: skip
    for op in OPERATIONS if operation == "*" else (operation,):
        cache.set(_KEY.format(operation=op), asdict(fault) | {"operation": op}, timeout=None)
        if count is None:
            cache.delete(_REMAINING.format(operation=op))
        else:
            cache.set(_REMAINING.format(operation=op), count, timeout=None)
    return fault


def faults_clear() -> None:
    cache.delete_many([_KEY.format(operation=op) for op in OPERATIONS])
    cache.delete_many([_REMAINING.format(operation=op) for op in OPERATIONS])


def faults_active() -> list[dict]:
    return [f for f in (cache.get(_KEY.format(operation=op)) for op in OPERATIONS) if f]


def fault_take(operation: str) -> Fault | None:
    """The fault for this call, consuming one of its `count` (decr is atomic in Redis)."""
    stored = cache.get(_KEY.format(operation=operation))
    if not stored:
        return None
    if stored.get("count") is not None:
        try:
            remaining = cache.decr(_REMAINING.format(operation=operation))
        except ValueError:  # the counter is gone: the fault is used up
            return None
        if remaining < 0:
            return None
    return Fault(**stored)
