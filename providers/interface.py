"""The one interface every game provider adapter implements, and the platform's own small value types.

Amounts are integers of minor units with an ISO 4217 currency; whatever a vendor uses on the wire (decimal strings,
cents, its own field names) is translated by its adapter. Adapters translate and sign; they never touch the ledger.
Errors: `core.outbound.PartnerUnavailable` (did not happen, retry), `PartnerTimeout` (outcome unknown),
`PartnerRejected` (4xx, do not retry), and `ProviderPayloadInvalid` below (an answer that fails validation).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.outbound import PartnerPayloadInvalid, PartnerRejected


class ProviderPayloadInvalid(PartnerPayloadInvalid):
    """A message to or from the provider failed its schema: nothing in it can be believed (a definite failure)."""


class ProviderSessionInvalid(PartnerRejected):
    """The provider no longer knows the game session (expired or closed on its side): the player must open a new one."""


@dataclass(frozen=True)
class GameInfo:
    code: str
    name: str
    category: str
    currency: str
    min_bet: int
    max_bet: int
    enabled: bool = True


@dataclass(frozen=True)
class SessionOpenRequest:
    session_id: str  # the platform's GameSession id
    player_ref: str  # an opaque player id (never the username)
    game_code: str
    currency: str


@dataclass(frozen=True)
class SessionOpened:
    provider_session_id: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PlayRequest:
    round_id: str  # the platform's Round id: the provider's idempotency key for the play
    provider_session_id: str
    player_ref: str
    game_code: str
    currency: str
    bet: int


@dataclass(frozen=True)
class PlayResult:
    round_id: str
    provider_round_id: str
    currency: str
    bet: int
    payout: int
    result_data: dict[str, Any] = field(default_factory=dict)


class SessionMode:
    REAL = "real"  # the player's money, through the seamless wallet and spins
    DEMO = "demo"  # the provider's play money: never reaches the player's wallet


@dataclass(frozen=True)
class LaunchRequest:
    """What a provider's game client needs to start: the session it plays in and where to send the player back."""

    session_id: str  # the platform's GameSession id
    provider_session_id: str
    player_ref: str
    game_code: str
    currency: str
    mode: str  # one of SessionMode
    language: str  # ISO 639-1, e.g. "en"
    lobby_url: str  # where the game's "back to lobby" goes
    deposit_url: str  # where the game's "deposit" goes (the operator's cashier)
    expires_at: datetime  # the launch token is refused after this (the session's own expiry)


class ProviderRoundState:
    SETTLED = "settled"  # the provider played it: payout and result are final
    PENDING = "pending"  # the provider is still working on it: ask again later
    NOT_FOUND = "not_found"  # the provider never played it (or voided it): no money moves


@dataclass(frozen=True)
class RoundState:
    round_id: str
    state: str  # one of ProviderRoundState
    provider_round_id: str = ""
    payout: int | None = None
    result_data: dict[str, Any] = field(default_factory=dict)
    bet: int | None = None  # the stake the provider says was played, when its answer carries one


class ReportsUnsupported(PartnerRejected):
    """The provider publishes no settlement report this adapter can read."""


@dataclass(frozen=True)
class SettlementLine:
    """One line of a provider's settlement report, translated: a round it played, or a seamless-wallet move."""

    kind: str  # "round" or "wallet"
    reference: str  # the platform's round id (rounds) or the provider's transaction id (wallet moves)
    currency: str
    amount: int  # a round's bet; a wallet move's amount
    payout: int = 0  # a round's payout
    action: str = ""  # wallet moves: bet, win, rollback
    state: str = ""  # rounds: settled; wallet moves: completed or rolled_back
    round_ref: str = ""


@dataclass(frozen=True)
class SettlementReport:
    lines: list[SettlementLine]
    next_cursor: str = ""  # empty: the last page


class ProviderAdapter(ABC):
    """Built by `providers.registry.adapter_for(provider)` from the Provider row staff edit."""

    def __init__(self, provider):
        self.provider = provider

    @abstractmethod
    def open_session(self, request: SessionOpenRequest) -> SessionOpened: ...

    @abstractmethod
    def launch_url(self, request: LaunchRequest) -> str:
        """The URL of the provider's game client for one session (opened in an iframe or by a redirect), in the
        vendor's dialect: usually a signed launch token, the language, return URLs and real or demo mode."""

    @abstractmethod
    def play_round(self, request: PlayRequest) -> PlayResult: ...

    @abstractmethod
    def round_status(self, *, round_id: str, currency: str) -> RoundState: ...

    @abstractmethod
    def acknowledge_round(self, *, round_id: str) -> None: ...

    @abstractmethod
    def list_games(self) -> list[GameInfo]: ...

    def settlement_report(self, *, day: date | None, cursor: str = "") -> SettlementReport:
        """One page of the provider's settlement report for a UTC day (every day when None), after `cursor`."""
        raise ReportsUnsupported(f"provider {self.provider.code}: no settlement report in this adapter")
