"""The one HMAC request-signing scheme of the contract, used both ways between the platform and game providers.

    Authorization: HMAC <key_id>:<hex HMAC-SHA256(secret, canonical)>
    X-Timestamp: <unix seconds>      X-Nonce: <random>
    canonical = METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n hex SHA-256(raw body)

Verification order: signature first (so a forger cannot burn nonces), then the timestamp window, then the nonce,
which is accepted once (stored in the shared cache, Redis in production, for twice the tolerance window).

Signed tokens (`token_sign` / `token_verify`) carry claims in a URL, e.g. a game launch, with an expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.core.cache import cache

from core.errors import ApplicationError, SignatureError


class StaleSignature(SignatureError):
    code, title = "stale_signature", "Signature timestamp outside the allowed window"


class ReplayedRequest(SignatureError):
    code, title = "replayed_request", "Nonce already used"


class InvalidSignature(SignatureError):
    code, title = "invalid_signature", "Invalid signature"


def hmac_hex(secret: str | bytes, message: str | bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    msg = message.encode() if isinstance(message, str) else message
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, str(timestamp), nonce, hashlib.sha256(body or b"").hexdigest()])


def sign_request(
    *,
    key_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that sign one outbound request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    signature = hmac_hex(secret, canonical_request(method, path, ts, nonce, body))
    return {"Authorization": f"HMAC {key_id}:{signature}", "X-Timestamp": ts, "X-Nonce": nonce}


def parse_authorization(value: str) -> tuple[str, str]:
    scheme, _, credentials = (value or "").partition(" ")
    key_id, _, signature = credentials.strip().rpartition(":")
    if scheme != "HMAC" or not key_id or not signature:
        raise InvalidSignature("Missing or malformed Authorization header; expected 'HMAC <key_id>:<signature>'.")
    return key_id, signature


def any_signature_matches(expected: Iterable[str], given: str) -> bool:
    """Constant-time comparison against every candidate (two secrets live side by side during a rotation)."""
    matched = False
    for candidate in expected:
        matched |= hmac.compare_digest(candidate, given)
    return matched


def check_timestamp(
    timestamp: str,
    *,
    tolerance: int | None = None,
    now: float | None = None,
    stale: type[ApplicationError] = StaleSignature,
) -> None:
    """Refuse a timestamp outside the tolerance window with `stale` (callers whose contract answers 400 pass theirs)."""
    tolerance = settings.SIGNATURE_TOLERANCE_SECONDS if tolerance is None else tolerance
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        raise InvalidSignature("Missing or malformed timestamp.") from None
    if abs((time.time() if now is None else now) - ts) > tolerance:
        raise stale(f"The timestamp is more than {tolerance} s away from the server's clock.")


def nonce_accept(scope: str, nonce: str, *, ttl: int | None = None) -> None:
    """Accept a nonce once per scope; the cache's add() is atomic (a Redis SET NX in production)."""
    ttl = ttl or 2 * settings.SIGNATURE_TOLERANCE_SECONDS
    if not cache.add(f"nonce:{scope}:{hashlib.sha256(nonce.encode()).hexdigest()}", 1, timeout=ttl):
        raise ReplayedRequest("This nonce has been used before.")


def verify_request(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets_for: Callable[[str], list[str]],
    nonce_scope: str,
) -> str:
    """Verify a signed request; returns the key id. `secrets_for(key_id)` lists the secrets valid for that key."""
    key_id, signature = parse_authorization(headers.get("Authorization", ""))
    timestamp, nonce = headers.get("X-Timestamp", ""), headers.get("X-Nonce", "")
    if not timestamp or not nonce or len(nonce) > 128:
        raise InvalidSignature("X-Timestamp and X-Nonce headers are required.")
    canonical = canonical_request(method, path, timestamp, nonce, body)
    if not any_signature_matches((hmac_hex(s, canonical) for s in secrets_for(key_id) if s), signature.lower()):
        raise InvalidSignature("The signature does not match.")
    check_timestamp(timestamp)
    nonce_accept(f"{nonce_scope}:{key_id}", nonce)
    return key_id


# ------------------------------------------------------------------------------------------------ signed tokens


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_sign(*, claims: dict, secret: str) -> str:
    """A compact signed token `<base64url JSON claims>.<hex HMAC-SHA256(secret, "token." + first part)>`, for
    partners that take a signed token in a URL (a game launch). `exp` (unix seconds) in the claims bounds its life."""
    body = _b64url(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
    return f"{body}.{hmac_hex(secret, 'token.' + body)}"


def token_verify(*, token: str, valid_secrets: Iterable[str], now: float | None = None) -> dict:
    """The claims of a token signed by `token_sign` with one of `valid_secrets`; InvalidSignature for a forged or
    malformed token, StaleSignature once its `exp` has passed (several secrets live side by side in a rotation)."""
    body, _, signature = (token or "").partition(".")
    if not body or not signature:
        raise InvalidSignature("Malformed token.")
    if not any_signature_matches((hmac_hex(s, "token." + body) for s in valid_secrets if s), signature.lower()):
        raise InvalidSignature("The token's signature does not match.")
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        raise InvalidSignature("Malformed token.") from None
    if not isinstance(claims, dict):
        raise InvalidSignature("Malformed token.")
    expires = claims.get("exp")
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        raise StaleSignature("The token has expired.")
    return claims
