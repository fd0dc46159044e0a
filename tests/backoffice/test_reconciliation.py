"""Reconciliation: the sandbox partners' settlement reports against the platform's rounds, wallet transactions,
payments and ledger. Clean data finds nothing; each planted kind of discrepancy is found, and only it."""

import uuid

import pytest
from django.utils import timezone

from backoffice.models import Discrepancy, JobRun
from backoffice.services.reconciliation import ledger_audit_run, reconcile_day, reconciliation_run
from ledger.models import Account
from ledger.selectors import ledger_audit
from payments.models import Payment, PaymentStatus
from providers.models import Round, RoundStatus, WalletTransaction
from sandbox.models import SandboxGatewayPayment, SandboxProviderEntry
from sandbox.provider.seamless import sandbox_seamless_round, sandbox_seamless_session_open
from tests.payments.conftest import gateway_calls, post_order, sandbox_complete

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def business(sandbox, game, gateway, player_api, make_player, fund, api, site, live_server):
    """A day of business through the real APIs: spins, a seamless round, deposits and withdrawals settled."""
    spinner = player_api(funds=10_000)
    session = spinner.open_session(game)
    rounds = [
        spinner.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"] for _ in range(4)
    ]
    seamless_player = make_player()
    fund(seamless_player, 5_000)
    seamless_session = sandbox_seamless_session_open(player=seamless_player)
    seamless = sandbox_seamless_round(base_url=live_server.url, player_id=str(seamless_player.pk),
                                      session_id=str(seamless_session.pk), bet="2.00", seed=3)  # fmt: skip
    payer = make_player(kyc_status="verified")
    fund(payer, 10_000)
    payments = []
    for kind, amount, outcome in [("deposits", "25.00", "succeeded"), ("deposits", "30.00", "succeeded"),
                                  ("deposits", "12.00", "failed"), ("withdrawals", "40.00", "succeeded")]:  # fmt: skip
        body = post_order(api(payer), kind, amount=amount).json()
        payment = Payment.objects.get(pk=body["payment_id"])
        sandbox_complete(site, payment.gateway_reference, outcome)
        payments.append(payment.pk)
    assert Payment.objects.filter(status=PaymentStatus.PENDING).count() == 0
    return {"rounds": rounds, "seamless": seamless, "payments": payments, "provider": sandbox, "gateway": gateway}


def _found(run: JobRun) -> set[tuple[str, str]]:
    return set(run.discrepancies.values_list("kind", "reference"))


def test_clean_data_finds_nothing(business):
    runs = reconcile_day(day=timezone.now().date())
    assert {(run.job, run.partner, run.status) for run in runs} >= {
        ("reconcile_provider", "sandbox", "clean"),
        ("reconcile_gateway", "sandbox", "clean"),
    }
    provider_run = next(r for r in runs if r.job == "reconcile_provider")
    assert provider_run.lines_checked == 4 + 2  # four spins, a bet and a win
    assert Discrepancy.objects.count() == 0
    assert ledger_audit_run().status == JobRun.Status.CLEAN


def test_every_kind_of_provider_discrepancy_is_found(business):
    first, second, third, fourth = business["rounds"]
    entries = SandboxProviderEntry.objects
    entries.filter(ref=first).update(win=entries.get(ref=first).win + 50)  # the provider paid 0.50 more
    entries.filter(ref=second).update(currency="USD")
    entries.filter(ref=third).delete()  # the provider never reports it
    Round.objects.filter(pk=fourth).update(status=RoundStatus.PENDING)  # the platform never heard the answer
    ghost = str(uuid.uuid4())
    entries.create(kind="round", ref=ghost, round_ref=ghost, amount=100, win=0, currency="EUR")
    bet_id = business["seamless"].steps[1]["request"]["transaction_id"]
    entries.filter(ref=bet_id).update(amount=entries.get(ref=bet_id).amount + 1)

    run = reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code="sandbox", day=timezone.now().date())

    assert run.status == JobRun.Status.DISCREPANCIES
    assert _found(run) == {
        ("amount_mismatch", f"round:{first}"),
        ("currency_mismatch", f"round:{second}"),
        ("missing_at_partner", f"round:{third}"),
        ("status_mismatch", f"round:{fourth}"),
        ("missing_at_platform", f"round:{ghost}"),
        ("amount_mismatch", f"wallet:{bet_id}"),
    }
    paid_more = run.discrepancies.get(reference=f"round:{first}")
    assert (paid_more.amount, paid_more.currency) == (50, "EUR")  # the player is owed 0.50
    assert paid_more.player_id == Round.objects.get(pk=first).player_id


