"""Game-play errors with the contract's fixed codes; the API's exception handler renders them as problem+json."""

from core.errors import ApplicationError, Conflict, NotFound, ServiceUnavailable


class GameNotFound(NotFound):
    code, title = "game_not_found", "Game not found"


class SessionClosed(Conflict):
    code, title = "session_closed", "The game session is closed or expired"


class BetOutOfRange(ApplicationError):
    status, code, title = 400, "bet_out_of_range", "The bet is outside the game's limits"


class ProviderUnavailable(ServiceUnavailable):
    code, title = "provider_unavailable", "The game provider is not available"
