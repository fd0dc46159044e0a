"""SOAP/XML game provider adapter: zeep over the bundled WSDL/XSD (wsdl/), every message validated against the XSD
both ways, mutual TLS from the Provider row, the contract's HMAC headers on every call, and the platform's
breaker, metrics and error classes through core.soap.soap_call.

Errors: a SOAP fault with a Client code is PartnerRejected, a Server fault or HTTP 5xx or a TLS/connection failure
PartnerUnavailable, a read timeout PartnerTimeout; a message that fails the XSD or the adapter's own checks (another
round, currency or stake than asked) is ProviderPayloadInvalid and is never believed. A Client fault whose string
starts with INVALID_SESSION (the vendor's code for a session it no longer knows) is ProviderSessionInvalid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from django.utils import timezone

from core.money import MoneyError, to_major, to_minor
from core.outbound import PartnerRejected
from core.signing import token_sign
from core.soap import SchemaViolation, soap_call
from providers.interface import (
    GameInfo,
    LaunchRequest,
    PlayRequest,
    PlayResult,
    ProviderAdapter,
    ProviderPayloadInvalid,
    ProviderRoundState,
    ProviderSessionInvalid,
    RoundState,
    SessionMode,
    SessionOpened,
    SessionOpenRequest,
    SettlementLine,
    SettlementReport,
)

WSDL_DIR = Path(__file__).resolve().parent / "wsdl"
WSDL_PATH = WSDL_DIR / "provider.wsdl"
XSD_PATH = WSDL_DIR / "provider.xsd"

_CATEGORIES = {"SLOT": "slots", "TABLE": "table", "LIVE": "live", "OTHER": "other"}
INVALID_SESSION = "INVALID_SESSION"
_STATES = {
    "SETTLED": ProviderRoundState.SETTLED,
    "PENDING": ProviderRoundState.PENDING,
    "UNKNOWN": ProviderRoundState.NOT_FOUND,
}


def _minor(value, currency: str, *, field: str) -> int:
    try:
        return to_minor(value if isinstance(value, Decimal) else Decimal(str(value)), currency, allow_zero=True)
    except (MoneyError, ArithmeticError, ValueError) as exc:
        raise ProviderPayloadInvalid(f"{field}: {exc}") from None


def _outcome(outcome) -> dict:
    return {"symbols": list(outcome.Symbol), "multiplier": int(outcome.Multiplier)}


# --------------------------------------------------------------------------------------- translation (pure)


def launch_url_for(request: LaunchRequest, *, base_url: str, key_id: str, secret: str) -> str:
    """The vendor's game client: `game?ticket=<signed claims>&language=<ISO 639-1>&demo=0|1` beside its SOAP
    endpoint; the return URLs ride inside the signed ticket."""
    demo = request.mode == SessionMode.DEMO
    claims = {
        "KeyId": key_id,
        "SessionToken": request.provider_session_id,
        "PlayerRef": request.player_ref,
        "GameCode": request.game_code,
        "Currency": request.currency,
        "Demo": demo,
        "ReturnUrl": request.lobby_url,
        "DepositUrl": request.deposit_url,
        "exp": int(request.expires_at.timestamp()),
    }
    ticket = token_sign(claims=claims, secret=secret)
    query = urlencode({"ticket": ticket, "language": request.language, "demo": int(demo)})
    return f"{base_url.rstrip('/')}/game?{query}"


def play_result_from(answer, request: PlayRequest) -> PlayResult:
    # The answer must be about this round, in this currency, for this stake: anything else is not believed.
    if answer.RoundRef != request.round_id or answer.Currency != request.currency:
        raise ProviderPayloadInvalid("PlayRound answer names another round or currency")
    stake = _minor(answer.Stake, request.currency, field="Stake")
    if stake != request.bet:
        raise ProviderPayloadInvalid(f"PlayRound answer stake {stake} differs from the bet {request.bet}")
    return PlayResult(
        round_id=request.round_id,
        provider_round_id=answer.VendorRoundId,
        currency=request.currency,
        bet=stake,
        payout=_minor(answer.Win, request.currency, field="Win"),
        result_data=_outcome(answer.Outcome),
    )


def round_state_from(answer, *, round_id: str, currency: str) -> RoundState:
    if answer.RoundRef != round_id:
        raise ProviderPayloadInvalid("GetRoundStatus answer names another round")
    state = _STATES[answer.State]
    if state != ProviderRoundState.SETTLED:
        return RoundState(round_id=round_id, state=state)
    if answer.Currency != currency or answer.Win is None or answer.VendorRoundId is None or answer.Outcome is None:
        raise ProviderPayloadInvalid("a SETTLED round status needs VendorRoundId, Currency, Win and Outcome")
    return RoundState(
        round_id=round_id,
        state=state,
        provider_round_id=answer.VendorRoundId,
        payout=_minor(answer.Win, currency, field="Win"),
        result_data=_outcome(answer.Outcome),
    )


def games_from(answer) -> list[GameInfo]:
    games = []
    for item in answer or []:
        min_bet = _minor(item.MinStake, item.Currency, field=f"{item.GameCode}.MinStake")
        max_bet = _minor(item.MaxStake, item.Currency, field=f"{item.GameCode}.MaxStake")
        if not 0 < min_bet <= max_bet:
            raise ProviderPayloadInvalid(f"game {item.GameCode}: stakes must satisfy 0 < MinStake <= MaxStake")
        games.append(
            GameInfo(
                code=item.GameCode,
                name=item.Title,
                category=_CATEGORIES[item.Category],
                currency=item.Currency,
                min_bet=min_bet,
                max_bet=max_bet,
                enabled=bool(item.Active),
            )
        )
    return games


_LINE_STATES = {"COMPLETED": "completed", "ROLLED_BACK": "rolled_back"}


def settlement_report_from(answer) -> SettlementReport:
    """A GetSettlementReport page (XSD-valid already) as the platform's lines; a line without its kind's fields, or
    with an amount no money can be, is ProviderPayloadInvalid."""
    lines = []
    for entry in answer.Entry or []:
        currency, where = entry.Currency, f"Entry {entry.Ref}"
        if entry.Type == "ROUND":
            if entry.Stake is None or entry.Win is None:
                raise ProviderPayloadInvalid(f"{where}: a ROUND needs Stake and Win")
            lines.append(SettlementLine(
                kind="round", reference=entry.RoundRef, currency=currency, state="settled",
                amount=_minor(entry.Stake, currency, field=f"{where}.Stake"),
                payout=_minor(entry.Win, currency, field=f"{where}.Win"),
            ))  # fmt: skip
        else:
            if entry.Action is None or entry.Amount is None:
                raise ProviderPayloadInvalid(f"{where}: a WALLET move needs Action and Amount")
            lines.append(SettlementLine(
                kind="wallet", reference=entry.Ref, currency=currency, action=entry.Action.lower(),
                amount=_minor(entry.Amount, currency, field=f"{where}.Amount"), state=_LINE_STATES[entry.State],
                round_ref=entry.RoundRef,
            ))  # fmt: skip
    return SettlementReport(lines=lines, next_cursor=answer.NextCursor or "")


# --------------------------------------------------------------------------------------- the adapter


class SoapXmlAdapter(ProviderAdapter):
    def __init__(self, provider):
        super().__init__(provider)
        # Only the breaker and the histogram of this client are used: zeep sends the SOAP calls.
        self.client = provider.outbound_client()

    def _call(self, operation: str, send):
        try:
            return soap_call(self.client, operation, send)
        except SchemaViolation as exc:
            raise ProviderPayloadInvalid(str(exc)) from None

    @property
    def service(self):
        # The platform signs its calls with the contract's HMAC headers, on top of mutual TLS.
        return self.provider.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH, signed=True)

    def open_session(self, request: SessionOpenRequest) -> SessionOpened:
        answer = self._call(
            "session",
            lambda: self.service.OpenSession(
                SessionRef=request.session_id,
                PlayerRef=request.player_ref,
                GameCode=request.game_code,
                Currency=request.currency,
            ),
        )
        expires_at = answer.ExpiresAt
        if expires_at is not None and timezone.is_naive(expires_at):
            raise ProviderPayloadInvalid("OpenSession ExpiresAt has no time zone")
        return SessionOpened(provider_session_id=answer.SessionToken, expires_at=expires_at)

    def launch_url(self, request: LaunchRequest) -> str:
        provider = self.provider
        return launch_url_for(request, base_url=provider.base_url, key_id=provider.key_id, secret=provider.secret)

    def play_round(self, request: PlayRequest) -> PlayResult:
        try:
            answer = self._call(
                "play",
                lambda: self.service.PlayRound(
                    RoundRef=request.round_id,
                    SessionToken=request.provider_session_id,
                    PlayerRef=request.player_ref,
                    GameCode=request.game_code,
                    Currency=request.currency,
                    Stake=Decimal(to_major(request.bet, request.currency)),
                ),
            )
        except PartnerRejected as exc:
            if str((exc.body or {}).get("faultstring", "")).startswith(INVALID_SESSION):
                raise ProviderSessionInvalid(str(exc), status=exc.status, body=exc.body) from exc
            raise
        return play_result_from(answer, request)

    def round_status(self, *, round_id: str, currency: str) -> RoundState:
        answer = self._call("status", lambda: self.service.GetRoundStatus(RoundRef=round_id))
        return round_state_from(answer, round_id=round_id, currency=currency)

    def acknowledge_round(self, *, round_id: str) -> None:
        answer = self._call("ack", lambda: self.service.AcknowledgeRound(RoundRef=round_id))
        if answer.RoundRef != round_id or not answer.Acknowledged:
            raise ProviderPayloadInvalid("AcknowledgeRound answer does not acknowledge this round")

    def list_games(self) -> list[GameInfo]:
        return games_from(self._call("games", lambda: self.service.ListGames()))

    def settlement_report(self, *, day: date | None, cursor: str = "") -> SettlementReport:
        answer = self._call("report", lambda: self.service.GetSettlementReport(Date=day, Cursor=cursor or None))
        return settlement_report_from(answer)
