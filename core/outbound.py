"""Outbound HTTP to game providers and payment gateways: one pooled session per partner, the contract's HMAC
signature and the platform's X-Request-ID on every call, a circuit breaker per partner shared by every process
(core.breakers), and one latency histogram, one error counter and one log line per call for all of them.

Adapters call `OutboundClient.request`; they never build their own sessions. Errors come back as the three
exceptions below so that services can decide: retry later (unavailable), give up (rejected), or find out (timeout).
"""

from __future__ import annotations

import json as jsonlib
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from core.breakers import BreakerPolicy, CircuitBreaker, breaker_reset
from core.logcontext import current_request_id
from core.metrics import PARTNER_ERRORS, PROVIDER_REQUEST_DURATION
from core.signing import sign_request

__all__ = [
    "CircuitOpen",
    "OutboundClient",
    "PartnerError",
    "PartnerPayloadInvalid",
    "PartnerRejected",
    "PartnerSession",
    "PartnerTimeout",
    "PartnerUnavailable",
    "breaker_reset",
    "transport_error",
]

logger = logging.getLogger("casino.outbound")


class PartnerError(Exception):
    # What went wrong, for the error counters: timeout, refused, 5xx, 4xx, schema, circuit_open (None: from status).
    error_class: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body=None,
        retry_after: int | None = None,
        error_class: str | None = None,
    ):
        super().__init__(message)
        self.status, self.body, self.retry_after = status, body, retry_after
        if error_class:
            self.error_class = error_class


class PartnerUnavailable(PartnerError):
    """The partner did not do it: connection refused, 5xx, circuit open. Safe to retry."""


class PartnerTimeout(PartnerUnavailable):
    """The partner may or may not have done it: the outcome is unknown until asked again."""

    error_class = "timeout"


class PartnerRejected(PartnerError):
    """The partner answered 4xx: retrying the same call will not help."""


class PartnerPayloadInvalid(PartnerUnavailable):
    """An answer that fails its schema: nothing in it can be believed (adapters raise it from their `parse`)."""

    error_class = "schema"


class CircuitOpen(PartnerUnavailable):
    """The partner's breaker is open: the call was not made. `retry_after` says when a probe may pass."""

    error_class = "circuit_open"


def error_class_of(exc: BaseException) -> str:
    """The class an error is counted under (casino_partner_errors_total's error_class label)."""
    if isinstance(exc, PartnerError):
        if "error_class" in vars(exc):  # said where it was raised
            return exc.error_class
        if exc.status and exc.status >= 500:
            return "5xx"
        if isinstance(exc, PartnerRejected):
            return "4xx"
        return exc.error_class or "refused"
    return "other"


_lock = threading.Lock()
_sessions: dict[str, requests.Session] = {}


class PartnerSession(requests.Session):
    """A requests session that tells the partner the platform's request id (X-Request-ID) on every call, so one id
    follows a player's request, the tasks it started and the partner's own logs (SOAP clients use it too)."""

    def request(self, method, url, *args, headers=None, **kwargs):
        request_id = current_request_id()
        if request_id != "-":
            headers = {"X-Request-ID": request_id, **(headers or {})}
        return super().request(method, url, *args, headers=headers, **kwargs)


_TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class PartnerAdapter(HTTPAdapter):
    """The connection pools every partner call goes through (REST and SOAP alike): no retries of its own (a retry is
    the caller's decision), and no TLS below PARTNER_TLS_MIN_VERSION (1.3 by default)."""

    def __init__(self, *, pool_maxsize: int, pool_connections: int = 10):
        super().__init__(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_minimum_version"] = _TLS_VERSIONS[settings.PARTNER_TLS_MIN_VERSION]
        super().init_poolmanager(*args, **kwargs)


def _session_for(name: str) -> requests.Session:
    with _lock:
        if name not in _sessions:
            session = PartnerSession()
            session.trust_env = False  # no environment proxies or CA bundles overriding the partner's settings
            adapter = PartnerAdapter(pool_connections=4, pool_maxsize=32)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[name] = session
        return _sessions[name]


_DROPPED_AFTER_SENDING = ("RemoteDisconnected", "Connection aborted", "Read timed out")


def transport_error(name: str, exc: requests.exceptions.RequestException) -> PartnerError:
    """What a failed HTTP exchange means: nothing reached the partner (unavailable, safe to retry or give up), or
    the request left and no complete answer came back (timeout: the partner may have done it, find out first)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return PartnerUnavailable(f"{name}: connect timeout", error_class="timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return PartnerUnavailable(f"{name}: TLS handshake failed: {exc}", error_class="refused")
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
        return PartnerUnavailable(f"{name}: connection failed", error_class="refused")
    return PartnerUnavailable(f"{name}: {type(exc).__name__}", error_class="other")


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
    # The partner row's own breaker numbers; None: the admin's CircuitBreakerPolicy for this name, else the settings.
    breaker_policy: BreakerPolicy | None = None

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def request(self, method: str, path: str, *, operation: str, json=None, headers: dict | None = None, parse=None):
        """Send one signed JSON request; returns the decoded JSON body of a 2xx answer, or `parse(body)` when given
        (run inside the breaker and the metrics, so an answer failing its schema counts against the partner)."""
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

        def send():
            answer = self._send(method, url, body, all_headers, timeout)
            return parse(answer) if parse is not None else answer

        return self.call(operation, send)

    def call(self, operation: str, send):
        """Run `send()` under this partner's breaker and histogram (SOAP adapters pass their zeep call here).

        An open circuit raises CircuitOpen at once, without calling. A 4xx proves the partner alive; anything else
        that fails counts towards opening the circuit."""
        breaker = CircuitBreaker(self.name, self.breaker_policy)
        admission = breaker.admit()
        if not admission.allowed:
            self._observe(operation, "circuit_open", 0.0, error_class="circuit_open")
            raise CircuitOpen(f"{self.name}: circuit open", retry_after=admission.retry_after)
        started = time.perf_counter()
        try:
            result = send()
        except PartnerRejected as exc:
            breaker.record_success()
            self._observe(operation, "rejected", time.perf_counter() - started, error_class=error_class_of(exc),
                          status=exc.status)  # fmt: skip
            raise
        except Exception as exc:
            breaker.record_failure()
            outcome = "timeout" if isinstance(exc, PartnerTimeout) else "error"
            self._observe(operation, outcome, time.perf_counter() - started, error_class=error_class_of(exc),
                          status=getattr(exc, "status", None))  # fmt: skip
            raise
        breaker.record_success()
        self._observe(operation, "ok", time.perf_counter() - started)
        return result

    def _observe(self, operation: str, outcome: str, seconds: float, *, error_class: str = "", status=None) -> None:
        PROVIDER_REQUEST_DURATION.labels(provider=self.name, operation=operation, outcome=outcome).observe(seconds)
        if error_class:
            PARTNER_ERRORS.labels(provider=self.name, operation=operation, error_class=error_class).inc()
        # One line per partner call: who, what, how long, how it ended (never the bodies: they carry money).
        (logger.warning if error_class and outcome != "rejected" else logger.info)(
            "%s %s: %s in %.1fms",
            self.name,
            operation,
            outcome,
            seconds * 1000,
            extra={
                "partner": self.name,
                "operation": operation,
                "outcome": outcome,
                "latency_ms": round(seconds * 1000, 1),
                **({"error_class": error_class} if error_class else {}),
                **({"partner_status": status} if status else {}),
            },
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
                raise PartnerTimeout(
                    f"{self.name}: answered non-JSON", status=response.status_code, error_class="schema"
                ) from None
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
