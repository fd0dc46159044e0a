"""The SOAP sandbox game provider: a real SOAP 1.1 endpoint (sandbox.soap.soap_view) at
/sandbox/soap-provider/ in sandbox mode, speaking the bundled WSDL/XSD of providers/adapters/soap_xml.

It plays like a vendor would: sessions and rounds live in its own store (the shared cache, as a separate system
would keep its own database), a PlayRound is idempotent by RoundRef, outcomes come from an RNG seeded by the round
so a round replays identically, and callers must sign with the sandbox provider's HMAC key. Every round it plays and
every wallet move its game client makes go into its books (sandbox.provider.books, under its own studio code), which
GetSettlementReport pages through as the REST sandbox's report does. Faults can be
switched on per operation (faults.py) so tests and demos see every way a vendor fails.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from core.errors import SignatureError
from core.money import MoneyError, to_major, to_minor
from providers.adapters.soap_xml.adapter import XSD_PATH
from sandbox.models import SandboxProviderEntry
from sandbox.provider.books import books_page, books_round_played
from sandbox.provider_soap.catalogue import GAMES_BY_CODE, SOAP_SANDBOX_GAMES
from sandbox.provider_soap.faults import FAULT_STAKE, soap_fault_take
from sandbox.provider_soap.seed import PROVIDER_CODE
from sandbox.signature import platform_call_verify
from sandbox.soap import SOAP_ENV_NS, SoapFault, fault_response, soap_view

NS = "urn:casino:soap-provider:v1"
SEED = "soap-sandbox-v1"
SESSION_TTL = timedelta(hours=2)
INVALID_SESSION = "INVALID_SESSION"
STORE_TTL = 7 * 24 * 3600
# symbol, weight on the reel, multiplier of the stake for three of a kind
SYMBOLS = [("scarab", 30, 5), ("ankh", 25, 10), ("eye", 20, 20), ("pyramid", 15, 50), ("pharaoh", 10, 100)]
_OPERATIONS = {
    "OpenSession": "session",
    "PlayRound": "play",
    "GetRoundStatus": "status",
    "AcknowledgeRound": "ack",
    "ListGames": "games",
    "GetSettlementReport": "report",
}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(request: etree._Element, name: str, default: str | None = None) -> str | None:
    element = request.find(_q(name))
    return element.text if element is not None else default


def _element(name: str, *children: tuple[str, object]) -> etree._Element:
    root = etree.Element(_q(name), nsmap={None: NS})
    for child_name, value in children:
        if isinstance(value, etree._Element):
            root.append(value)
        elif value is not None:
            etree.SubElement(root, _q(child_name)).text = _xml_value(value)
    return root


def _xml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _outcome_element(outcome: dict) -> etree._Element:
    element = etree.Element(_q("Outcome"))
    for symbol in outcome["symbols"]:
        etree.SubElement(element, _q("Symbol")).text = symbol
    etree.SubElement(element, _q("Multiplier")).text = str(outcome["multiplier"])
    return element


def spin(*, round_ref: str, stake: int) -> tuple[int, dict]:
    """One deterministic spin per round ref: (win in minor units, outcome)."""
    rng = random.Random(f"{SEED}:{round_ref}")
    names, weights = [s[0] for s in SYMBOLS], [s[1] for s in SYMBOLS]
    symbols = rng.choices(names, weights, k=3)
    if len(set(symbols)) == 1:
        multiplier = dict((name, mult) for name, _, mult in SYMBOLS)[symbols[0]]
    elif symbols[0] == symbols[1]:
        multiplier = 2
    else:
        multiplier = 0
    return stake * multiplier, {"symbols": symbols, "multiplier": multiplier}


# ---------------------------------------------------------------------------------------------------- operations


def open_session(request: etree._Element) -> etree._Element:
    game = GAMES_BY_CODE.get(_text(request, "GameCode"))
    if game is None or not game["Active"]:
        raise SoapFault("unknown or inactive game")
    if game["Currency"] != _text(request, "Currency"):
        raise SoapFault("the game is not offered in this currency")
    session_ref = _text(request, "SessionRef")
    token = f"soap-sess-{uuid.uuid4().hex}"
    # Idempotent by the caller's SessionRef: a retried OpenSession gets the first token.
    cache.add(f"sandbox:soap:session-ref:{session_ref}", token, timeout=STORE_TTL)
    token = cache.get(f"sandbox:soap:session-ref:{session_ref}")
    expires_at = datetime.now(UTC) + SESSION_TTL
    cache.add(
        f"sandbox:soap:session:{token}",
        {"player_ref": _text(request, "PlayerRef"), "game_code": game["GameCode"], "currency": game["Currency"]},
        timeout=STORE_TTL,
    )
    return _element("OpenSessionResponse", ("SessionToken", token), ("ExpiresAt", expires_at.isoformat()))


def _round_answer(name: str, round_ref: str, played: dict, *, with_state: bool = False) -> etree._Element:
    currency = played["currency"]
    fields = [("RoundRef", round_ref)]
    if with_state:
        fields.append(("State", "SETTLED"))
    fields += [("VendorRoundId", played["vendor_round_id"]), ("Currency", currency)]
    if not with_state:
        fields.append(("Stake", to_major(played["stake"], currency)))
    fields += [("Win", to_major(played["win"], currency)), ("Outcome", _outcome_element(played["outcome"]))]
    return _element(name, *fields)


def play_round(request: etree._Element) -> etree._Element:
    round_ref, currency = _text(request, "RoundRef"), _text(request, "Currency")
    stake_text = _text(request, "Stake")
    if Decimal(stake_text) == Decimal(FAULT_STAKE):
        raise SoapFault(f"stake {FAULT_STAKE} is refused by the sandbox (fault injection)")
    session = cache.get(f"sandbox:soap:session:{_text(request, 'SessionToken')}")
    if session is None:
        # The vendor's convention: a fault string that starts with a stable code the platform can act on.
        raise SoapFault(f"{INVALID_SESSION}: unknown or expired session")
    if session["game_code"] != _text(request, "GameCode") or session["currency"] != currency:
        raise SoapFault("the round names another game or currency than its session")
    if session["player_ref"] != _text(request, "PlayerRef"):
        raise SoapFault("the round names another player than its session")
    game = GAMES_BY_CODE[session["game_code"]]
    try:
        stake = to_minor(stake_text, currency)
    except MoneyError as exc:
        raise SoapFault(f"Stake: {exc}") from None
    if not to_minor(game["MinStake"], currency) <= stake <= to_minor(game["MaxStake"], currency):
        raise SoapFault("stake outside the game's limits")
    win, outcome = spin(round_ref=round_ref, stake=stake)
    played = {
        "vendor_round_id": f"soap-rnd-{uuid.uuid4().hex}",
        "currency": currency,
        "stake": stake,
        "win": win,
        "outcome": outcome,
        "acknowledged": False,
    }
    # Idempotent by RoundRef: a retried play answers the round already played (and refuses another stake under it).
    key = f"sandbox:soap:round:{round_ref}"
    if not cache.add(key, played, timeout=STORE_TTL):
        played = cache.get(key)
        if played["stake"] != stake or played["currency"] != currency:
            raise SoapFault("RoundRef was used for another stake")
    books_round_played(ref=round_ref, vendor_round_id=played["vendor_round_id"], stake=stake, win=played["win"],
                       currency=currency, studio=PROVIDER_CODE)  # fmt: skip
    return _round_answer("PlayRoundResponse", round_ref, played)


def get_round_status(request: etree._Element) -> etree._Element:
    round_ref = _text(request, "RoundRef")
    played = cache.get(f"sandbox:soap:round:{round_ref}")
    if played is None:
        return _element("GetRoundStatusResponse", ("RoundRef", round_ref), ("State", "UNKNOWN"))
    return _round_answer("GetRoundStatusResponse", round_ref, played, with_state=True)


def acknowledge_round(request: etree._Element) -> etree._Element:
    round_ref = _text(request, "RoundRef")
    key = f"sandbox:soap:round:{round_ref}"
    played = cache.get(key)
    if played is None:
        raise SoapFault("unknown round")
    played["acknowledged"] = True
    cache.set(key, played, timeout=STORE_TTL)
    return _element("AcknowledgeRoundResponse", ("RoundRef", round_ref), ("Acknowledged", True))


def list_games(request: etree._Element) -> etree._Element:
    currency = _text(request, "Currency")
    root = _element("ListGamesResponse")
    for game in SOAP_SANDBOX_GAMES:
        if currency and game["Currency"] != currency:
            continue
        item = etree.SubElement(root, _q("Game"))
        for name in ("GameCode", "Title", "Category", "Currency", "MinStake", "MaxStake", "Active"):
            etree.SubElement(item, _q(name)).text = _xml_value(game[name])
    return root


def get_settlement_report(request: etree._Element) -> etree._Element:
    """The vendor's books of one UTC day (every day without Date), a page at a time after Cursor."""
    cursor = _text(request, "Cursor", "")
    try:
        day = date.fromisoformat(_text(request, "Date")) if _text(request, "Date") else None
        if cursor and not cursor.isdigit():
            raise ValueError("Cursor is not a cursor of this report")
    except ValueError as exc:
        raise SoapFault(str(exc)) from None
    entries, next_cursor = books_page(studio=PROVIDER_CODE, day=day, cursor=cursor)
    root = _element("GetSettlementReportResponse")
    for entry in entries:
        root.append(_settlement_entry(entry))
    if next_cursor:
        etree.SubElement(root, _q("NextCursor")).text = next_cursor
    return root


