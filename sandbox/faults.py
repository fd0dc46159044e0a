"""The fault switchboard of a sandbox partner: faults per operation, kept in the shared cache so tests and demos
flip them at runtime, each optionally only for the next `count` calls."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Generic, TypeVar

from django.core.cache import cache

F = TypeVar("F")


class FaultSwitchboard(Generic[F]):
    """One sandbox's switch: its cache prefix, operations, modes and fault dataclass (with `operation`, `mode`,
    `count` fields). A sandbox `check`s the words of a switch before it builds the fault, then `store`s it."""

    def __init__(self, *, prefix: str, operations: tuple[str, ...], modes: tuple[str, ...], fault_type: type[F]):
        self.operations, self.modes, self.fault_type = operations, modes, fault_type
        self._key = prefix + ":fault:{operation}"
        self._remaining = prefix + ":fault:{operation}:remaining"

    def check(self, *, operation: str, mode: str, count: int | None) -> None:
        if operation not in (*self.operations, "*"):
            raise ValueError(f"operation must be one of {', '.join(self.operations)} or *")
        if mode not in self.modes:
            raise ValueError(f"mode must be one of {', '.join(self.modes)}")
        if count is not None and count < 1:
            raise ValueError("count is at least 1 (or None for every call)")

    def store(self, fault: Any) -> F:
        """Switch a checked fault on ("*" for every operation); a `count` of None means every call."""
        for op in self.operations if fault.operation == "*" else (fault.operation,):
            cache.set(self._key.format(operation=op), asdict(fault) | {"operation": op}, timeout=None)
            if fault.count is None:
                cache.delete(self._remaining.format(operation=op))
            else:
                cache.set(self._remaining.format(operation=op), fault.count, timeout=None)
        return fault

    def clear(self) -> None:
        cache.delete_many([self._key.format(operation=op) for op in self.operations])
        cache.delete_many([self._remaining.format(operation=op) for op in self.operations])

    def active(self) -> list[dict]:
        return [f for f in (cache.get(self._key.format(operation=op)) for op in self.operations) if f]

    def take(self, operation: str) -> F | None:
        """The fault for this call, consuming one of its `count` (decr is atomic in Redis)."""
        stored = cache.get(self._key.format(operation=operation))
        if not stored:
            return None
        if stored.get("count") is not None:
            try:
                remaining = cache.decr(self._remaining.format(operation=operation))
            except ValueError:  # the counter is gone: the fault is used up
                return None
            if remaining < 0:
                return None
        return self.fault_type(**stored)
