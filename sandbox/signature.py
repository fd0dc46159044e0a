"""The sandbox partners' side of the contract's signature: a platform call must be signed with the sandbox's key."""

from __future__ import annotations

from core.signing import verify_request


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
