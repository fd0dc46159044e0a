"""Circuit breakers shared by every process: one state per partner, kept in Redis in production (so N web and
worker processes stop calling a dead partner together) or in process memory in the embedded default.

A breaker opens after `fail_max` consecutive failures, fails calls at once for `reset_timeout` seconds, then lets
`half_open_probes` trial calls through: that many successes close it, one failure opens it again. Each partner's
numbers come from its `CircuitBreakerPolicy` row in the admin (else the CIRCUIT_* settings).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings

from core.metrics import CIRCUIT_BREAKER_TRANSITIONS

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
STATE_VALUES = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}  # the circuit-state gauge's numbers


@dataclass(frozen=True)
class BreakerPolicy:
    fail_max: int
    reset_timeout: float
    half_open_probes: int


@dataclass(frozen=True)
class BreakerRecord:
    """One partner's shared state. `until` is when an open circuit lets probes through, or when a half-open window
    whose probes never reported back may start again: readers need no policy to know the state."""

    state: str = CLOSED
    failures: int = 0
    until: float = 0.0
    probes: int = 0  # trial calls let through in this half-open window
    successes: int = 0  # trial calls that succeeded

    @classmethod
    def from_mapping(cls, mapping: dict) -> BreakerRecord:
        if not mapping:
            return cls()
        text = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                for k, v in mapping.items()}  # fmt: skip
        return cls(
            state=text.get("state", CLOSED),
            failures=int(text.get("failures", 0)),
            until=float(text.get("until", 0.0)),
            probes=int(text.get("probes", 0)),
            successes=int(text.get("successes", 0)),
        )

    def effective_state(self, now: float) -> str:
        """An open breaker whose reset timeout has passed is ready for a probe: half-open to the outside world."""
        if self.state == OPEN and now >= self.until:
            return HALF_OPEN
        return self.state

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.until - now))


@dataclass(frozen=True)
class Admission:
    allowed: bool
    probe: bool = False  # a half-open trial call: its result decides the circuit
    retry_after: int = 0


# ------------------------------------------------------------------------------ the state machine (pure)


def _admit(record: BreakerRecord, policy: BreakerPolicy, now: float) -> tuple[BreakerRecord, Admission]:
    if record.state == OPEN:
        if now < record.until:
            return record, Admission(False, retry_after=record.retry_after(now))
        record = BreakerRecord(state=HALF_OPEN, failures=record.failures, until=now + policy.reset_timeout)
    if record.state == HALF_OPEN:
        if record.probes >= policy.half_open_probes:
            if now < record.until:  # the probes are still out: wait for their verdict
                return record, Admission(False, retry_after=record.retry_after(now))
            # Probes that never reported back (their process died mid-call) must not wedge the circuit.
            record = replace(record, until=now + policy.reset_timeout, probes=0, successes=0)
        return replace(record, probes=record.probes + 1), Admission(True, probe=True)
    return record, Admission(True)


def _succeeded(record: BreakerRecord, policy: BreakerPolicy) -> BreakerRecord:
    if record.state == HALF_OPEN:
        if record.successes + 1 >= policy.half_open_probes:
            return BreakerRecord()
        return replace(record, successes=record.successes + 1)
    if record.state == CLOSED and record.failures:
        return BreakerRecord()  # failures count only while consecutive
    return record  # open: a call that started before another process opened it changes nothing


def _failed(record: BreakerRecord, policy: BreakerPolicy, now: float) -> BreakerRecord:
    if record.state == HALF_OPEN:
        return BreakerRecord(state=OPEN, failures=record.failures + 1, until=now + policy.reset_timeout)
    if record.state == CLOSED:
        if record.failures + 1 >= policy.fail_max:
            return BreakerRecord(state=OPEN, failures=record.failures + 1, until=now + policy.reset_timeout)
        return replace(record, failures=record.failures + 1)
    return record


# ----------------------------------------------------------------------------------------------- stores

Step = Callable[[BreakerRecord], tuple[BreakerRecord, Any]]


class LocalBreakerStore:
    """Process memory: the embedded default (one web process, a thread-pool worker), and the fallback."""

    def __init__(self):
        self._records: dict[str, BreakerRecord] = {}
        self._lock = threading.Lock()

    def read_all(self) -> dict[str, BreakerRecord]:
        with self._lock:
            return dict(self._records)

    def read(self, name: str) -> BreakerRecord:
        with self._lock:
            return self._records.get(name, BreakerRecord())

    def update(self, name: str, step: Step) -> tuple[BreakerRecord, BreakerRecord, Any]:
        with self._lock:
            old = self._records.get(name, BreakerRecord())
            new, result = step(old)
            self._records[name] = new
            return old, new, result

    def delete(self, names: list[str] | None) -> None:
        with self._lock:
            for name in list(self._records) if names is None else names:
                self._records.pop(name, None)


class RedisBreakerStore:
    """One Redis hash per partner, changed under WATCH/MULTI so that concurrent processes agree on every step. The
    hot path (a closed breaker, a success after a success) is one HGETALL and no write."""

    def __init__(self, url: str, prefix: str):
        import redis

        # Short timeouts: a slow Redis must not stall partner calls (a breaker that cannot be read lets calls pass).
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = f"{prefix}:breaker:"
        self._names = f"{prefix}:breakers"

    def _key(self, name: str) -> str:
        return self._prefix + name

    def read_all(self) -> dict[str, BreakerRecord]:
        names = sorted(n.decode() for n in self._client.smembers(self._names))
        if not names:
            return {}
        pipe = self._client.pipeline(transaction=False)
        for name in names:
            pipe.hgetall(self._key(name))
        return {name: BreakerRecord.from_mapping(m) for name, m in zip(names, pipe.execute(), strict=True)}

    def read(self, name: str) -> BreakerRecord:
        return BreakerRecord.from_mapping(self._client.hgetall(self._key(name)))

    def update(self, name: str, step: Step) -> tuple[BreakerRecord, BreakerRecord, Any]:
        key = self._key(name)
        current = BreakerRecord.from_mapping(self._client.hgetall(key))
        new, result = step(current)
        if new == current:
            return current, new, result

        def write(pipe):
            old = BreakerRecord.from_mapping(pipe.hgetall(key))
            new, result = step(old)
            pipe.multi()
            if new != old:
                pipe.hset(key, mapping={k: str(v) for k, v in asdict(new).items()})
                pipe.sadd(self._names, name)
            return old, new, result

        return self._client.transaction(write, key, value_from_callable=True)

    def delete(self, names: list[str] | None) -> None:
        if names is None:
            names = [n.decode() for n in self._client.smembers(self._names)]
        if names:
            self._client.delete(*[self._key(n) for n in names])


_store_lock = threading.Lock()
_stores: dict[tuple, LocalBreakerStore | RedisBreakerStore] = {}
_fallback = LocalBreakerStore()


def breaker_store() -> LocalBreakerStore | RedisBreakerStore:
    """The store CIRCUIT_BREAKER_STORE names: "redis" (shared; the default when REDIS_URL is set) or "local"."""
    if settings.CIRCUIT_BREAKER_STORE == "redis":
        url = settings.CIRCUIT_BREAKER_REDIS_URL or settings.CACHES["default"]["LOCATION"]
        key = ("redis", url, settings.CACHE_KEY_PREFIX)
    else:
        key = ("local",)
    with _store_lock:
        if key not in _stores:
            _stores[key] = RedisBreakerStore(key[1], key[2]) if key[0] == "redis" else LocalBreakerStore()
        return _stores[key]


# ---------------------------------------------------------------------------------------------- policies

_policies: dict[str, BreakerPolicy] = {}
_policies_loaded_at = 0.0
_POLICY_TTL_SECONDS = 5.0  # staff's edits reach every process within this


def default_policy() -> BreakerPolicy:
    return BreakerPolicy(
        fail_max=settings.CIRCUIT_FAIL_MAX,
        reset_timeout=float(settings.CIRCUIT_RESET_SECONDS),
        half_open_probes=settings.CIRCUIT_HALF_OPEN_PROBES,
    )


def policies_forget() -> None:
    """Drop this process's copy of the policies (after staff save one; other processes follow within the TTL)."""
    global _policies, _policies_loaded_at
    _policies, _policies_loaded_at = {}, 0.0


