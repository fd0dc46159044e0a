"""Seamless-wallet services (writes), split by sub-domain: the callback sequence (callbacks.py) and the money moves
it dispatches to (money.py)."""

from .callbacks import wallet_callback_close, wallet_callback_receive, wallet_callback_record
from .money import (
    WalletAnswer,
    wallet_balance_get,
    wallet_bet_place,
    wallet_rollback_apply,
    wallet_win_credit,
    wallet_win_refuse,
    wallet_win_release,
)

__all__ = [
    "WalletAnswer",
    "wallet_balance_get",
    "wallet_bet_place",
    "wallet_callback_close",
    "wallet_callback_receive",
    "wallet_callback_record",
    "wallet_rollback_apply",
    "wallet_win_credit",
    "wallet_win_refuse",
    "wallet_win_release",
]
