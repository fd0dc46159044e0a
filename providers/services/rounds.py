"""Rounds (spins): reserve the bet, ask the provider, then settle (capture the bet and credit the payout in one
ledger transaction), fail (release) or, when the outcome is unknown, leave pending for the resolver. The intent to
resolve is an outbox row written with the hold (closed when the round settles or fails), and the provider ACK an
outbox row written with the acknowledgement: neither is lost to a crash or a broker outage.

Exactly-once money: a round is unique per (player, Idempotency-Key); its ledger keys derive from its id
(`spin:<round>:hold:<attempt>`, `spin:<round>:settle`); every path that settles, fails or voids a round first locks
the round row (select_for_update) and acts only on a pending round, so the spin thread and the status poller can
never both settle one round. No database lock is held while the provider is called.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import realtime
from core.errors import IdempotencyKeyConflict, IdempotencyKeyInProgress, NotFound, ValidationFailed
from core.idempotency import WAIT_FOR_FIRST_SECONDS
from core.logcontext import log_context_bind
from core.money import to_major
from core.outbound import PartnerError, PartnerTimeout
from core.outbox.selectors import outbox_keys_known
from core.outbox.services import outbox_close, outbox_enqueue, outbox_hasten
from core.partners import partner_cached
from ledger.models import Account, AccountKind, HoldStatus
from ledger.services import (
    Posting,
    hold_capture,
    hold_release,
    hold_reserve,
    system_account_get_or_create,
    wallet_balance_push,
    wallet_get_or_create,
)
from providers.errors import ProviderUnavailable, SessionClosed
from providers.interface import PlayRequest, ProviderPayloadInvalid, ProviderRoundState, ProviderSessionInvalid
from providers.models import GameSession, Provider, Round, RoundStatus, SessionStatus
from providers.registry import adapter_for
from providers.selectors import session_of_player_get
from providers.services.sessions import bet_limits_check, retry_after_for, session_playable_check

logger = logging.getLogger(__name__)


# Outbox kinds of the rounds (handlers in providers.outbox_handlers) and their keys: one open intent per round.
ROUND_RESOLVE, ROUND_ACK = "providers.round_resolve", "providers.round_ack"


def _resolve_key(round_id) -> str:
    return f"round-resolve:{round_id}"


def _resolve_intent(round_obj: Round, *, new_round: bool = False):
    """In the transaction that holds the bet: the intent to find out how the round ended, due once the play call
    must be over. A settle or a failure closes it; if the process dies mid-play, the sweep delivers it."""
    provider = round_obj.provider
    return outbox_enqueue(
        kind=ROUND_RESOLVE,
        key=_resolve_key(round_obj.id),
        payload={"round_id": str(round_obj.id)},
        partner=provider.outbound_name,
        subject=f"round:{round_obj.id}",
        delay_seconds=provider.connect_timeout + provider.read_timeout + RESOLVE_GRACE_SECONDS,
        dispatch=False,
        new_key=new_round,
    )


def _ack_intent(round_obj: Round, *, provider: Provider | None = None) -> None:
    """In the transaction that makes the round settled and acknowledged: the intent to tell the provider (`provider`:
    the row already at hand, e.g. core.partners' cached one, so the hot path reads no relation)."""
    outbox_enqueue(
        kind=ROUND_ACK,
        key=f"round-ack:{round_obj.id}",
        payload={"round_id": str(round_obj.id)},
        partner=(provider or round_obj.provider).outbound_name,
        subject=f"round:{round_obj.id}",
    )


# How long after a play call's own timeouts the insurance intent falls due.
RESOLVE_GRACE_SECONDS = 30


def _provider_error(round_obj: Round, exc: PartnerError, detail: str) -> ProviderUnavailable:
    return ProviderUnavailable(
        detail,
        headers={"Retry-After": retry_after_for(exc)},
        extensions={"round_id": str(round_obj.id)},
    )


# ------------------------------------------------------------------------------------------------- spin


def round_play(*, player, session_id, game_id, bet: int, idempotency_key: str) -> tuple[Round, Account]:
    """Play one round for `player`; returns the settled round and the wallet after it.

    Raises SessionClosed, BetOutOfRange, InsufficientFunds before any money moves, and ProviderUnavailable (with
    the round id) when the provider did not answer with a result.
    """
    existing = Round.objects.filter(player=player, idempotency_key=idempotency_key).first()
    if existing is not None:
        # The stored response is gone only after a 503; the round itself still says what the key was used for.
        if (str(existing.session_id), str(existing.game_id), existing.bet) != (str(session_id), str(game_id), bet):
            raise IdempotencyKeyConflict("This Idempotency-Key was used for another spin.")
        return _round_replay(existing)
    session = session_of_player_get(player=player, session_id=session_id)
    if str(session.game_id) != str(game_id):
        raise ValidationFailed(errors={"game_id": ["The game does not match the game session."]})
    session_playable_check(session=session)
    bet_limits_check(game=session.game, amount=bet, field="bet")
    game = session.game
    wallet = wallet_get_or_create(user=player, currency=session.currency)
    round_id = uuid.uuid4()
    log_context_bind(round_id=round_id, partner=session.provider.code)
    try:
        with transaction.atomic():
            # No expiry on the hold: a pending round keeps its bet reserved until the resolver knows the outcome.
            hold = hold_reserve(
                account=wallet, amount=bet, idempotency_key=f"spin:{round_id}:hold:1", reference=f"round:{round_id}"
            )
            round_obj = Round.objects.create(
                id=round_id,
                player=player,
                session=session,
                game=game,
                provider=session.provider,
                idempotency_key=idempotency_key,
                currency=session.currency,
                bet=bet,
                hold=hold,
            )
            _resolve_intent(round_obj, new_round=True)
    except IntegrityError:
        # The same key raced in from another request: that request owns the round, answer with its state.
        existing = Round.objects.filter(player=player, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _round_replay(existing)
    round_obj.session = session  # keep the loaded relations for the provider call
    return _round_call_provider(round_obj)


def _round_call_provider(round_obj: Round) -> tuple[Round, Account]:
    session = round_obj.session
    request = PlayRequest(
        round_id=str(round_obj.id),
        provider_session_id=session.provider_session_id,
        player_ref=str(round_obj.player_id),
        game_code=session.game.code,
        currency=round_obj.currency,
        bet=round_obj.bet,
    )
    try:
        result = adapter_for(session.provider).play_round(request)
    except (PartnerTimeout, ProviderPayloadInvalid) as exc:
        # No answer, or one that cannot be believed: the provider may have played the round, so the bet stays held
        # until the provider's round status says how it ended (releasing it now could pay a round that was lost).
        logger.warning("round %s: outcome unknown (%s); left pending for the resolver", round_obj.id, exc)
        outbox_hasten(key=_resolve_key(round_obj.id))
        raise _provider_error(round_obj, exc, "The provider did not answer in time; the round is pending.") from exc
    except ProviderSessionInvalid as exc:
        round_fail(round_id=round_obj.id, reason="the provider no longer knows the game session")
        GameSession.objects.filter(pk=session.pk, status=SessionStatus.OPEN).update(
            status=SessionStatus.CLOSED, closed_at=timezone.now()
        )
        raise SessionClosed(
            "The provider closed the game session; open a new one.", extensions={"round_id": str(round_obj.id)}
        ) from exc
    except PartnerError as exc:
        logger.warning("round %s failed at the provider: %s", round_obj.id, exc)
        round_fail(round_id=round_obj.id, reason=str(exc)[:255])
        raise _provider_error(round_obj, exc, "The provider could not play the round; no money moved.") from exc
    return round_settle(
        round_id=round_obj.id,
        payout=result.payout,
        result_data=result.result_data,
        provider_round_id=result.provider_round_id,
    )


def _round_wait_for_first(round_obj: Round) -> Round:
    """A duplicate that arrives while the first request with its key is still at the provider waits for that answer
    (as the Idempotency-Key contract replays it), instead of asking the provider about a round it is still playing.
    The first request commits its round before it calls the provider, so a round this young is still in flight."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while round_obj.status == RoundStatus.PENDING and timezone.now() - round_obj.created_at < timedelta(
        seconds=WAIT_FOR_FIRST_SECONDS
    ):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        round_obj = Round.objects.get(pk=round_obj.pk)
    return round_obj


def _round_replay(round_obj: Round) -> tuple[Round, Account]:
    """A spin retried with the same Idempotency-Key (its first answer was a 503, which is not stored), or sent again
    while the first is still running."""
    round_obj = _round_wait_for_first(round_obj)
    if round_obj.status == RoundStatus.PENDING and timezone.now() - round_obj.created_at < timedelta(
        seconds=WAIT_FOR_FIRST_SECONDS
    ):
        raise IdempotencyKeyInProgress(
            "The first request with this Idempotency-Key is still running; retry.", headers={"Retry-After": "1"}
        )
    if round_obj.status == RoundStatus.PENDING:
        round_obj = round_resolve(round_id=round_obj.id, swallow_errors=True)
    if round_obj.status == RoundStatus.FAILED:
        round_obj = _round_retry_failed(round_obj)
    if round_obj.status == RoundStatus.SETTLED:
        return round_obj, wallet_get_or_create(user=round_obj.player, currency=round_obj.currency)
    if round_obj.status == RoundStatus.VOIDED:
        raise ProviderUnavailable(
            "The provider never played this round; no money moved. Spin again with a new Idempotency-Key.",
            headers={"Retry-After": "0"},
            extensions={"round_id": str(round_obj.id)},
        )
    raise ProviderUnavailable(
        "The round is still pending at the provider.",
        headers={"Retry-After": "2"},
        extensions={"round_id": str(round_obj.id)},
    )


def _round_retry_failed(round_obj: Round) -> Round:
    """Play a failed round again under a fresh hold (the provider definitely did not play it the first time)."""
    with transaction.atomic():
        locked = Round.objects.select_for_update(of=("self",)).select_related("session__game", "session__provider")
        locked = locked.get(pk=round_obj.pk)
        if locked.status != RoundStatus.FAILED:
            return locked
        # A retry stakes the bet again: the session, its game and its provider must still allow play.
        session_playable_check(session=locked.session)
        wallet = wallet_get_or_create(user=locked.player, currency=locked.currency)
        locked.attempt += 1
        locked.hold = hold_reserve(
            account=wallet,
            amount=locked.bet,
            idempotency_key=f"spin:{locked.id}:hold:{locked.attempt}",
            reference=f"round:{locked.id}",
        )
        locked.status, locked.failure_reason = RoundStatus.PENDING, ""
        locked.save(update_fields=["attempt", "hold", "status", "failure_reason", "updated_at"])
        _resolve_intent(locked)
    return _round_call_provider(locked)[0]


# ------------------------------------------------------------------------------------------------- outcomes


def round_settle(*, round_id, payout: int, result_data: dict, provider_round_id: str) -> tuple[Round, Account]:
    """Capture the bet into the provider's clearing account and credit the payout from it, in one transaction.
    Settling a settled round is a no-op; only a pending round settles."""
    if payout < 0:
        raise ValueError("a payout is never negative")
    with transaction.atomic():
        round_obj = Round.objects.select_for_update(of=("self",)).select_related("hold__account").get(pk=round_id)
        hold = round_obj.hold
        wallet = hold.account
        if round_obj.status == RoundStatus.SETTLED:
            return round_obj, wallet
        if round_obj.status != RoundStatus.PENDING:
            # The provider says it played a round the platform already closed: staff must reconcile it by hand.
            logger.error("round %s is %s but the provider settled it (payout %s)", round_id, round_obj.status, payout)
            raise ProviderUnavailable("The round was already closed.", extensions={"round_id": str(round_id)})
        provider = partner_cached(Provider, pk=round_obj.provider_id)
        clearing = system_account_get_or_create(
            kind=AccountKind.PROVIDER_CLEARING, partner=provider.code, currency=round_obj.currency
        )
        extra = [Posting(clearing, -payout), Posting(wallet, payout)] if payout else []
        txn = hold_capture(
            hold=hold,
            destination=clearing,
            idempotency_key=f"spin:{round_obj.id}:settle",
            kind="spin",
            reference=f"round:{round_obj.id}",
            extra_postings=extra,
            metadata={"round_id": str(round_obj.id), "bet": round_obj.bet, "payout": payout},
        )
        round_obj.status = RoundStatus.SETTLED
        round_obj.payout = payout
        round_obj.result_data = result_data
        round_obj.provider_round_id = provider_round_id
        round_obj.settle_transaction = txn
        round_obj.settled_at = timezone.now()
        outbox_close(key=_resolve_key(round_obj.id), reason="not needed: the round settled")
        round_obj.save(
            update_fields=[
                "status", "payout", "result_data", "provider_round_id", "settle_transaction", "settled_at",
                "updated_at",
            ]
        )  # fmt: skip
        wallet = txn.accounts.get(wallet.pk) or Account.objects.get(pk=wallet.pk)  # read again only after a replay
        wallet_balance_push(wallet=wallet)
        realtime.round_settled(
            user_id=round_obj.player_id,
            round_id=round_obj.id,
            bet=to_major(round_obj.bet, round_obj.currency),
            payout=to_major(payout, round_obj.currency),
            result_data=result_data,
        )
        if round_obj.acknowledged and round_obj.provider_acknowledged_at is None:
            _ack_intent(round_obj, provider=provider)
    return round_obj, wallet


def _round_close(*, round_id, status: str, reason: str) -> Round:
    with transaction.atomic():
        round_obj = Round.objects.select_for_update(of=("self",)).select_related("hold").get(pk=round_id)
        if round_obj.status != RoundStatus.PENDING:
            return round_obj
        if round_obj.hold is not None and round_obj.hold.status == HoldStatus.ACTIVE:
            hold_release(hold=round_obj.hold)
        round_obj.status, round_obj.failure_reason = status, reason[:255]
        round_obj.save(update_fields=["status", "failure_reason", "updated_at"])
        outbox_close(key=_resolve_key(round_obj.id), reason=f"not needed: the round is {status}")
        wallet_balance_push(wallet=Account.objects.get(pk=round_obj.hold.account_id))
    return round_obj


def round_fail(*, round_id, reason: str) -> Round:
    """The provider definitely did not play the round: release the bet."""
    return _round_close(round_id=round_id, status=RoundStatus.FAILED, reason=reason)


def round_void(*, round_id, reason: str) -> Round:
    """The outcome was unknown and the provider says the round never happened: release the bet."""
    return _round_close(round_id=round_id, status=RoundStatus.VOIDED, reason=reason)


def round_resolve(*, round_id, swallow_errors: bool = False) -> Round:
    """Ask the provider how a pending round ended and settle or void it. PartnerError propagates (the task retries)
    unless `swallow_errors`, in which case the round is returned still pending."""
    round_obj = Round.objects.select_related("provider").get(pk=round_id)
    if round_obj.status != RoundStatus.PENDING:
        return round_obj
    provider = round_obj.provider
    try:
        state = adapter_for(provider).round_status(round_id=str(round_obj.id), currency=round_obj.currency)
    except PartnerError:
        if swallow_errors:
            return round_obj
        raise
    if state.state == ProviderRoundState.SETTLED:
        if state.bet is not None and state.bet != round_obj.bet:
            # The provider settled a round at another stake than the one held: believe neither, keep the bet held
            # and leave the round pending for staff (the admin's resolve action asks again).
            logger.error("round %s: provider reports stake %s, the bet held is %s; left pending for staff",
                         round_obj.id, state.bet, round_obj.bet)  # fmt: skip
            return round_obj
        return round_settle(
            round_id=round_obj.id,
            payout=state.payout,
            result_data=state.result_data,
            provider_round_id=state.provider_round_id,
        )[0]
    if state.state == ProviderRoundState.NOT_FOUND:
        # A play still in flight could yet arrive: void only once the platform's own request is surely dead.
        in_flight_until = round_obj.updated_at + timedelta(seconds=provider.connect_timeout + provider.read_timeout)
        if timezone.now() > in_flight_until:
            return round_void(round_id=round_obj.id, reason="the provider has no record of the round")
    return round_obj


def rounds_outbox_catch_up(*, older_than: timedelta, limit: int = 200) -> int:
    """Beat's backstop for rounds whose outbox intents ran out: a round still pending gets a new resolve intent
    (its last one died), and a settled, acknowledged round never told to its provider gets its ACK intent if it
    never had one (rounds from before the outbox). Returns how many intents were written or found open."""
    cutoff = timezone.now() - older_than
    pending = Round.objects.filter(status=RoundStatus.PENDING, created_at__lt=cutoff).select_related("provider")
    unacked = Round.objects.filter(
        status=RoundStatus.SETTLED, acknowledged=True, provider_acknowledged_at__isnull=True, created_at__lt=cutoff
    ).select_related("provider")
    handed = 0
    for round_obj in pending.order_by("created_at")[:limit]:
        with transaction.atomic():
            message = _resolve_intent(round_obj)
            if message.status == "pending" and message.next_attempt_at > timezone.now():
                outbox_hasten(key=message.key)
        handed += 1
    unacked = list(unacked.order_by("created_at")[:limit])
    known = outbox_keys_known(f"round-ack:{r.id}" for r in unacked)
    for round_obj in unacked:
        if f"round-ack:{round_obj.id}" not in known:
            with transaction.atomic():
                _ack_intent(round_obj)
            handed += 1
    return handed


# ------------------------------------------------------------------------------------------------- acknowledgement


def round_acknowledge(*, player, round_id) -> Round:
    """The player's client confirms it showed the result. Idempotent; the provider is told by a task."""
    with transaction.atomic():
        round_obj = (
            Round.objects.select_for_update(of=("self",)).select_related("provider").filter(pk=round_id, player=player)
        )
        round_obj = round_obj.first()
        if round_obj is None:
            raise NotFound("No such round.")
        if not round_obj.acknowledged:
            round_obj.acknowledged, round_obj.acknowledged_at = True, timezone.now()
            round_obj.save(update_fields=["acknowledged", "acknowledged_at", "updated_at"])
        if round_obj.status == RoundStatus.SETTLED and round_obj.provider_acknowledged_at is None:
            _ack_intent(round_obj)
    return round_obj


def round_provider_acknowledge(*, round_id) -> Round:
    """Send the acknowledgement to the provider (called by the task; PartnerError propagates for its retries)."""
    round_obj = Round.objects.select_related("provider").get(pk=round_id)
    if round_obj.provider_acknowledged_at is not None or round_obj.status != RoundStatus.SETTLED:
        return round_obj
    adapter_for(round_obj.provider).acknowledge_round(round_id=str(round_obj.id))
    Round.objects.filter(pk=round_id, provider_acknowledged_at__isnull=True).update(
        provider_acknowledged_at=timezone.now()
    )
    round_obj.refresh_from_db()
    return round_obj
