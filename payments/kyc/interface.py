"""What a KYC vendor adapter answers: may this player withdraw?"""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class KycDecision:
    verified: bool
    status: str  # the vendor's word, for messages and logs
    reason: str = ""


class KycAdapter(abc.ABC):
    @abc.abstractmethod
    def check(self, *, user) -> KycDecision: ...
