"""Switchable faults of the sandbox provider, kept in the shared cache so tests and demos flip them at runtime.

A fault applies to one operation (session, play, status, ack, games; "*" for all) and optionally only to the next
`count` calls. Modes: latency (answer late), error (answer 5xx, do nothing), timeout (do the work, then answer only
after `delay`, past the platform's read timeout), drop (close the connection without answering, do nothing),
win (play: force a win of `multiplier` times the stake, for demos and tests of payouts), garbage (answer 200 with a
body that breaks the vendor's own schema, do nothing), restake (status: report a stake one cent off the one played,
as a confused provider would).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.faults import FaultSwitchboard

OPERATIONS = ("session", "play", "status", "ack", "games", "report")
MODES = ("latency", "error", "timeout", "drop", "win", "garbage", "restake")


@dataclass(frozen=True)
class Fault:
    operation: str
    mode: str
    delay: float = 0.0
    status: int = 503
    count: int | None = None
    multiplier: int = 10


_switchboard = FaultSwitchboard(prefix="sandbox:provider", operations=OPERATIONS, modes=MODES, fault_type=Fault)


def fault_set(
    *,
    operation: str,
    mode: str,
    delay: float = 0.0,
    status: int = 503,
    count: int | None = None,
    multiplier: int = 10,
) -> Fault:
    _switchboard.check(operation=operation, mode=mode, count=count)
    fault = Fault(operation=operation, mode=mode, delay=float(delay), status=int(status), count=count,
                  multiplier=int(multiplier))  # fmt: skip
    return _switchboard.store(fault)


faults_clear = _switchboard.clear
faults_active = _switchboard.active
fault_take = _switchboard.take
