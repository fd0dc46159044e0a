"""Signed tokens for URLs (core.signing.token_sign / token_verify): the claims come back only under a valid secret
and before `exp`; anything altered, malformed or expired is refused."""

import time

import pytest

from core.signing import InvalidSignature, StaleSignature, token_sign, token_verify


def _claims(**extra) -> dict:
    return {"sessionToken": "abc", "mode": "real", "exp": int(time.time()) + 60, **extra}


def test_claims_round_trip_under_the_current_or_previous_secret():
    claims = _claims()
    token = token_sign(claims=claims, secret="old")

    assert token_verify(token=token, valid_secrets=["new", "old"]) == claims  # during a rotation
    with pytest.raises(InvalidSignature):
        token_verify(token=token, valid_secrets=["new"])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(t.split(".")[0], token_sign(claims=_claims(mode="fun"), secret="s").split(".")[0]),
        lambda t: t + "0",
        lambda t: t.split(".")[0],
        lambda t: "",
        lambda t: "bm90IGpzb24." + t.split(".")[1],
    ],
    ids=["claims swapped", "signature changed", "no signature", "empty", "not json"],
)
def test_an_altered_or_malformed_token_is_refused(tamper):
    token = token_sign(claims=_claims(), secret="s")
    with pytest.raises(InvalidSignature):
        token_verify(token=tamper(token), valid_secrets=["s"])


def test_an_expired_token_or_one_without_expiry_is_refused():
    expired = token_sign(claims=_claims(exp=int(time.time()) - 1), secret="s")
    with pytest.raises(StaleSignature):
        token_verify(token=expired, valid_secrets=["s"])
    forever = token_sign(claims={"sessionToken": "abc"}, secret="s")
    with pytest.raises(StaleSignature):
        token_verify(token=forever, valid_secrets=["s"])
