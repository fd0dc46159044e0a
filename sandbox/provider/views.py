"""The sandbox game provider's HTTP API, in its own vendor dialect (camelCase, decimal-string stakes, UPPER states).

It checks the platform's HMAC signature on every call, plays each round once per round reference (a repeated play
returns the first result), and obeys the switchable faults of `sandbox.provider.faults`. Its state (sessions,
rounds) lives in the shared cache: it is a stand-in for a vendor, not part of the platform's books.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import time
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.signing import SignatureError
from sandbox.provider.books import books_round_played, settlement_report
from sandbox.provider.catalogue import GAMES_BY_CODE, SANDBOX_GAMES
from sandbox.provider.engine import spin
from sandbox.provider.faults import MODES, OPERATIONS, Fault, fault_set, fault_take, faults_active, faults_clear
from sandbox.signature import platform_call_verify

logger = logging.getLogger(__name__)

SESSION_TTL_SECONDS = 1800
ROUND_TTL_SECONDS = 7 * 24 * 3600
_SESSION = "sandbox:provider:session:{token}"
_ROUND = "sandbox:provider:round:{ref}"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _minor(text: str) -> int | None:
    """The vendor's stakes are decimal strings with two places (EUR and USD only)."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    if value <= 0 or value.as_tuple().exponent < -2:
        return None
    return int(value * 100)


