"""Switchable faults of the SOAP sandbox provider, kept in the shared cache so tests and demos flip them at runtime.

Per operation (session, play, status, ack, games; "*" for all), optionally only for the next `count` calls:
client_fault / server_fault (a SOAP fault with that code, nothing done), unavailable (HTTP 503, nothing done),
slow (do the work, then answer after `delay` seconds), invalid (do the work, answer a body that breaks the XSD).
Besides the switch, a PlayRound with the stake FAULT_STAKE is always refused with a Client fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.cache import cache

OPERATIONS = ("session", "play", "status", "ack", "games")
MODES = ("client_fault", "server_fault", "unavailable", "slow", "invalid")
FAULT_STAKE = "13.13"
_KEY = "sandbox:soap-provider:fault:{operation}"
_REMAINING = "sandbox:soap-provider:fault:{operation}:remaining"


@dataclass(frozen=True)
class SoapSandboxFault:
    operation: str
    mode: str
    delay: float = 0.0
    count: int | None = None


def soap_fault_set(*, operation: str, mode: str, delay: float = 0.0, count: int | None = None) -> SoapSandboxFault:
    if operation not in (*OPERATIONS, "*"):
        raise ValueError(f"operation must be one of {', '.join(OPERATIONS)} or *")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if count is not None and count < 1:
        raise ValueError("count is at least 1 (or None for every call)")
    fault = SoapSandboxFault(operation=operation, mode=mode, delay=float(delay), count=count)
    for op in OPERATIONS if operation == "*" else (operation,):
        cache.set(_KEY.format(operation=op), asdict(fault) | {"operation": op}, timeout=None)
        if count is None:
            cache.delete(_REMAINING.format(operation=op))
        else:
            cache.set(_REMAINING.format(operation=op), count, timeout=None)
    return fault


def soap_faults_clear() -> None:
    cache.delete_many([_KEY.format(operation=op) for op in OPERATIONS])
    cache.delete_many([_REMAINING.format(operation=op) for op in OPERATIONS])


def soap_fault_take(operation: str) -> SoapSandboxFault | None:
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
    return SoapSandboxFault(**stored)
