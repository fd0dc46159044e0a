"""Reconciliation: the sandbox partners' settlement reports (REST and SOAP alike) against the platform's rounds,
wallet transactions, payments and ledger. Clean data finds nothing; each planted kind of discrepancy is found, and
only it."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.models import Discrepancy, JobRun
from backoffice.services.reconciliation import ledger_audit_run, reconcile_day, reconciliation_run
from ledger.models import Account
from ledger.selectors import ledger_audit
from payments.adapters.soap_xml.adapter import WSDL_PATH, XSD_PATH
from payments.models import Gateway, Payment, PaymentStatus
from payments.services.polling import payments_poll_pending
from providers.models import Game, Round, RoundStatus, WalletTransaction
from sandbox.models import SandboxGatewayPayment, SandboxProviderEntry
from sandbox.provider.seamless import sandbox_seamless_round, sandbox_seamless_session_open
from sandbox.provider_soap.seed import soap_sandbox_provider_seed
from tests.payments.conftest import gateway_calls, post_order, sandbox_complete

pytestmark = pytest.mark.django_db(transaction=True)


def _business_day(*, provider, game, gateway_code, complete, player_api, make_player, fund, api, live_server):
    """A day of business through the real APIs: spins, a seamless round, deposits and withdrawals settled by
    `complete(payment, outcome)` at the gateway."""
    spinner = player_api(funds=10_000)
    session = spinner.open_session(game)
    rounds = [
        spinner.spin(game=game, session_id=session["session_id"], bet="1.00").json()["round_id"] for _ in range(4)
    ]
    seamless_player = make_player()
    fund(seamless_player, 5_000)
    seamless_session = sandbox_seamless_session_open(player=seamless_player, provider_code=provider.code)
    seamless = sandbox_seamless_round(base_url=live_server.url, player_id=str(seamless_player.pk),
                                      session_id=str(seamless_session.pk), bet="2.00", seed=3,
                                      provider_code=provider.code)  # fmt: skip
    payer = make_player(kyc_status="verified")
    fund(payer, 10_000)
    payments = []
    for kind, amount, outcome in [("deposits", "25.00", "succeeded"), ("deposits", "30.00", "succeeded"),
                                  ("deposits", "12.00", "failed"), ("withdrawals", "40.00", "succeeded")]:  # fmt: skip
        body = post_order(api(payer), kind, amount=amount, gateway=gateway_code).json()
        payment = Payment.objects.get(pk=body["payment_id"])
        complete(payment, outcome)
        payments.append(payment.pk)
    assert Payment.objects.filter(status=PaymentStatus.PENDING).count() == 0
    gateway = Gateway.objects.get(code=gateway_code)
    return {"rounds": rounds, "seamless": seamless, "payments": payments, "provider": provider, "gateway": gateway}


@pytest.fixture
def business(sandbox, game, gateway, player_api, make_player, fund, api, site, live_server):
    """The REST partners' day: the gateway's outcomes come back by webhook."""
    return _business_day(provider=sandbox, game=game, gateway_code=gateway.code,
                         complete=lambda payment, outcome: sandbox_complete(site, payment.gateway_reference, outcome),
                         player_api=player_api, make_player=make_player, fund=fund, api=api,
                         live_server=live_server)  # fmt: skip


@pytest.fixture
def soap_business(site, player_api, make_player, fund, api, live_server):
    """The SOAP partners' day (plain HTTP on the live server, as in the demo; mutual TLS has its own tests): the
    gateway sends no webhooks, so its outcomes are found by polling."""
    from sandbox.gateway_soap.seed import seed

    provider, _ = soap_sandbox_provider_seed(site_url=live_server.url)
    seed()

    def complete(payment, outcome):
        soap = payment.gateway.soap_service(wsdl_path=WSDL_PATH, xsd_path=XSD_PATH)
        soap.CompletePayment(Reference=payment.gateway_reference, Outcome=outcome)
        assert payments_poll_pending(older_than=timedelta(0)) == {"polled": 1}

    return _business_day(provider=provider, game=Game.objects.get(provider=provider, code="pharaoh-reels"),
                         gateway_code="sandbox_soap", complete=complete, player_api=player_api,
                         make_player=make_player, fund=fund, api=api, live_server=live_server)  # fmt: skip


BOTH_PROTOCOLS = pytest.mark.parametrize("day_of", ["business", "soap_business"])


def _found(run: JobRun) -> set[tuple[str, str]]:
    return set(run.discrepancies.values_list("kind", "reference"))


def provider_discrepancies_plant(business) -> set[tuple[str, str]]:
    """Change the provider's books and the platform's rounds behind their backs; returns what must be found."""
    first, second, third, fourth = business["rounds"]
    studio = business["provider"].code
    entries = SandboxProviderEntry.objects.filter(studio=studio)
    entries.filter(ref=first).update(win=entries.get(ref=first).win + 50)  # the provider paid 0.50 more
    entries.filter(ref=second).update(currency="USD")
    entries.filter(ref=third).delete()  # the provider never reports it
    Round.objects.filter(pk=fourth).update(status=RoundStatus.PENDING)  # the platform never heard the answer
    ghost = str(uuid.uuid4())
    SandboxProviderEntry.objects.create(studio=studio, kind="round", ref=ghost, round_ref=ghost, amount=100, win=0,
                                        currency="EUR")  # fmt: skip
    bet_id = business["seamless"].steps[1]["request"]["transaction_id"]
    entries.filter(ref=bet_id).update(amount=entries.get(ref=bet_id).amount + 1)
    return {
        ("amount_mismatch", f"round:{first}"),
        ("currency_mismatch", f"round:{second}"),
        ("missing_at_partner", f"round:{third}"),
        ("status_mismatch", f"round:{fourth}"),
        ("missing_at_platform", f"round:{ghost}"),
        ("amount_mismatch", f"wallet:{bet_id}"),
    }


def gateway_discrepancies_plant(business) -> set[tuple[str, str]]:
    """Change the gateway's payments behind the platform's back; returns what must be found."""
    deposit, bigger, failed, withdrawal = business["payments"]
    channel = "soap" if business["gateway"].code == "sandbox_soap" else "rest"
    rows = SandboxGatewayPayment.objects.filter(channel=channel)
    rows.filter(merchant_reference=str(deposit)).update(settled_amount=2600)
    rows.filter(merchant_reference=str(bigger)).update(settled_currency="USD")
    rows.filter(merchant_reference=str(failed)).update(status="succeeded")  # a success the platform missed
    rows.filter(merchant_reference=str(withdrawal)).delete()
    ghost = str(uuid.uuid4())
    SandboxGatewayPayment.objects.create(reference="sbx_ghost", channel=channel, kind="deposit",
                                         merchant_reference=ghost, amount=500, currency="EUR", status="succeeded",
                                         settled_amount=500, settled_currency="EUR",
                                         completed_at=timezone.now())  # fmt: skip
    return {
        ("amount_mismatch", f"payment:{deposit}"),
        ("currency_mismatch", f"payment:{bigger}"),
        ("status_mismatch", f"payment:{failed}"),
        ("missing_at_partner", f"payment:{withdrawal}"),
        ("missing_at_platform", f"payment:{ghost}"),
    }


@BOTH_PROTOCOLS
def test_clean_data_finds_nothing(day_of, request):
    business = request.getfixturevalue(day_of)
    runs = reconcile_day(day=timezone.now().date())
    assert {(run.job, run.partner, run.status) for run in runs} >= {
        ("reconcile_provider", business["provider"].code, "clean"),
        ("reconcile_gateway", business["gateway"].code, "clean"),
    }
    provider_run = next(r for r in runs if r.job == "reconcile_provider")
    assert provider_run.lines_checked == 4 + 2  # four spins, a bet and a win
    gateway_run = next(r for r in runs if r.job == "reconcile_gateway")
    assert gateway_run.lines_checked == 4  # the deposits (one failed) and the payout
    assert Discrepancy.objects.count() == 0
    assert ledger_audit_run().status == JobRun.Status.CLEAN


@BOTH_PROTOCOLS
def test_every_kind_of_provider_discrepancy_is_found(day_of, request):
    business = request.getfixturevalue(day_of)
    planted = provider_discrepancies_plant(business)

    run = reconciliation_run(job=JobRun.Job.RECONCILE_PROVIDER, partner_code=business["provider"].code,
                             day=timezone.now().date())  # fmt: skip

    assert run.status == JobRun.Status.DISCREPANCIES
    assert _found(run) == planted
    first = business["rounds"][0]
    paid_more = run.discrepancies.get(reference=f"round:{first}")
    assert (paid_more.amount, paid_more.currency) == (50, "EUR")  # the player is owed 0.50
    assert paid_more.player_id == Round.objects.get(pk=first).player_id


@BOTH_PROTOCOLS
def test_every_kind_of_gateway_discrepancy_is_found(day_of, request):
    business = request.getfixturevalue(day_of)
    planted = gateway_discrepancies_plant(business)

    run = reconciliation_run(job=JobRun.Job.RECONCILE_GATEWAY, partner_code=business["gateway"].code,
                             day=timezone.now().date())  # fmt: skip

    assert _found(run) == planted
    failed = business["payments"][2]
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


def _discrepancy_samples() -> dict[tuple[str, str, str], float]:
    from core.metrics import metrics_exposition

    samples = {}
    for line in metrics_exposition().decode().splitlines():
        if line.startswith("casino_reconciliation_discrepancies_open{"):
            labels, value = line.rsplit(" ", 1)
            pairs = dict(part.split("=", 1) for part in labels.split("{", 1)[1].rstrip("}").split(","))
            key = tuple(pairs[name].strip('"') for name in ("check", "partner", "kind"))
            samples[key] = float(value)
    return samples


def test_unresolved_discrepancies_are_served_at_metrics_until_staff_resolve_them(make_player, fund, staff):
    """The figure the reconciliation alerts watch (deploy/monitoring): one series per check, partner and kind."""
    from backoffice.services.adjustments import discrepancy_close

    assert _discrepancy_samples() == {}
    wallet = fund(make_player(), 1_000)
    Account.objects.filter(pk=wallet.pk).update(balance=999)
    run = ledger_audit_run()
    Account.objects.filter(pk=wallet.pk).update(balance=1_000)
    found = run.discrepancies.count()
    assert _discrepancy_samples() == {("ledger_audit", "", "ledger_invariant"): found}

    closer = staff()
    for discrepancy in run.discrepancies.all():
        discrepancy_close(actor=closer, discrepancy_id=discrepancy.pk, note="drift put back")
    assert _discrepancy_samples() == {}


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


def test_the_soap_reports_page_by_cursor_and_keep_to_their_day(site, live_server):
    """Both SOAP sandboxes page their books as the REST ones do (a hundred lines a page, then a cursor), each keeps to
    its own books, and a day filter keeps to that UTC day."""
    from payments.registry import adapter_for as gateway_adapter_for
    from providers.registry import adapter_for as provider_adapter_for
    from sandbox.gateway_soap.seed import seed

    provider, _ = soap_sandbox_provider_seed(site_url=live_server.url)
    seed()
    SandboxProviderEntry.objects.bulk_create(
        SandboxProviderEntry(studio=provider.code, kind="wallet", ref=f"tx-{n}", action="bet", round_ref=f"r-{n}",
                             amount=100, currency="EUR") for n in range(101)
    )  # fmt: skip
    SandboxProviderEntry.objects.create(  # in the REST studio's books
        studio="sandbox", kind="wallet", ref="rest-tx", action="bet", round_ref="r", amount=100, currency="EUR"
    )
    SandboxGatewayPayment.objects.bulk_create(
        SandboxGatewayPayment(reference=f"sbx_{n}", channel=channel, kind="payout", merchant_reference=f"m-{n}",
                              amount=100, currency="EUR", status="succeeded", settled_amount=100,
                              settled_currency="EUR", completed_at=timezone.now())
        for n, channel in enumerate(["soap"] * 101 + ["rest"])
    )  # fmt: skip
    today, yesterday = timezone.now().date(), timezone.now().date() - timedelta(days=1)

    for adapter in (provider_adapter_for(provider), gateway_adapter_for(Gateway.objects.get(code="sandbox_soap"))):
        first = adapter.settlement_report(day=today)
        assert len(first.lines) == 100 and first.next_cursor
        last = adapter.settlement_report(day=today, cursor=first.next_cursor)
        assert len(last.lines) == 1 and last.next_cursor == ""
        assert len({line.reference for line in first.lines + last.lines}) == 101  # its own books, each line once
        assert adapter.settlement_report(day=yesterday).lines == []
        assert len(adapter.settlement_report(day=None).lines) == 100