def _major(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def _drop_connection(request) -> bool:
    """Close the client's socket without answering (Django's dev/live server); False where that is impossible."""
    stream = request.META.get("wsgi.input")
    reader = getattr(getattr(stream, "_read", None), "__self__", None)
    sock = getattr(getattr(reader, "raw", reader), "_sock", None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True


def _fault_before(fault: Fault | None, request) -> HttpResponse | None:
    """Faults that strike before the work: an answer to send instead, or None to go on."""
    if fault is None:
        return None
    if fault.mode == "latency":
        time.sleep(fault.delay)
    elif fault.mode == "error":
        return _error(fault.status, "INTERNAL", "Sandbox fault: provider error")
    elif fault.mode == "garbage":
        return JsonResponse({"state": "SOMETHING", "note": "Sandbox fault: an answer no schema accepts"})
    elif fault.mode == "drop":
        if _drop_connection(request):
            return HttpResponse(status=499)  # never reaches the client: the socket is closed
        time.sleep(fault.delay or 30)  # under a server without socket access, a silent stall is the nearest
        return _error(503, "INTERNAL", "Sandbox fault: dropped")
    return None


def _fault_after(fault: Fault | None) -> None:
    if fault is not None and fault.mode == "timeout":
        time.sleep(fault.delay)


def signed(operation: str):
    """Verify the platform's signature, then apply this operation's fault around the view."""

    def decorator(view):
        @csrf_exempt
        def wrapper(request, *args, **kwargs):
            try:
                platform_call_verify(
                    request,
                    key_id=settings.SANDBOX_PROVIDER_KEY_ID,
                    secret=settings.SANDBOX_PROVIDER_SECRET,
                    nonce_scope="sandbox-provider",
                )
            except SignatureError as exc:
                return _error(401, "BAD_SIGNATURE", exc.detail)
            if request.body:
                try:
                    payload = json.loads(request.body)
                except ValueError:
                    return _error(400, "BAD_REQUEST", "Body is not JSON.")
                if not isinstance(payload, dict):
                    return _error(400, "BAD_REQUEST", "Body is not a JSON object.")
            else:
                payload = {}
            fault = fault_take(operation)
            early = _fault_before(fault, request)
            if early is not None:
                return early
            response = view(request, payload, *args, fault=fault, **kwargs)
            _fault_after(fault)
            return response

        return wrapper

    return decorator


@require_http_methods(["POST"])
@signed("session")
def session_open(request, payload, *, fault):
    game = GAMES_BY_CODE.get(payload.get("gameCode"))
    if game is None or not game["active"]:
        return _error(404, "GAME_NOT_FOUND", "Unknown game.")
    if payload.get("ccy") != game["ccy"] or not payload.get("playerRef"):
        return _error(400, "BAD_REQUEST", "ccy must be the game's currency and playerRef is required.")
    token = secrets.token_urlsafe(24)
    session = {"playerRef": payload["playerRef"], "gameCode": game["gameCode"], "ccy": game["ccy"]}
    cache.set(_SESSION.format(token=token), session, timeout=SESSION_TTL_SECONDS)
    return JsonResponse({"sessionToken": token, "expiresIn": SESSION_TTL_SECONDS}, status=201)


def _round_answer(stored: dict) -> dict:
    return {key: stored[key] for key in ("roundRef", "vendorRoundId", "state", "stake", "win", "ccy", "outcome")}


@require_http_methods(["POST"])
@signed("play")
def round_play(request, payload, *, fault):
    ref = payload.get("roundRef")
    session = cache.get(_SESSION.format(token=payload.get("sessionToken", "")))
    if not ref or session is None:
        return _error(400, "INVALID_SESSION", "Unknown or expired session token.")
    game = GAMES_BY_CODE.get(payload.get("gameCode"))
    if (
        game is None
        or game["gameCode"] != session["gameCode"]
        or payload.get("ccy") != session["ccy"]
        or payload.get("playerRef") != session["playerRef"]
    ):
        return _error(400, "BAD_REQUEST", "The game, currency or player does not match the session.")
    stake = _minor(payload.get("stake"))
    if stake is None or not _minor(game["minStake"]) <= stake <= _minor(game["maxStake"]):
        return _error(400, "STAKE_OUT_OF_LIMITS", "The stake is outside the game's limits.")
    forced = fault.multiplier if fault is not None and fault.mode == "win" else None
    win, outcome = spin(seed=settings.SANDBOX_PROVIDER_RNG_SEED, round_ref=ref, stake=stake, forced_multiplier=forced)
    stored = {
        "roundRef": ref,
        "vendorRoundId": f"SBX-{secrets.token_hex(8)}",
        "state": "COMPLETED",
        "stake": _major(stake),
        "win": _major(win),
        "ccy": session["ccy"],
        "outcome": outcome,
        "sessionToken": payload["sessionToken"],
        "acknowledged": False,
        "playedAt": timezone.now().isoformat(),
    }
    # One play per round reference: a repeat gets the first result, a different stake under the same ref is refused.
    if not cache.add(_ROUND.format(ref=ref), stored, timeout=ROUND_TTL_SECONDS):
        first = cache.get(_ROUND.format(ref=ref))
        if first["stake"] != stored["stake"] or first["ccy"] != stored["ccy"]:
            return _error(409, "ROUND_CONFLICT", "This round reference was played with another stake.")
        stored = first
    books_round_played(ref=ref, vendor_round_id=stored["vendorRoundId"], stake=stake, win=_minor_or_zero(stored["win"]),
                       currency=stored["ccy"])  # fmt: skip
    return JsonResponse(_round_answer(stored))


def _minor_or_zero(text: str) -> int:
    return int(Decimal(text) * 100)


@require_http_methods(["GET"])
@signed("report")
def settlement_report_view(request, payload, *, fault):
    """The vendor's settlement report: ?date=YYYY-MM-DD (UTC day; all days without it), ?cursor= for the next page."""
    try:
        day = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else None
        cursor = request.GET.get("cursor", "")
        if cursor and not cursor.isdigit():
            raise ValueError("bad cursor")
    except ValueError as exc:
        return _error(400, "BAD_REQUEST", str(exc))
    return JsonResponse(settlement_report(day=day, cursor=cursor))


@require_http_methods(["GET"])
@signed("status")
def round_status(request, payload, ref, *, fault):
    stored = cache.get(_ROUND.format(ref=ref))
    if stored is None:
        return JsonResponse({"roundRef": ref, "state": "UNKNOWN"})
    answer = _round_answer(stored) | {"acknowledged": stored["acknowledged"]}
    if fault is not None and fault.mode == "restake":
        answer["stake"] = str(Decimal(answer["stake"]) + Decimal("0.01"))
    return JsonResponse(answer)


@require_http_methods(["POST"])
@signed("ack")
def round_ack(request, payload, ref, *, fault):
    key = _ROUND.format(ref=ref)
    stored = cache.get(key)
    if stored is None:
        return _error(404, "ROUND_NOT_FOUND", "Unknown round reference.")
    if not stored["acknowledged"]:
        stored["acknowledged"] = True
        cache.set(key, stored, timeout=ROUND_TTL_SECONDS)
    return JsonResponse({"roundRef": ref, "acknowledged": True})


@require_http_methods(["GET"])
@signed("games")
def games(request, payload, *, fault):
    return JsonResponse({"games": SANDBOX_GAMES, "generatedAt": timezone.now().isoformat()})


@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def control_faults(request):
    """Sandbox-only control panel for faults (mounted only in SANDBOX_MODE, like the whole sandbox)."""
    if request.method == "DELETE":
        faults_clear()
    elif request.method == "POST":
        try:
            spec = json.loads(request.body or b"{}")
            fault_set(
                operation=spec.get("operation", "*"),
                mode=spec["mode"],
                delay=float(spec.get("delay", 0)),
                status=int(spec.get("status", 503)),
                count=spec.get("count"),
                multiplier=int(spec.get("multiplier", 10)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "BAD_REQUEST", f"{exc}; operations {OPERATIONS}, modes {MODES}")
    return JsonResponse({"faults": faults_active()})


def round_ack_state(ref: str) -> dict | None:
    """The sandbox's own record of a round (for tests and demos that check what the provider was told)."""
    return cache.get(_ROUND.format(ref=ref))


def session_lookup(token: str) -> dict | None:
    """The sandbox's record of a session it opened ({playerRef, gameCode, ccy}), for its game client."""
    return cache.get(_SESSION.format(token=token))


def session_expire(token: str) -> None:
    cache.delete(_SESSION.format(token=token))
