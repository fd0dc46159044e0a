"""The contract's HMAC request signature: what is accepted, and each way a request is refused."""

import time

import pytest

from core.signing import (
    InvalidSignature,
    ReplayedRequest,
    StaleSignature,
    canonical_request,
    hmac_hex,
    sign_request,
    verify_request,
)

BODY = b'{"player_id":"p1","amount":"1.00"}'
PATH = "/api/v1/providers/acme/wallet/bet/"


def _verify(headers, *, body=BODY, secrets=("s3cret",), path=PATH):
    return verify_request(
        method="POST",
        path=path,
        headers=headers,
        body=body,
        secrets_for=lambda key_id: list(secrets) if key_id == "k1" else [],
        nonce_scope="acme",
    )


@pytest.fixture(autouse=True)
def _cache(db):
    pass


def test_canonical_string_is_the_contracts():
    canonical = canonical_request("post", PATH, "1700000000", "n1", BODY)
    import hashlib

    assert canonical == f"POST\n{PATH}\n1700000000\nn1\n{hashlib.sha256(BODY).hexdigest()}"


def test_signed_request_is_accepted_once():
    headers = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY)
    assert headers["Authorization"].startswith("HMAC k1:")
    assert _verify(headers) == "k1"
    with pytest.raises(ReplayedRequest):
        _verify(headers)


def test_tampered_body_is_invalid():
    headers = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY)
    with pytest.raises(InvalidSignature):
        _verify(headers, body=BODY.replace(b"1.00", b"9.00"))


def test_other_path_is_invalid():
    headers = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY)
    with pytest.raises(InvalidSignature):
        _verify(headers, path=PATH.replace("bet", "win"))


def test_unknown_key_and_wrong_secret_are_invalid():
    with pytest.raises(InvalidSignature):
        _verify(sign_request(key_id="k2", secret="s3cret", method="POST", path=PATH, body=BODY))
    with pytest.raises(InvalidSignature):
        _verify(sign_request(key_id="k1", secret="other", method="POST", path=PATH, body=BODY))


@pytest.mark.parametrize("authorization", ["", "Bearer x", "HMAC nocolon", "HMAC k1:"])
def test_malformed_authorization_is_invalid(authorization):
    headers = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY)
    headers["Authorization"] = authorization
    with pytest.raises(InvalidSignature):
        _verify(headers)


def test_stale_timestamp_is_refused_even_when_signed():
    old = int(time.time()) - 305
    headers = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY, timestamp=old)
    with pytest.raises(StaleSignature):
        _verify(headers)
    future = int(time.time()) + 305
    with pytest.raises(StaleSignature):
        _verify(sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY, timestamp=future))


def test_timestamp_inside_the_window_is_accepted():
    headers = sign_request(
        key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY, timestamp=int(time.time()) - 290
    )
    assert _verify(headers) == "k1"


def test_previous_secret_is_accepted_during_rotation():
    headers = sign_request(key_id="k1", secret="old-secret", method="POST", path=PATH, body=BODY)
    assert _verify(headers, secrets=("new-secret", "old-secret")) == "k1"


def test_forged_request_does_not_burn_the_nonce():
    good = sign_request(key_id="k1", secret="s3cret", method="POST", path=PATH, body=BODY, nonce="n-fixed")
    forged = dict(good, Authorization="HMAC k1:" + hmac_hex("wrong", "x"))
    with pytest.raises(InvalidSignature):
        _verify(forged)
    assert _verify(good) == "k1"
