"""What a reconciliation finds, in one shape for every partner: each app compares a partner's settlement report with
its own rows and the ledger and returns these; the run that stores them sits above the apps."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models


class DiscrepancyKind(models.TextChoices):
    MISSING_AT_PLATFORM = "missing_at_platform", "In the partner's report, not at the platform"
    MISSING_AT_PARTNER = "missing_at_partner", "At the platform, not in the partner's report"
    AMOUNT_MISMATCH = "amount_mismatch", "Amounts disagree"
    CURRENCY_MISMATCH = "currency_mismatch", "Currencies disagree"
    STATUS_MISMATCH = "status_mismatch", "Statuses disagree"
    LEDGER_INVARIANT = "ledger_invariant", "A ledger invariant is broken"


@dataclass(frozen=True)
class Finding:
    kind: str  # a DiscrepancyKind
    reference: str  # what it is about: round:<id>, wallet:<transaction id>, payment:<id>, ledger:<account>
    detail: str
    platform: dict = field(default_factory=dict)  # what the platform has
    partner: dict = field(default_factory=dict)  # what the partner reported
    # The money the partner's word would move into the player's wallet (minor units, signed), when one is named:
    # what a compensating transaction would post after staff check it.
    amount: int = 0
    currency: str = ""
    player_id: int | None = None
