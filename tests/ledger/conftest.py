"""Ledger fixtures: system accounts and funded wallets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.models import Account, AccountKind
from ledger.services import system_account_get_or_create


@pytest.fixture
def house(db) -> Account:
    return system_account_get_or_create(kind=AccountKind.HOUSE, currency="EUR")


@pytest.fixture
def provider_clearing(db) -> Account:
    return system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, currency="EUR", partner="sandbox")


@pytest.fixture
def funded_wallet(make_player, fund) -> Callable[[int], Account]:
    def make(minor: int, currency: str = "EUR") -> Account:
        return fund(make_player(currency=currency), minor, currency)

    return make