def _settlement_entry(entry: SandboxProviderEntry) -> etree._Element:
    currency = entry.currency
    fields = [
        ("Type", entry.kind.upper()),
        ("Ref", entry.ref),
        ("RoundRef", entry.round_ref or entry.ref),
        ("Currency", currency),
        ("State", entry.state.upper()),
        ("SettledAt", entry.created_at.isoformat()),
    ]
    if entry.kind == SandboxProviderEntry.Kind.ROUND:
        fields += [
            ("VendorRoundId", entry.vendor_round_id),
            ("Stake", to_major(entry.amount, currency)),
            ("Win", to_major(entry.win, currency)),
        ]
    else:
        fields += [("Action", entry.action.upper()), ("Amount", to_major(entry.amount, currency))]
    element = etree.Element(_q("Entry"))
    for name, value in fields:
        if value:  # a round booked without the vendor's id leaves VendorRoundId out
            etree.SubElement(element, _q(name)).text = value
    return element


HANDLERS = {
    "OpenSessionRequest": open_session,
    "PlayRoundRequest": play_round,
    "GetRoundStatusRequest": get_round_status,
    "AcknowledgeRoundRequest": acknowledge_round,
    "ListGamesRequest": list_games,
    "GetSettlementReportRequest": get_settlement_report,
}


