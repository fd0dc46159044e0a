"""Guards shared by the partner endpoints (payment webhooks, wallet callbacks), so nobody can fill the disk or the
metrics through them: a body cap, a per-source limit on failed verifications, a bounded summary of a rejected
message (metadata and a hash, never the body), and one metric label for every partner code nobody configured."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache

from core.errors import PayloadTooLarge, TooManyRequests
from core.net import client_address

UNKNOWN_PARTNER_LABEL = "unknown"

# Headers kept with a rejected message: enough to see who sent what and how it was signed, nothing that grows.
_SUMMARY_HEADERS = ("content-type", "content-length", "user-agent", "x-request-id", "x-timestamp", "x-nonce")
_SUMMARY_HEADER_CHARS = 200
_REJECTION_WINDOW_SECONDS = 60


def partner_label(code: str, *, known: bool) -> str:
    """The metric label of a partner: its code when it is configured, else `unknown` (a label per URL string would
    be a new time series per request, kept forever)."""
    return code if known else UNKNOWN_PARTNER_LABEL


def partner_body_read(request, *, max_bytes: int | None = None) -> bytes:
    """The raw body of a partner request, refused (413) beyond PARTNER_MAX_BODY_BYTES before it is read whole."""
    limit = settings.PARTNER_MAX_BODY_BYTES if max_bytes is None else max_bytes
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    body = request.body
    if len(body) > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    return body


def _rejection_key(scope: str, source: str) -> str:
    window = int(time.time() // _REJECTION_WINDOW_SECONDS)
    return f"inbound-rejections:{scope}:{source}:{window}"


def rejections_check(*, scope: str, source: str) -> None:
    """Refuse (429) a source that failed verification too often this minute, before anything about it is stored."""
    if (cache.get(_rejection_key(scope, source)) or 0) >= settings.PARTNER_REJECTIONS_PER_MINUTE:
        retry_after = _REJECTION_WINDOW_SECONDS - time.time() % _REJECTION_WINDOW_SECONDS
        raise TooManyRequests("Too many messages from this address failed verification.", retry_after=retry_after)


def rejection_count(*, scope: str, source: str) -> None:
    """Count one failed verification of `source` (the cache's add+incr is atomic across processes)."""
    key = _rejection_key(scope, source)
    if not cache.add(key, 1, timeout=_REJECTION_WINDOW_SECONDS * 2):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=_REJECTION_WINDOW_SECONDS * 2)


def request_source(request) -> str:
    return client_address(request)


def message_summary(*, headers: Mapping[str, str], body: bytes) -> dict:
    """What is kept of a message that failed verification: a few headers, cut short, and the body's size and hash."""
    kept = {}
    for name in _SUMMARY_HEADERS:
        value = headers.get(name)
        if value:
            kept[name] = str(value)[:_SUMMARY_HEADER_CHARS]
    # The names alone show whether a signature header came at all; 40 of them, cut short, is plenty.
    names = sorted({str(name).lower()[:64] for name in headers})[:40]
    return {
        "headers": kept,
        "header_names": names,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "body_size": len(body),
    }
