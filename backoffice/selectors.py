"""Reads for the staff home and the player page: provider health, queues, what waits for staff, today's game money,
and everything about one player's money in one place."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from django.db.models import Count, Min, Sum
from django.utils import timezone

from backoffice.models import Discrepancy, JobRun
from core.money import to_major
from core.outbox.models import OutboxMessage, OutboxStatus
from ledger.models import Account, AccountKind
from ledger.selectors import account_entries
from payments.models import Payment, PaymentAnomaly, PaymentStatus
from providers.models import GameSession, Provider, Round, RoundStatus, WalletCallback, WalletTransaction
from providers.services.staff import partner_circuit_states

logger = logging.getLogger(__name__)


def _today_start() -> datetime:
    return datetime.combine(timezone.now().date(), time.min, tzinfo=UTC)


def broker_queue_depth() -> int | None:
    """Messages waiting in the default Celery queue (Redis broker); None where it cannot be read."""
    from casino.celery import app

    try:
        with app.connection_for_read() as connection:
            client = getattr(connection.default_channel, "client", None)
            return None if client is None else int(client.llen(app.conf.task_default_queue or "celery"))
    except Exception as exc:  # the dashboard shows "unknown" rather than failing on a broker hiccup
        logger.info("queue depth unavailable: %s", exc)
        return None


def providers_health() -> list[dict]:
    open_by_partner = dict(
        OutboxMessage.objects.filter(status__in=OutboxStatus.open()).values_list("partner").annotate(n=Count("id"))
    )
    dead_by_partner = dict(
        OutboxMessage.objects.filter(status__in=[OutboxStatus.DEAD, OutboxStatus.REFUSED])
        .values_list("partner")
        .annotate(n=Count("id"))
    )
    providers = list(Provider.objects.order_by("code"))
    circuits = partner_circuit_states([provider.outbound_name for provider in providers])
    return [
        {
            "code": provider.code,
            "name": provider.name,
            "enabled": provider.enabled,
            "circuit": circuits[provider.outbound_name],
            "outbox_open": open_by_partner.get(provider.outbound_name, 0),
            "dead_letters": dead_by_partner.get(provider.outbound_name, 0),
        }
        for provider in providers
    ]


def game_money_today() -> list[dict]:
    """Bets, wins and GGR per provider and currency since midnight UTC: spins settled and seamless-wallet moves."""
    start = _today_start()
    totals: dict[tuple[str, str], dict] = {}

    def row(code, currency):
        return totals.setdefault((code, currency), {"provider": code, "currency": currency, "bets": 0, "wins": 0})

    spins = (
        Round.objects.filter(status=RoundStatus.SETTLED, settled_at__gte=start)
        .values("provider__code", "currency")
        .annotate(bets=Sum("bet"), wins=Sum("payout"))
        .order_by()
    )
    for spin in spins:
        entry = row(spin["provider__code"], spin["currency"])
        entry["bets"] += spin["bets"] or 0
        entry["wins"] += spin["wins"] or 0
    moves = (
        WalletTransaction.objects.filter(created_at__gte=start, status="completed", action__in=["bet", "win"])
        .values("provider__code", "currency", "action")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for move in moves:
        row(move["provider__code"], move["currency"])["bets" if move["action"] == "bet" else "wins"] += move["total"]
    result = []
    for entry in sorted(totals.values(), key=lambda e: (e["provider"], e["currency"])):
        currency = entry["currency"]
        result.append(
            {
                **entry,
                "bets": to_major(entry["bets"], currency),
                "wins": to_major(entry["wins"], currency),
                "ggr": to_major(entry["bets"] - entry["wins"], currency),
            }
        )
    return result


def dashboard_context() -> dict:
    pending = Round.objects.filter(status=RoundStatus.PENDING).aggregate(n=Count("id"), oldest=Min("created_at"))
    last_runs = {}
    for run in JobRun.objects.exclude(status=JobRun.Status.RUNNING).order_by("-id")[:50]:
        last_runs.setdefault((run.job, run.partner), run)
    return {
        "providers": providers_health(),
        "queue_depth": broker_queue_depth(),
        "outbox_open": OutboxMessage.objects.filter(status__in=OutboxStatus.open()).count(),
        "dead_letters": OutboxMessage.objects.filter(status__in=[OutboxStatus.DEAD, OutboxStatus.REFUSED]).count(),
        "pending_rounds": pending["n"],
        "oldest_pending_round": pending["oldest"],
        "stuck_rounds": Round.objects.filter(
            status=RoundStatus.PENDING, created_at__lt=timezone.now() - timedelta(minutes=30)
        ).count(),
        "review_queue": Payment.objects.filter(status=PaymentStatus.REVIEW).count(),
        "open_anomalies": PaymentAnomaly.objects.filter(resolved=False).count(),
        "open_discrepancies": Discrepancy.objects.filter(status=Discrepancy.Status.OPEN).count(),
        "last_runs": sorted(last_runs.values(), key=lambda r: (r.job, r.partner)),
        "money_today": game_money_today(),
    }


def player_page_context(*, user) -> dict:
    wallets = list(Account.objects.filter(owner=user, kind=AccountKind.PLAYER_WALLET).order_by("currency"))
    statement = []
    for wallet in wallets:
        for entry in account_entries(account=wallet)[:50]:
            statement.append(
                {
                    "at": entry.created_at,
                    "kind": entry.transaction.kind,
                    "currency": entry.currency,
                    "amount": to_major(entry.amount, entry.currency),
                    "balance_after": to_major(entry.balance_after, entry.currency),
                    "reference": entry.transaction.reference,
                }
            )
    statement.sort(key=lambda line: line["at"], reverse=True)
    moves = list(WalletTransaction.objects.filter(player=user).order_by("-created_at")[:50])
    return {
        "player": user,
        "profile": getattr(user, "player", None),
        "wallets": [
            {
                "currency": w.currency,
                "balance": to_major(w.balance, w.currency),
                "held": to_major(w.held, w.currency),
                "available": to_major(w.available, w.currency),
            }
            for w in wallets
        ],
        "statement": statement[:50],
        "sessions": GameSession.objects.filter(player=user)
        .select_related("game", "provider")
        .order_by("-created_at")[:20],
        "rounds": [
            {
                "round": r,
                "bet": to_major(r.bet, r.currency),
                "payout": "" if r.payout is None else to_major(r.payout, r.currency),
            }
            for r in Round.objects.filter(player=user).select_related("provider").order_by("-created_at")[:30]
        ],
        "payments": [
            {"payment": p, "amount": to_major(p.amount, p.currency)}
            for p in Payment.objects.filter(player=user).select_related("gateway").order_by("-created_at")[:30]
        ],
        "wallet_moves": [{"move": m, "amount": to_major(m.amount, m.currency)} for m in moves],
        # The raw callbacks behind the wallet moves shown (found by transaction id: the callback table is large).
        "callbacks": WalletCallback.objects.filter(transaction_id__in=[m.transaction_id for m in moves]).order_by(
            "-id"
        )[:30],
    }


def discrepancies_unresolved_counts() -> dict[tuple[str, str, str], int]:
    """Discrepancies staff have not resolved yet (open, or a compensation awaiting approval), counted by the job
    that found them, the partner and the kind."""
    rows = (
        Discrepancy.objects.exclude(status=Discrepancy.Status.RESOLVED)
        .values_list("run__job", "run__partner", "kind")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(job, partner, kind): count for job, partner, kind, count in rows}
