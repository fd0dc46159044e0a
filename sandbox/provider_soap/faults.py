"""Switchable faults of the SOAP sandbox provider, kept in the shared cache so tests and demos flip them at runtime.

Per operation (session, play, status, ack, games, report; "*" for all), optionally only for the next `count` calls:
client_fault / server_fault (a SOAP fault with that code, nothing done), unavailable (HTTP 503, nothing done),
slow (do the work, then answer after `delay` seconds), invalid (do the work, answer a body that breaks the XSD).
Besides the switch, a PlayRound with the stake FAULT_STAKE is always refused with a Client fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.faults import FaultSwitchboard

OPERATIONS = ("session", "play", "status", "ack", "games", "report")
MODES = ("client_fault", "server_fault", "unavailable", "slow", "invalid")
FAULT_STAKE = "13.13"


@dataclass(frozen=True)
class SoapSandboxFault:
    operation: str
    mode: str
    delay: float = 0.0
    count: int | None = None


_switchboard = FaultSwitchboard(
    prefix="sandbox:soap-provider", operations=OPERATIONS, modes=MODES, fault_type=SoapSandboxFault
)


def soap_fault_set(*, operation: str, mode: str, delay: float = 0.0, count: int | None = None) -> SoapSandboxFault:
    _switchboard.check(operation=operation, mode=mode, count=count)
    return _switchboard.store(SoapSandboxFault(operation=operation, mode=mode, delay=float(delay), count=count))


soap_faults_clear = _switchboard.clear
soap_fault_take = _switchboard.take
