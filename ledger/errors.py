"""Ledger errors; all belong to the platform's ApplicationError family so the API renders them as problem+json."""

from core.errors import Conflict, IdempotencyKeyConflict, InsufficientFunds

__all__ = ["AlreadyReversed", "HoldNotActive", "InsufficientFunds", "LedgerKeyConflict"]


class HoldNotActive(Conflict):
    code, title = "hold_not_active", "The hold was already captured, released or expired"


class AlreadyReversed(Conflict):
    code, title = "already_reversed", "The transaction was already reversed"


class LedgerKeyConflict(IdempotencyKeyConflict):
    title = "Ledger idempotency key reused for another money move"