def _verify_signature(request) -> None:
    """The platform signs its calls with the sandbox provider's key (the contract's scheme), on top of mTLS."""
    try:
        platform_call_verify(
            request,
            key_id=settings.SANDBOX_PROVIDER_KEY_ID,
            secret=settings.SANDBOX_PROVIDER_SECRET,
            nonce_scope="sandbox-soap-provider",
        )
    except SignatureError as exc:
        raise SoapFault(f"{exc.code}: {exc.detail}") from None


_soap_endpoint = soap_view(xsd_path=XSD_PATH, handlers=HANDLERS, before=_verify_signature)


def _break_schema(response: HttpResponse) -> HttpResponse:
    """Add an element the XSD does not allow to the answer's body element (fault injection: 'invalid')."""
    root = etree.fromstring(response.content)
    body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if body is not None and len(body):
        etree.SubElement(body[0], _q("Unexpected")).text = "not in the schema"
    response.content = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return response


@csrf_exempt
def provider_endpoint(request):
    """The SOAP endpoint with the fault switch in front of it (the operation is named by the SOAPAction)."""
    action = request.headers.get("SOAPAction", "").strip('"').rpartition("#")[2]
    fault = soap_fault_take(_OPERATIONS[action]) if action in _OPERATIONS else None
    if fault is None:
        return _soap_endpoint(request)
    if fault.mode == "client_fault":
        return fault_response(SoapFault("refused by the sandbox (fault injection)", code="Client"))
    if fault.mode == "server_fault":
        return fault_response(SoapFault("internal error in the sandbox (fault injection)", code="Server"))
    if fault.mode == "unavailable":
        return HttpResponse("unavailable (fault injection)", status=503, content_type="text/plain")
    response = _soap_endpoint(request)
    if fault.mode == "slow":
        time.sleep(fault.delay)
    elif fault.mode == "invalid" and response.status_code == 200:
        response = _break_schema(response)
    return response
