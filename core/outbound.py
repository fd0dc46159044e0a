"""Outbound HTTP to game providers and payment gateways: one pooled session per partner, the contract's HMAC
signature on every call, a circuit breaker per partner, and one latency histogram for all of them.

Adapters call `OutboundClient.request`; they never build their own sessions. Errors come back as the three
exceptions below so that services can decide: retry later (unavailable), give up (rejected), or find out (timeout).
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pybreaker
import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from core.metrics import CIRCUIT_BREAKER_STATE, PROVIDER_REQUEST_DURATION
from core.signing import sign_request


class PartnerError(Exception):
    def __init__(self, message: str, *, status: int | None = None, body=None, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.body, self.retry_after = status, body, retry_after


class PartnerUnavailable(PartnerError):
    """The partner did not do it: connection refused, 5xx, circuit open. Safe to retry."""


class PartnerTimeout(PartnerUnavailable):
    """The partner may or may not have done it: the outcome is unknown until asked again."""


class PartnerRejected(PartnerError):
    """The partner answered 4xx: retrying the same call will not help."""


_STATE_VALUE = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}
_lock = threading.Lock()
_sessions: dict[str, requests.Session] = {}
_breakers: dict[str, pybreaker.CircuitBreaker] = {}


class _GaugeListener(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state):
        CIRCUIT_BREAKER_STATE.labels(provider=cb.name).set(_STATE_VALUE.get(new_state.name, 0))


def breaker_for(name: str) -> pybreaker.CircuitBreaker:
    with _lock:
        if name not in _breakers:
            _breakers[name] = pybreaker.CircuitBreaker(
                fail_max=settings.CIRCUIT_FAIL_MAX,
                reset_timeout=settings.CIRCUIT_RESET_SECONDS,
                exclude=[PartnerRejected],
                throw_new_error_on_trip=False,  # the call that trips it reports its own failure
                listeners=[_GaugeListener()],
                name=name,
            )
            CIRCUIT_BREAKER_STATE.labels(provider=name).set(0)
        return _breakers[name]


def breaker_reset(name: str | None = None) -> None:
    """Close one partner's breaker (or all): for staff after a fix, and for tests."""
    for key, breaker in list(_breakers.items()):
        if name is None or key == name:
            breaker.close()


def _session_for(name: str) -> requests.Session:
    with _lock:
        if name not in _sessions:
            session = requests.Session()
            session.trust_env = False  # no environment proxies or CA bundles overriding the partner's settings
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[name] = session
        return _sessions[name]


_DROPPED_AFTER_SENDING = ("RemoteDisconnected", "Connection aborted", "Read timed out")


def transport_error(name: str, exc: requests.exceptions.RequestException) -> PartnerError:
    """What a failed HTTP exchange means: nothing reached the partner (unavailable, safe to retry or give up), or
    the request left and no complete answer came back (timeout: the partner may have done it, find out first)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return PartnerUnavailable(f"{name}: connect timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return PartnerUnavailable(f"{name}: TLS handshake failed: {exc}")
    if isinstance(exc, requests.exceptions.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return PartnerTimeout(f"{name}: no complete answer in time")
    if isinstance(exc, requests.exceptions.ConnectionError):
        # requests reports a connection dropped after sending, and a read timeout inside the answer's body, as
        # ConnectionError too; only a connection that never carried the request is a definite failure.
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.ReadTimeoutError) or any(
            marker in str(exc) for marker in _DROPPED_AFTER_SENDING
        ):
            return PartnerTimeout(f"{name}: connection dropped before a complete answer")
        return PartnerUnavailable(f"{name}: connection failed")
    return PartnerUnavailable(f"{name}: {type(exc).__name__}")


@dataclass
class OutboundClient:
    name: str  # the partner's code, the label in metrics and the breaker's key
    base_url: str
    key_id: str = ""
    secret: str = ""
    connect_timeout: float | None = None
    read_timeout: float | None = None
    cert: tuple[str, str] | None = None  # client certificate for mutual TLS
    verify: bool | str = True  # CA bundle path for a partner's private CA

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(self, method: str, path: str, *, operation: str, json=None, headers: dict | None = None):
        """Send one signed JSON request; returns the decoded JSON body of a 2xx answer."""
        url = self.url(path)
        body = b"" if json is None else jsonlib.dumps(json, separators=(",", ":")).encode()
        all_headers = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
        if self.key_id and self.secret:
            all_headers.update(
                sign_request(key_id=self.key_id, secret=self.secret, method=method, path=urlsplit(url).path, body=body)
            )
        timeout = (
            self.connect_timeout or settings.OUTBOUND_CONNECT_TIMEOUT,
            self.read_timeout or settings.OUTBOUND_READ_TIMEOUT,
        )
        return self.call(operation, lambda: self._send(method, url, body, all_headers, timeout))

    def call(self, operation: str, send):
        """Run `send()` under this partner's breaker and histogram (SOAP adapters pass their zeep call here)."""
        breaker = breaker_for(self.name)
        started = time.perf_counter()
        outcome = "ok"
        try:
            return breaker.call(send)
        except pybreaker.CircuitBreakerError:
            outcome = "circuit_open"
            raise PartnerUnavailable(f"{self.name}: circuit open", retry_after=settings.CIRCUIT_RESET_SECONDS) from None
        except PartnerTimeout:
            outcome = "timeout"
            raise
        except PartnerRejected:
            outcome = "rejected"
            raise
        except PartnerError:
            outcome = "error"
            raise
        finally:
            PROVIDER_REQUEST_DURATION.labels(provider=self.name, operation=operation, outcome=outcome).observe(
                time.perf_counter() - started
            )

    def _send(self, method, url, body, headers, timeout):
        try:
            response = _session_for(self.name).request(
                method, url, data=body or None, headers=headers, timeout=timeout, cert=self.cert, verify=self.verify
            )
        except requests.exceptions.RequestException as exc:
            raise transport_error(self.name, exc) from exc
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = None
            if response.ok:
                # It answered 2xx, so it may well have done it, in words nobody can read: outcome unknown.
                raise PartnerTimeout(f"{self.name}: answered non-JSON", status=response.status_code) from None
        if response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            # The partner's own error document says it failed; a 5xx without one (a proxy's 502/504, a crash page)
            # may stand in front of a request the partner did process: outcome unknown.
            error_class = PartnerUnavailable if isinstance(payload, dict) else PartnerTimeout
            raise error_class(
                f"{self.name}: HTTP {response.status_code}",
                status=response.status_code,
                body=payload,
                retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
            )
        if response.status_code >= 400:
            raise PartnerRejected(
                f"{self.name}: HTTP {response.status_code}", status=response.status_code, body=payload
            )
        return payload
