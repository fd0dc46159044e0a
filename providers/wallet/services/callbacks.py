"""The seamless-wallet callback sequence: find the callback's provider, verify the signature, validate the body,
dispatch it by action through a table to the money moves (money.py), and store the callback with its answer.

Every callback is stored as it arrived (headers, raw body, source) together with its answer, verdict and error
code, whatever the outcome. An accepted one commits once: its money move, the move's stored answer and the callback
record in one database transaction. A refused one (bad signature, stale, replayed nonce, schema, unknown session,
insufficient funds...) rolls back whatever it began and is then stored in a small transaction of its own; so is a
bug, as a 500, before it propagates. A process that dies before either commit leaves no record and moved nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, ValidationFailed, problem_body
from core.inbound import message_summary, partner_label
from core.logcontext import log_context_bind
from core.metrics import INBOUND_MESSAGES
from core.money import MoneyError, to_minor
from core.signing import SignatureError, verify_request
from providers.models import GameSession, Provider, WalletAction, WalletCallback, WalletCallbackVerdict
from providers.wallet.errors import CurrencyMismatch, PlayerNotFound, SessionNotFound, UnknownAction, UnknownProvider
from providers.wallet.schemas import callback_body_parse
from providers.wallet.selectors import game_session_for_callback, player_for_callback, provider_for_callback
from providers.wallet.services.money import (
    WalletAnswer,
    wallet_balance_get,
    wallet_bet_place,
    wallet_rollback_apply,
    wallet_win_credit,
)

# A wallet callback is a few hundred bytes; anything far larger is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024
# Headers never kept with a stored callback (they carry nothing a provider sends and may carry browser secrets).
_UNSTORED_HEADERS = {"cookie"}
_STORED_BODY_BYTES = 64 * 1024  # an oversized body is refused; a bounded prefix is kept as evidence


# ---------------------------------------------------------------------------------------------------- the sequence


def wallet_callback_receive(
    *,
    provider_code: str,
    action: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    source_ip: str | None,
    authenticate: Callable[[str], None] | None = None,
) -> WalletAnswer:
    """Answer one provider callback from its raw request. A refusal is an ApplicationError, raised after its
    problem+json body is recorded (the API's exception handler renders the same body).

    The caller is authenticated by the contract's HMAC signature over the request, unless the transport has already
    authenticated it (gRPC's mutual TLS): then `authenticate(provider_code)` raises an ApplicationError for a
    caller that does not speak for that provider."""
    callback = wallet_callback_record(
        provider_code=provider_code,
        action=action,
        method=method,
        path=path,
        headers=headers,
        body=body,
        source_ip=source_ip,
    )
    provider = None
    transaction_id = ""
    try:
        if authenticate is not None:
            authenticate(provider_code)
        provider = provider_for_callback(code=provider_code)
        if provider is None:
            raise UnknownProvider(f"No enabled provider with code {provider_code!r}.")
        if authenticate is None:  # the nonce is taken here, in the shared cache, before any money can move
            verify_request(
                method=method,
                path=path,
                headers=headers,
                body=body,
                secrets_for=provider.secrets_for,
                nonce_scope=f"wallet:{provider.code}",
            )
        if len(body) > MAX_BODY_BYTES:
            raise ValidationFailed("The body is too large.", errors={"body": [f"At most {MAX_BODY_BYTES} bytes."]})
        handler = _HANDLERS.get(action)
        if handler is None:
            raise UnknownAction(f"Wallet action {action!r} does not exist; use balance, bet, win or rollback.")
        payload = callback_body_parse(action=action, raw=body)
        transaction_id = payload.get("transaction_id", "")
        log_context_bind(partner=provider.code, player_id=payload.get("player_id"),
                         round_id=payload.get("round_id"), transaction_id=transaction_id)  # fmt: skip
        with transaction.atomic():
            answer = _dispatch(provider=provider, handler=handler, payload=payload)
            wallet_callback_close(
                callback=callback,
                provider=provider,
                status=200,
                body=answer.body,
                verdict=WalletCallbackVerdict.REPLAYED if answer.replayed else WalletCallbackVerdict.ACCEPTED,
                transaction_id=transaction_id,
            )
    except ApplicationError as error:
        if provider is None:
            # Nobody configured this code (or the caller does not speak for it): nothing is stored for it, only
            # counted under the one `unknown` label, so a stranger cannot fill the disk through made-up URLs.
            INBOUND_MESSAGES.labels(partner=partner_label(provider_code, known=False), kind="wallet_unknown",
                                    verdict=WalletCallbackVerdict.REJECTED).inc()  # fmt: skip
            raise
        if isinstance(error, SignatureError):
            # A message that failed verification is kept in bounded form: its metadata and a hash, not its body.
            callback.headers = message_summary(headers=headers, body=body)
            callback.body = ""
        wallet_callback_close(
            callback=callback,
            provider=provider,
            status=error.status,
            body=problem_body(
                status=error.status, code=error.code, title=error.title, detail=error.detail, errors=error.errors
            ),
            verdict=WalletCallbackVerdict.REJECTED,
            error_code=error.code,
            transaction_id=transaction_id,
        )
        raise
    except Exception:
        # A bug, not a verdict: keep the evidence that this callback was answered 500, then let Django log it.
        wallet_callback_close(
            callback=callback,
            provider=provider,
            status=500,
            body={},
            verdict=WalletCallbackVerdict.REJECTED,
            error_code="internal_error",
            transaction_id=transaction_id,
        )
        raise
    return answer


# ---------------------------------------------------------------------------------------------------- the record


def wallet_callback_record(
    *,
    provider_code: str,
    action: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    source_ip: str | None,
) -> WalletCallback:
    """The callback exactly as it arrived, before anything in it is believed: not saved yet, it is stored with its
    answer by wallet_callback_close."""
    return WalletCallback(
        provider_code=provider_code[:100],
        action=action[:32],
        method=method[:10],
        path=path[:500],
        headers={k: v for k, v in headers.items() if k.lower() not in _UNSTORED_HEADERS},
        body=body[:_STORED_BODY_BYTES].decode("utf-8", errors="replace"),
        source_ip=source_ip or None,
    )


def wallet_callback_close(
    *,
    callback: WalletCallback,
    provider: Provider | None,
    status: int,
    body: dict,
    verdict: str,
    error_code: str = "",
    transaction_id: str = "",
) -> None:
    """Store the callback with its answer and verdict (one INSERT, in the caller's transaction if there is one);
    the metric counts it once that commits."""
    callback.provider = provider
    callback.response_status = status
    callback.response_body = body
    callback.verdict = verdict
    callback.error_code = error_code
    callback.transaction_id = transaction_id[:255]
    callback.answered_at = timezone.now()
    callback.pk = None  # a refusal after a rolled-back attempt to store it is stored anew
    callback.save(force_insert=True)
    # Label values come from known rows and actions only: a URL must not mint new time series.
    labels = {
        "partner": provider.code if provider else "unknown",
        "kind": f"wallet_{callback.action if callback.action in WalletAction.values else 'unknown'}",
        "verdict": verdict,
    }
    transaction.on_commit(lambda: INBOUND_MESSAGES.labels(**labels).inc())


# ---------------------------------------------------------------------------------------------------- dispatch


def _dispatch(*, provider: Provider, handler: Callable[..., WalletAnswer], payload: dict) -> WalletAnswer:
    """Check what every action shares (the player, their currency, their game session at this provider), then
    hand the payload to the action's handler."""
    player = player_for_callback(player_id=payload["player_id"])
    if player is None:
        raise PlayerNotFound(f"No player with id {payload['player_id']!r}.")
    currency = payload["currency"]
    if currency != player.player.currency:
        raise CurrencyMismatch(f"The player's wallet is in {player.player.currency}, not {currency}.")
    session = game_session_for_callback(provider=provider, player=player, session_id=payload["session_id"])
    if session is None:
        raise SessionNotFound(f"No game session {payload['session_id']!r} of this player at {provider.code}.")
    return handler(provider=provider, player=player, currency=currency, session=session, payload=payload)


def _amount(payload: dict, currency: str, *, allow_zero: bool = False, required: bool = True) -> int | None:
    if "amount" not in payload and not required:
        return None
    try:
        return to_minor(payload["amount"], currency, allow_zero=allow_zero)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), errors={exc.field: [str(exc)]}) from None


def _balance(
    *, provider: Provider, player: AbstractBaseUser, currency: str, session: GameSession, payload: dict
) -> WalletAnswer:
    return wallet_balance_get(player=player, currency=currency)


def _bet(
    *, provider: Provider, player: AbstractBaseUser, currency: str, session: GameSession, payload: dict
) -> WalletAnswer:
    return wallet_bet_place(
        provider=provider,
        player=player,
        currency=currency,
        session=session,
        transaction_id=payload["transaction_id"],
        round_id=payload["round_id"],
        amount=_amount(payload, currency),
    )


def _win(
    *, provider: Provider, player: AbstractBaseUser, currency: str, session: GameSession, payload: dict
) -> WalletAnswer:
    return wallet_win_credit(
        provider=provider,
        player=player,
        currency=currency,
        session=session,
        transaction_id=payload["transaction_id"],
        round_id=payload["round_id"],
        amount=_amount(payload, currency, allow_zero=True),
    )


def _rollback(
    *, provider: Provider, player: AbstractBaseUser, currency: str, session: GameSession, payload: dict
) -> WalletAnswer:
    return wallet_rollback_apply(
        provider=provider,
        player=player,
        currency=currency,
        session=session,
        transaction_id=payload.get("transaction_id"),
        reference_transaction_id=payload["reference_transaction_id"],
        round_id=payload.get("round_id", ""),
        amount=_amount(payload, currency, allow_zero=True, required=False),
    )


# One handler per action; an action not in the table is 404 unknown_action before its body is parsed.
_HANDLERS: dict[str, Callable[..., WalletAnswer]] = {
    WalletAction.BALANCE: _balance,
    WalletAction.BET: _bet,
    WalletAction.WIN: _win,
    WalletAction.ROLLBACK: _rollback,
}