def breaker_policies() -> dict[str, BreakerPolicy]:
    """Every configured policy by partner name, read at most once per TTL; while the database cannot be read the
    last copy serves (the defaults before any), and the next read is tried after the TTL."""
    global _policies, _policies_loaded_at
    if time.monotonic() - _policies_loaded_at > _POLICY_TTL_SECONDS:
        _policies_loaded_at = time.monotonic()
        try:
            from core.models import CircuitBreakerPolicy

            _policies = {
                row.partner: BreakerPolicy(row.fail_max, float(row.reset_timeout), row.half_open_probes)
                for row in CircuitBreakerPolicy.objects.all()
            }
        except Exception as exc:
            logger.warning("circuit breaker policies unreadable (%s); keeping the last ones", type(exc).__name__)
    return _policies


def breaker_policy(name: str) -> BreakerPolicy:
    return breaker_policies().get(name) or default_policy()


# ----------------------------------------------------------------------------------------------- breaker


def _store_call(operation: Callable[[LocalBreakerStore | RedisBreakerStore], Any], name: str):
    """Run a store operation; a store that fails (Redis down) falls back to this process's own breaker."""
    try:
        return operation(breaker_store())
    except Exception as exc:
        if isinstance(exc, AttributeError | TypeError):
            raise
        logger.warning("circuit breaker store unavailable for %s (%s); using the local breaker", name, exc)
        return operation(_fallback)