def test_every_kind_of_gateway_discrepancy_is_found(business):
    deposit, bigger, failed, withdrawal = business["payments"]
    rows = SandboxGatewayPayment.objects
    rows.filter(merchant_reference=str(deposit)).update(settled_amount=2600)
    rows.filter(merchant_reference=str(bigger)).update(settled_currency="USD")
    rows.filter(merchant_reference=str(failed)).update(status="succeeded")  # a success the platform missed
    rows.filter(merchant_reference=str(withdrawal)).delete()
    ghost = str(uuid.uuid4())
    rows.create(reference="sbx_ghost", channel="rest", kind="deposit", merchant_reference=ghost, amount=500,
                currency="EUR", status="succeeded", settled_amount=500, settled_currency="EUR",
                completed_at=timezone.now())  # fmt: skip

    run = reconciliation_run(job=JobRun.Job.RECONCILE_GATEWAY, partner_code="sandbox", day=timezone.now().date())

    assert _found(run) == {
        ("amount_mismatch", f"payment:{deposit}"),
        ("currency_mismatch", f"payment:{bigger}"),
        ("status_mismatch", f"payment:{failed}"),
        ("missing_at_partner", f"payment:{withdrawal}"),
        ("missing_at_platform", f"payment:{ghost}"),
    }
    assert run.discrepancies.get(reference=f"payment:{failed}").amount == 1200  # the deposit would be credited


def test_a_ledger_only_drift_is_found_by_the_day_totals(business):
    from ledger.models import AccountKind
    from ledger.services import system_account_get_or_create, transfer

    clearing = system_account_get_or_create(kind=AccountKind.PROVIDER_CLEARING, partner="sandbox", currency="EUR")
    house = system_account_get_or_create(kind=AccountKind.HOUSE, currency="EUR")
    transfer(source=house, destination=clearing, amount=7, kind="manual", idempotency_key="drift")
    run = reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code="sandbox", day=timezone.now().date())
    assert _found(run) == {("amount_mismatch", "ledger:provider_clearing:sandbox:EUR")}


def test_an_unreachable_partner_fails_the_run_with_its_error(business):
    from sandbox.provider.faults import fault_set

    fault_set(operation="report", mode="error")
    run = reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code="sandbox", day=None)
    assert run.status == JobRun.Status.FAILED and "503" in run.error


def test_the_ledger_audit_job_records_broken_invariants(make_player, fund):
    player = make_player()
    wallet = fund(player, 1_000)
    Account.objects.filter(pk=wallet.pk).update(balance=999)  # drift behind the ledger's back
    run = ledger_audit_run()
    assert run.status == JobRun.Status.DISCREPANCIES
    assert run.discrepancies.filter(kind="ledger_invariant").count() == len(ledger_audit()) >= 1
    Account.objects.filter(pk=wallet.pk).update(balance=1_000)
    assert ledger_audit_run().status == JobRun.Status.CLEAN


def test_the_wallet_report_lists_rollbacks_as_the_platform_has_them(sandbox, make_player, fund, live_server):
    player = make_player()
    fund(player, 1_000)
    session = sandbox_seamless_session_open(player=player)
    sandbox_seamless_round(base_url=live_server.url, player_id=str(player.pk), session_id=str(session.pk),
                           rollback=True)  # fmt: skip
    assert WalletTransaction.objects.filter(status="rolled_back").count() == 1
    run = reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code="sandbox", day=timezone.now().date())
    assert run.status == JobRun.Status.CLEAN and run.lines_checked == 2


def test_a_gateway_report_failing_its_schema_fails_the_run_as_the_gateways_schema_error(business):
    from core.metrics import PARTNER_ERRORS

    def schema_errors() -> float:
        return PARTNER_ERRORS.labels(provider="gateway:sandbox", operation="settlement_report",
                                     error_class="schema")._value.get()  # fmt: skip

    before, failed_calls = schema_errors(), gateway_calls("settlement_report", "error")
    # A completed line of a kind the report's schema does not know.
    SandboxGatewayPayment.objects.create(reference="sbx_refund", channel="rest", kind="refund",
                                         merchant_reference=str(uuid.uuid4()), amount=500, currency="EUR",
                                         status="succeeded", settled_amount=500, settled_currency="EUR",
                                         completed_at=timezone.now())  # fmt: skip

    run = reconciliation_run(job=JobRun.Job.RECONCILE_GATEWAY, partner_code="sandbox", day=timezone.now().date())

    assert run.status == JobRun.Status.FAILED and "does not match the schema" in run.error
    # Read inside the call, as every other answer: counted as the gateway's schema error, not as a good call.
    assert (schema_errors(), gateway_calls("settlement_report", "error")) == (before + 1, failed_calls + 1)
