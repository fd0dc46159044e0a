"""REST/JSON provider adapter: translates the vendor's JSON (camelCase, decimal-string stakes, UPPER states) to
and from the platform's dataclasses, validates every message both ways against `schemas/`, and sends through
`core.outbound.OutboundClient` (pooled session, contract HMAC signature, circuit breaker, latency histogram).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from django.utils import timezone
from jsonschema.exceptions import ValidationError as SchemaError

from core.money import MoneyError, to_major, to_minor
from core.outbound import PartnerRejected
from core.schemas import SchemaDirectory
from core.signing import token_sign
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

SCHEMAS = SchemaDirectory(Path(__file__).parent / "schemas")
_CATEGORIES = {"SLOT": "slots", "TABLE": "table", "LIVE": "live"}
_STATES = {
    "COMPLETED": ProviderRoundState.SETTLED,
    "IN_PROGRESS": ProviderRoundState.PENDING,
    "UNKNOWN": ProviderRoundState.NOT_FOUND,
    "CANCELLED": ProviderRoundState.NOT_FOUND,
}


def validate(name: str, message) -> dict:
    """Validate one message against schemas/<name>.json; a failure is a definite, logged ProviderPayloadInvalid."""
    try:
        SCHEMAS.validator(name).validate(message)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise ProviderPayloadInvalid(f"{name}: {path}: {exc.message}"[:500]) from None
    return message


def _amount(text: str, currency: str, *, field: str) -> int:
    try:
        return to_minor(text, currency, allow_zero=True)
    except MoneyError as exc:
        raise ProviderPayloadInvalid(f"{field}: {exc}") from None


# --------------------------------------------------------------------------------------- translation (pure)


def session_request_body(request: SessionOpenRequest) -> dict:
    return validate(
        "session_request",
        {
            "playerRef": request.player_ref,
            "gameCode": request.game_code,
            "ccy": request.currency,
            "externalSessionId": request.session_id,
        },
    )


def session_opened_from(payload) -> SessionOpened:
    validate("session_response", payload)
    expires_in = payload.get("expiresIn")
    expires_at = timezone.now() + timedelta(seconds=expires_in) if expires_in else None
    return SessionOpened(provider_session_id=payload["sessionToken"], expires_at=expires_at)


def launch_url_for(request: LaunchRequest, *, base_url: str, key_id: str, secret: str) -> str:
    """The vendor's game client URL: `v2/launch?token=<signed claims>&lang=<ISO 639-1>&mode=real|fun`. The return
    URLs ride inside the signed token, so nobody can turn the game's buttons into an open redirect."""
    mode = "fun" if request.mode == SessionMode.DEMO else "real"
    claims = {
        "kid": key_id,
        "sessionToken": request.provider_session_id,
        "playerRef": request.player_ref,
        "gameCode": request.game_code,
        "ccy": request.currency,
        "mode": mode,
        "lobbyUrl": request.lobby_url,
        "cashierUrl": request.deposit_url,
        "exp": int(request.expires_at.timestamp()),
    }
    query = urlencode({"token": token_sign(claims=claims, secret=secret), "lang": request.language, "mode": mode})
    return f"{base_url.rstrip('/')}/v2/launch?{query}"


def play_request_body(request: PlayRequest) -> dict:
    return validate(
        "play_request",
        {
            "roundRef": request.round_id,
            "sessionToken": request.provider_session_id,
            "playerRef": request.player_ref,
            "gameCode": request.game_code,
            "stake": to_major(request.bet, request.currency),
            "ccy": request.currency,
        },
    )


def play_result_from(payload, request: PlayRequest) -> PlayResult:
    validate("play_response", payload)
    # The answer must be about this round, in this currency, for this stake: anything else is not believed.
    if payload["roundRef"] != request.round_id or payload["ccy"] != request.currency:
        raise ProviderPayloadInvalid("play answer names another round or currency")
    stake = _amount(payload["stake"], request.currency, field="stake")
    if stake != request.bet:
        raise ProviderPayloadInvalid(f"play answer stake {stake} differs from the bet {request.bet}")
    return PlayResult(
        round_id=request.round_id,
        provider_round_id=payload["vendorRoundId"],
        currency=request.currency,
        bet=stake,
        payout=_amount(payload["win"], request.currency, field="win"),
        result_data=payload["outcome"],
    )


