"""The Idempotency-Key contract for API writes that move money.

The same key and body replays the stored response with `Idempotent-Replayed: true`; the same key with another body
is 409 `idempotency_key_conflict`. Responses of 5xx are not stored (the money layer is idempotent on its own keys,
so a retry after a provider outage is safe and must be allowed to try again).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from core.errors import IdempotencyKeyConflict, IdempotencyKeyInProgress, ValidationFailed
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
WAIT_FOR_FIRST_SECONDS = 10.0


def request_fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str).encode()
    except (TypeError, ValueError):
        body = request.body
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part)
        digest.update(b"\n")
    return digest.hexdigest()


def idempotency_key_from(request) -> str:
    key = request.headers.get(HEADER, "")
    if not 1 <= len(key) <= 255:
        raise ValidationFailed(
            "The Idempotency-Key header is required (1 to 255 characters).",
            errors={HEADER: ["This header is required and must be 1 to 255 characters."]},
        )
    return key


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(
        record.response_body, status=record.response_status, content_type=record.response_content_type or None
    )
    response[REPLAY_HEADER] = "true"
    return response


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Create the record, or return the existing one (None means this request owns the key now)."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
            return None
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is None:  # the first request failed with a 5xx and released the key meanwhile
            continue
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyConflict("This Idempotency-Key was used with another request body.")
        if record.status == IdempotencyRecord.Status.DONE:
            return record
        if time.monotonic() > deadline:
            raise IdempotencyKeyInProgress(headers={"Retry-After": "1"})
        time.sleep(0.05)


def _stored(scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The finished record of this key, or None; another request body under the key is a conflict."""
    record = IdempotencyRecord.objects.filter(scope=scope, key=key, status=IdempotencyRecord.Status.DONE).first()
    if record is not None and record.fingerprint != fingerprint:
        raise IdempotencyKeyConflict("This Idempotency-Key was used with another request body.")
    return record


def _store(scope: str, key: str, fingerprint: str, response) -> None:
    """Keep a finished response under the key, unless a concurrent duplicate already kept its own."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint, **_finished(response))
    except IntegrityError:
        pass


def _finished(response) -> dict:
    content_type = response.content_type or (
        "application/problem+json" if response.status_code >= 400 else "application/json"
    )
    return {
        "status": IdempotencyRecord.Status.DONE,
        "response_status": response.status_code,
        "response_body": response.data,
        "response_content_type": content_type,
    }


def idempotent(scope_of=lambda request: f"user:{request.user.pk}", *, claim: bool = True):
    """Decorate a DRF view method (post) so that it honours the Idempotency-Key contract.

    By default the key is claimed (an in-progress record, committed on its own) before the view runs, so that a
    concurrent duplicate waits for the first answer, and the answer is written onto it after. `claim=False` is for a
    view whose service already makes duplicates of one key wait on a unique row of its own, committed before it
    does anything that must happen once (a spin's Round, unique per player and key, committed with the bet's hold
    before the provider is called): there the claim would be a commit that buys nothing. The stored answer is then
    read before the view runs and written once after it, in one statement; a duplicate that arrives while the first
    is still running is answered by the view from that row (a spin still at the provider: 503 with Retry-After)."""

    def decorator(view_method):
        @wraps(view_method)
        def wrapper(self, request, *args, **kwargs):
            key = idempotency_key_from(request)
            scope = scope_of(request)
            fingerprint = request_fingerprint(request)
            existing = _claim(scope, key, fingerprint) if claim else _stored(scope, key, fingerprint)
            if existing is not None:
                return _replay(existing)
            conflict = False
            try:
                try:
                    response = view_method(self, request, *args, **kwargs)
                except Exception as exc:
                    conflict = isinstance(exc, IdempotencyKeyConflict)
                    response = self.handle_exception(exc)  # re-raises what is not a known error
            except BaseException:
                if claim:
                    IdempotencyRecord.objects.filter(scope=scope, key=key).delete()
                raise
            if not claim:
                # A conflict is the view's word on another request's use of the key: kept under this request's
                # body, it would answer the first request's own retries with a conflict too.
                if response.status_code < 500 and not conflict:
                    _store(scope, key, fingerprint, response)
            elif response.status_code >= 500:
                IdempotencyRecord.objects.filter(scope=scope, key=key).delete()
            else:
                IdempotencyRecord.objects.filter(scope=scope, key=key).update(**_finished(response))
            return response

        return wrapper

    return decorator


def idempotency_records_purge(*, older_than: timedelta | None = None) -> int:
    cutoff = timezone.now() - (older_than or settings.IDEMPOTENCY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
