"""The sandbox partners' side of the contract's signature: a platform call must be signed with the sandbox's key.
Each verified call is logged as a real partner would log it, under the platform's X-Request-ID (the request id
that the middleware took from the header), so one id can be followed from the platform into the partner."""

from __future__ import annotations

import logging

from core.signing import verify_request

logger = logging.getLogger("sandbox.partner")


def platform_call_verify(request, *, key_id: str, secret: str, nonce_scope: str) -> None:
    """Verify the platform's signature on this request against the one key the sandbox knows (SignatureError)."""
    verify_request(
        method=request.method,
        path=request.path,
        headers=request.headers,
        body=request.body,
        secrets_for=lambda candidate: [secret] if candidate == key_id else [],
        nonce_scope=nonce_scope,
    )
    logger.info(
        "%s received %s %s",
        nonce_scope,
        request.method,
        request.path,
        extra={"sandbox": nonce_scope, "platform_request_id": request.headers.get("X-Request-ID", "")},
    )
