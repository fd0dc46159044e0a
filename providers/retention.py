"""Providers' retention: raw wallet callbacks after WALLET_CALLBACK_RETENTION_DAYS (regulated). No row points at a
callback by key: a wallet transaction names it by (provider, transaction id), and the money it moved is in the
ledger for good. The callbacks of a round with a win held for staff review stay until staff decide, whatever their
age (they are what the reviewer reads)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.retention import RetentionPolicy, retention_policy_register
from providers.models import WalletCallback, WalletTransaction, WalletTransactionStatus


def wallet_callbacks_purgeable(cutoff: datetime) -> QuerySet:
    held_rounds = WalletTransaction.objects.filter(
        provider_id=OuterRef("provider_id"), status=WalletTransactionStatus.HELD
    ).values("round_id")
    under_review = WalletTransaction.objects.filter(
        Q(status=WalletTransactionStatus.HELD) | Q(round_id__in=held_rounds),
        provider_id=OuterRef("provider_id"),
        transaction_id=OuterRef("transaction_id"),
    )
    return WalletCallback.objects.filter(~Exists(under_review), received_at__lt=cutoff)


def register() -> None:
    retention_policy_register(
        RetentionPolicy(
            name="wallet_callbacks", setting="WALLET_CALLBACK_RETENTION_DAYS", purgeable=wallet_callbacks_purgeable
        )
    )