class CircuitBreaker:
    """The breaker of one partner (`name` is the OutboundClient's name: a provider code, `gateway:<code>`). A
    `policy` given by the caller (a partner row's own numbers) wins over the admin's CircuitBreakerPolicy rows."""

    def __init__(self, name: str, policy: BreakerPolicy | None = None):
        self.name = name
        self.policy = policy or breaker_policy(name)

    def _step(self, step: Step):
        old, new, result = _store_call(lambda store: store.update(self.name, step), self.name)
        if old.state != new.state:
            CIRCUIT_BREAKER_TRANSITIONS.labels(provider=self.name, state=new.state).inc()
            log = logger.warning if new.state == OPEN else logger.info
            log("circuit of %s: %s -> %s", self.name, old.state, new.state,
                extra={"partner": self.name, "circuit": new.state, "failures": new.failures})  # fmt: skip
        return result

    def admit(self) -> Admission:
        now = time.time()
        return self._step(lambda record: _admit(record, self.policy, now))

    def record_success(self) -> None:
        self._step(lambda record: (_succeeded(record, self.policy), None))

    def record_failure(self) -> None:
        now = time.time()
        self._step(lambda record: (_failed(record, self.policy, now), None))


@dataclass(frozen=True)
class BreakerStatus:
    name: str
    state: str  # effective: an open breaker past its reset timeout reads half_open
    failures: int
    retry_after: int  # seconds until it lets a probe through (0 unless open)


def breaker_statuses(names: list[str] | None = None) -> dict[str, BreakerStatus]:
    """The state of every known breaker (those used or configured), or of `names`, as every process sees it."""
    records = _store_call(lambda store: store.read_all(), "all")
    wanted = sorted(set(records) | set(breaker_policies())) if names is None else names
    now = time.time()
    statuses = {}
    for name in wanted:
        record = records.get(name, BreakerRecord())
        state = record.effective_state(now)
        statuses[name] = BreakerStatus(
            name=name,
            state=state,
            failures=record.failures,
            retry_after=record.retry_after(now) if state == OPEN else 0,
        )
    return statuses


def breakers_open() -> dict[str, int]:
    """Partners whose circuit is open right now, with the seconds until a probe may pass."""
    return {name: status.retry_after for name, status in breaker_statuses().items() if status.state == OPEN}


def breaker_reset(name: str | None = None) -> None:
    """Close one partner's breaker (or all): for staff after a fix, and for tests."""
    names = None if name is None else [name]
    _store_call(lambda store: store.delete(names), name or "all")
    _fallback.delete(names)
    if name is not None:
        logger.info("circuit of %s reset by hand", name, extra={"partner": name, "circuit": CLOSED})
