"""The internal gRPC wallet, served for real on loopback behind mutual TLS: duplicates and rollbacks behave as over
HTTP (one idempotency store for both), errors carry the HTTP problem codes, and only the provider's own client
certificate from the right CA gets in."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.models import Transaction
from providers.grpc import wallet_pb2
from providers.grpc.server import wallet_grpc_server
from providers.grpc.wallet_pb2_grpc import WalletStub
from providers.models import WalletCallback, WalletCallbackVerdict
from tests.providers.wallet.conftest import available, move, rollback_body
from tests.support.tls import Pki, make_pki

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audited")]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pki(tmp_path, wallet_provider) -> Pki:
    """A CA whose client certificate names the provider (acme), as the operator would issue it."""
    return make_pki(tmp_path / "pki", client_name=wallet_provider.code)


@pytest.fixture
def grpc_port(pki):
    server, port = wallet_grpc_server(
        bind="127.0.0.1:0",
        certificate=Path(pki.server_cert_path).read_bytes(),
        key=Path(pki.server_key_path).read_bytes(),
        client_ca=pki.ca_cert_pem.encode(),
        workers=4,
    )
    server.start()
    yield port
    server.stop(grace=None)


def _stub(port: int, pki: Pki, *, cert: str | None, key: str | None):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca_cert_pem.encode(),
        private_key=key.encode() if key else None,
        certificate_chain=cert.encode() if cert else None,
    )
    channel = grpc.secure_channel(f"127.0.0.1:{port}", credentials)
    return channel, WalletStub(channel)


@pytest.fixture
def stub(grpc_port, pki):
    channel, stub = _stub(grpc_port, pki, cert=pki.client_cert_pem, key=pki.client_key_pem)
    yield stub
    channel.close()


def bet(session, **fields) -> wallet_pb2.MoneyRequest:
    return wallet_pb2.MoneyRequest(provider_code="acme", **move(session, **fields))


def rollback(session, *, transaction_id=None, reference) -> wallet_pb2.RollbackRequest:
    body = rollback_body(session, transaction_id=transaction_id, reference=reference)
    return wallet_pb2.RollbackRequest(provider_code="acme", **body)


def problem(call) -> tuple[grpc.StatusCode, str, int]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    metadata = dict(caught.value.trailing_metadata() or ())
    return caught.value.code(), metadata.get("problem-code"), int(metadata.get("problem-status", 0))


# ------------------------------------------------------------------------------------------------ duplicates


def test_a_duplicate_bet_replays_the_first_answer_over_grpc_and_over_http(stub, wallet, player, session):
    first = stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    again = stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"))
    over_http = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="2.50"))

    assert (first.balance, first.currency, first.transaction_id, first.status) == ("97.50", "EUR", "b-1", "ok")
    assert not first.replayed and again.replayed
    assert (again.balance, again.transaction_id, again.status) == ("97.50", "b-1", "ok")
    assert over_http.status_code == 200 and over_http.json() == {
        "balance": "97.50", "currency": "EUR", "transaction_id": "b-1", "status": "ok"
    }  # fmt: skip
    assert available(player) == 9_750
    assert Transaction.objects.filter(idempotency_key="wallet:acme:b-1").count() == 1
    verdicts = list(
        WalletCallback.objects.filter(method="GRPC").order_by("received_at").values_list("verdict", flat=True)
    )
    assert verdicts == [WalletCallbackVerdict.ACCEPTED, WalletCallbackVerdict.REPLAYED]


def test_the_same_id_with_another_amount_is_a_conflict_as_over_http(stub, wallet, session):
    stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"))

    assert problem(lambda: stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="3.00"))) == (
        grpc.StatusCode.ABORTED, "transaction_conflict", 409
    )  # fmt: skip
    over_http = wallet.call("bet", move(session, transaction_id="b-1", round_id="r-1", amount="3.00"))
    assert (over_http.status_code, over_http.json()["code"]) == (409, "transaction_conflict")


# ------------------------------------------------------------------------------------------------ rollbacks


def test_a_rollback_reverses_its_bet_once_whichever_protocol_repeats_it(stub, wallet, player, session):
    stub.Bet(bet(session, transaction_id="b-1", round_id="r-1", amount="2.50"))

    first = stub.Rollback(rollback(session, transaction_id="rb-1", reference="b-1"))
    again = stub.Rollback(rollback(session, transaction_id="rb-1", reference="b-1"))
    another_id_over_http = wallet.call("rollback", rollback_body(session, transaction_id="rb-2", reference="b-1"))

    assert (first.balance, first.status, first.replayed) == ("100.00", "ok", False)
    assert (again.balance, again.status, again.replayed) == ("100.00", "ok", True)
    assert another_id_over_http.json() == {
        "balance": "100.00",
        "currency": "EUR",
        "transaction_id": "rb-2",
        "status": "ok",
    }
    assert available(player) == 10_000
    assert Transaction.objects.filter(kind="wallet_rollback").count() == 1


def test_a_rollback_of_an_unknown_bet_is_recorded_and_refuses_that_bet_later(stub, wallet, player, session):
    answer = stub.Rollback(rollback(session, reference="b-late"))

    assert (answer.status, answer.transaction_id, answer.balance) == ("not_found", "b-late", "100.00")
    late = lambda: stub.Bet(bet(session, transaction_id="b-late", round_id="r-1", amount="2.50"))  # noqa: E731
    assert problem(late) == (grpc.StatusCode.ABORTED, "bet_rolled_back", 409)
    over_http = wallet.call("bet", move(session, transaction_id="b-late", round_id="r-1", amount="2.50"))
    assert (over_http.status_code, over_http.json()["code"]) == (409, "bet_rolled_back")
    assert available(player) == 10_000


# ------------------------------------------------------------------------------------------------ errors


def test_errors_are_the_http_problems_as_grpc_statuses(stub, wallet, player, session):
    stub.Bet(bet(session, transaction_id="b-pre", round_id="r-0", amount="60.00"))
    cases = {
        "insufficient_funds": move(session, transaction_id="b-big", round_id="r-1", amount="50.00"),
        "bet_out_of_range": move(session, transaction_id="b-max", round_id="r-1", amount="500.00"),
        "validation_error": move(session, transaction_id="b-odd", round_id="r-1", amount="2.555"),
        "session_not_found": move(session, transaction_id="b-nos", round_id="r-1", amount="1.00", session_id="nope"),
        "currency_mismatch": move(session, transaction_id="b-usd", round_id="r-1", amount="1.00", currency="USD"),
    }
    for code, body in cases.items():
        over_http = wallet.call("bet", body)
        status, grpc_code, http_status = problem(
            lambda body=body: stub.Bet(wallet_pb2.MoneyRequest(provider_code="acme", **body))
        )
        assert over_http.json()["code"] == code
        assert (grpc_code, http_status) == (code, over_http.status_code)
        assert status == {422: grpc.StatusCode.FAILED_PRECONDITION, 400: grpc.StatusCode.INVALID_ARGUMENT,
                          404: grpc.StatusCode.NOT_FOUND}[http_status]  # fmt: skip
    balance = stub.Balance(wallet_pb2.BalanceRequest(provider_code="acme", player_id=str(player.pk),
                                                     session_id=str(session.pk), currency="EUR"))  # fmt: skip
    assert (balance.balance, balance.transaction_id, balance.status) == ("40.00", "", "ok")


# ------------------------------------------------------------------------------------------------ mutual TLS


def test_only_the_providers_own_certificate_from_the_ca_gets_in(grpc_port, pki, stub, player, session):
    request = bet(session, transaction_id="b-1", round_id="r-1", amount="2.50")
    for cert, key in ((None, None), (pki.rogue_client_cert_pem, pki.rogue_client_key_pem)):
        channel, intruder = _stub(grpc_port, pki, cert=cert, key=key)
        with pytest.raises(grpc.RpcError) as refused:
            intruder.Bet(request, timeout=5)
        channel.close()
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # the handshake fails: nothing reaches the app

    other_provider = wallet_pb2.MoneyRequest(
        provider_code="other", **move(session, transaction_id="b-2", round_id="r-1", amount="1.00")
    )
    assert problem(lambda: stub.Bet(other_provider)) == (grpc.StatusCode.PERMISSION_DENIED, "caller_not_provider", 403)
    assert available(player) == 10_000
    assert not WalletCallback.objects.filter(transaction_id="b-1").exists()


# ------------------------------------------------------------------------------------------------ build and command


def test_the_checked_in_code_is_what_make_grpc_generates(tmp_path):
    proto = str(ROOT / "providers/grpc/wallet.proto")
    outputs = [f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", f"--grpc_python_out={tmp_path}"]
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", str(ROOT), *outputs, proto]
    subprocess.run(command, check=True)
    for name in ("wallet_pb2.py", "wallet_pb2.pyi", "wallet_pb2_grpc.py"):
        assert filecmp.cmp(tmp_path / "providers/grpc" / name, ROOT / "providers/grpc" / name, shallow=False), name


def test_the_server_command_refuses_to_serve_without_mutual_tls(settings):
    settings.WALLET_GRPC_TLS_CERT = ""
    with pytest.raises(CommandError, match="WALLET_GRPC_TLS_CERT"):
        call_command("wallet_grpc_serve", bind="127.0.0.1:0")