def round_state_from(payload, *, round_id: str, currency: str) -> RoundState:
    validate("round_status_response", payload)
    if payload["roundRef"] != round_id:
        raise ProviderPayloadInvalid("status answer names another round")
    state = _STATES[payload["state"]]
    if state != ProviderRoundState.SETTLED:
        return RoundState(round_id=round_id, state=state)
    if payload["ccy"] != currency:
        raise ProviderPayloadInvalid("status answer in another currency")
    return RoundState(
        round_id=round_id,
        state=state,
        provider_round_id=payload["vendorRoundId"],
        payout=_amount(payload["win"], currency, field="win"),
        result_data=payload["outcome"],
        bet=_amount(payload["stake"], currency, field="stake"),
    )


def vendor_error_code(payload) -> str:
    """The vendor's error shape is {"error": {"code", "message"}}; anything else has no code."""
    error = payload.get("error") if isinstance(payload, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def games_from(payload) -> list[GameInfo]:
    validate("games_response", payload)
    games = []
    for item in payload["games"]:
        currency = item["ccy"]
        try:
            min_bet, max_bet = to_minor(item["minStake"], currency), to_minor(item["maxStake"], currency)
        except MoneyError as exc:
            raise ProviderPayloadInvalid(f"game {item['gameCode']}: {exc}") from None
        if max_bet < min_bet:
            raise ProviderPayloadInvalid(f"game {item['gameCode']}: maxStake below minStake")
        games.append(
            GameInfo(
                code=item["gameCode"],
                name=item["title"],
                category=_CATEGORIES.get(item["type"], "other"),
                currency=currency,
                min_bet=min_bet,
                max_bet=max_bet,
                enabled=item["active"],
            )
        )
    return games


_LINE_STATES = {"COMPLETED": "completed", "ROLLED_BACK": "rolled_back"}


def settlement_report_from(payload) -> SettlementReport:
    validate("settlement_report", payload)
    lines = []
    for item in payload["items"]:
        currency = item["ccy"]
        if item["type"] == "ROUND":
            lines.append(SettlementLine(
                kind="round", reference=item["ref"], currency=currency, state="settled",
                amount=_amount(item["stake"], currency, field="stake"),
                payout=_amount(item["win"], currency, field="win"),
            ))  # fmt: skip
        else:
            lines.append(SettlementLine(
                kind="wallet", reference=item["ref"], currency=currency, action=item["action"].lower(),
                amount=_amount(item["amount"], currency, field="amount"), state=_LINE_STATES[item["state"]],
                round_ref=item["roundRef"],
            ))  # fmt: skip
    return SettlementReport(lines=lines, next_cursor=payload.get("nextCursor") or "")


# --------------------------------------------------------------------------------------- the adapter


class RestJsonAdapter(ProviderAdapter):
    def __init__(self, provider):
        super().__init__(provider)
        # Signed, pooled, with the row's timeouts and mutual TLS when staff configured a certificate or private CA.
        self.client = provider.outbound_client()

    def open_session(self, request: SessionOpenRequest) -> SessionOpened:
        body = session_request_body(request)
        return self.client.request("POST", "v2/sessions", operation="session", json=body, parse=session_opened_from)

    def launch_url(self, request: LaunchRequest) -> str:
        provider = self.provider
        return launch_url_for(request, base_url=provider.base_url, key_id=provider.key_id, secret=provider.secret)

    def play_round(self, request: PlayRequest) -> PlayResult:
        body = play_request_body(request)
        try:
            return self.client.request(
                "POST",
                "v2/rounds",
                operation="play",
                json=body,
                parse=lambda payload: play_result_from(payload, request),
            )
        except PartnerRejected as exc:
            if vendor_error_code(exc.body) == "INVALID_SESSION":
                raise ProviderSessionInvalid(str(exc), status=exc.status, body=exc.body) from exc
            raise

    def round_status(self, *, round_id: str, currency: str) -> RoundState:
        return self.client.request(
            "GET",
            f"v2/rounds/{quote(round_id, safe='')}",
            operation="status",
            parse=lambda payload: round_state_from(payload, round_id=round_id, currency=currency),
        )

    def acknowledge_round(self, *, round_id: str) -> None:
        body = validate("ack_request", {})
        self.client.request(
            "POST",
            f"v2/rounds/{quote(round_id, safe='')}/ack",
            operation="ack",
            json=body,
            parse=lambda payload: validate("ack_response", payload),
        )

    def list_games(self) -> list[GameInfo]:
        return self.client.request("GET", "v2/games", operation="games", parse=games_from)

    def settlement_report(self, *, day: date | None, cursor: str = "") -> SettlementReport:
        query = urlencode({k: v for k, v in (("date", day.isoformat() if day else ""), ("cursor", cursor)) if v})
        path = "v2/reports/settlements" + (f"?{query}" if query else "")
        return self.client.request("GET", path, operation="report", parse=settlement_report_from)
