"""Errors of the seamless-wallet callbacks, each with a stable `code` (problem+json through core.errors).

The contract fixes invalid_signature, stale_signature, replayed_request (core.signing), insufficient_funds
(ledger) and session_closed (providers.errors.SessionClosed, re-exported here: a bet on a closed or expired session);
the codes below are this project's additions for the other ways a callback can be refused.
"""

from core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from providers.errors import SessionClosed


class UnknownProvider(NotFound):
    code, title = "unknown_provider", "Unknown or disabled provider"


class UnknownAction(NotFound):
    code, title = "unknown_action", "Unknown wallet action"


class PlayerNotFound(NotFound):
    code, title = "player_not_found", "Player not found"


class SessionNotFound(NotFound):
    code, title = "session_not_found", "No such game session of this player at this provider"


class PlayerBlocked(ApplicationError):
    status, code, title = 403, "player_blocked", "The player's account is blocked"


class CurrencyMismatch(ApplicationError):
    status, code, title = 400, "currency_mismatch", "The currency differs from the player's wallet currency"


class TransactionConflict(Conflict):
    code, title = "transaction_conflict", "The transaction id was used before with another request"


class RoundNotFound(NotFound):
    code, title = "round_not_found", "No bet from this player in this round"


class RoundRolledBack(Conflict):
    code, title = "round_rolled_back", "Every bet of this round was rolled back"


class BetRolledBack(Conflict):
    code, title = "bet_rolled_back", "A rollback of this transaction id arrived before the bet"


class TransactionRolledBack(Conflict):
    code, title = "transaction_rolled_back", "A rollback of this transaction id arrived before the transaction"


class RollbackNotAllowed(Conflict):
    code, title = "rollback_not_allowed", "Only an unsettled bet can be rolled back"


__all__ = [
    "BetRolledBack",
    "CurrencyMismatch",
    "PlayerBlocked",
    "PlayerNotFound",
    "RollbackNotAllowed",
    "RoundNotFound",
    "RoundRolledBack",
    "SessionClosed",
    "SessionNotFound",
    "TransactionConflict",
    "TransactionRolledBack",
    "UnknownAction",
    "UnknownProvider",
    "ValidationFailed",
]
