"""The ledger admin: staff can search, filter and read; nobody can add, change or delete; no N+1 on list pages."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ledger.models import Account, Entry, Hold, Transaction
from ledger.services import Posting, hold_capture, hold_release, hold_reserve, transaction_reverse, transfer

MODELS = [Account, Transaction, Entry, Hold]


@pytest.fixture
def staff_client(client, db):
    admin = get_user_model().objects.create_superuser(username="root", email="root@example.com", password="x-Pass-9")
    client.force_login(admin)
    return client


@pytest.fixture
def busy_ledger(make_player, fund, house):
    """A dozen players with deposits, bets, holds and a reversal: enough rows that an N+1 shows."""

    def add(count: int) -> None:
        for _ in range(count):
            wallet = fund(make_player(), 1000)
            bet = transfer(source=wallet, destination=house, amount=100, kind="bet", idempotency_key=f"adm:{wallet.pk}")
            transaction_reverse(original=bet, idempotency_key=f"adm:{wallet.pk}:undo")
            hold = hold_reserve(account=wallet, amount=50, idempotency_key=f"adm:{wallet.pk}:hold")
            hold_release(hold=hold)
            hold_reserve(account=wallet, amount=20, idempotency_key=f"adm:{wallet.pk}:hold2", reference="round")

    add(3)
    return add


def changelist(model) -> str:
    return reverse(f"admin:ledger_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_load_with_search_and_filters(staff_client, busy_ledger, house, model):
    queries = {
        Account: [{"q": "player"}, {"kind": "house"}, {"currency": "EUR", "non_negative__exact": "1"}],
        Transaction: [{"q": "adm:"}, {"kind": "reversal"}, {"created_at__gte": "2000-01-01 00:00:00+00:00"}],
        Entry: [{"q": house.code}, {"currency": "EUR"}, {"account__kind": "player_wallet"}],
        Hold: [{"q": "round"}, {"status": "released"}, {"currency": "EUR"}],
    }[model]
    response = staff_client.get(changelist(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0
    for params in queries:
        response = staff_client.get(changelist(model), params)
        assert response.status_code == 200, params
        assert response.context["cl"].result_count >= 1, params


def test_search_and_filter_narrow_the_list(staff_client, busy_ledger):
    response = staff_client.get(changelist(Transaction), {"kind": "reversal"})
    assert response.context["cl"].result_count == Transaction.objects.filter(kind="reversal").count() == 3
    response = staff_client.get(changelist(Hold), {"status": "active"})
    assert response.context["cl"].result_count == 3
    txn = Transaction.objects.filter(kind="bet").first()
    response = staff_client.get(changelist(Transaction), {"q": str(txn.pk)})
    assert [row.pk for row in response.context["cl"].result_list] == [txn.pk]


def test_transaction_detail_shows_its_entries(staff_client, busy_ledger):
    txn = Transaction.objects.filter(kind="bet").first()
    response = staff_client.get(reverse("admin:ledger_transaction_change", args=[txn.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for entry in txn.entries.select_related("account"):
        assert entry.account.code in body
    assert "-1.00 EUR" in body and "1.00 EUR" in body
    assert 'name="_save"' not in body  # read-only: no save button


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nobody_can_add_change_or_delete(staff_client, busy_ledger, model, rf):
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = get_user_model().objects.get(username="root")
    obj = model.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    name = model._meta.model_name
    assert staff_client.get(reverse(f"admin:ledger_{name}_add")).status_code == 403
    assert staff_client.get(reverse(f"admin:ledger_{name}_delete", args=[obj.pk])).status_code == 403
    count = model.objects.count()
    response = staff_client.post(
        changelist(model), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302, 403)
    assert model.objects.count() == count


def test_inline_entries_cannot_be_added_or_deleted(staff_client, busy_ledger):
    from django.contrib import admin

    inline = admin.site._registry[Transaction].get_inline_instances(None)[0]
    assert inline.model is Entry
    assert not inline.can_delete
    assert not inline.has_add_permission(None)
    assert not inline.has_change_permission(None)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(staff_client, busy_ledger, model, django_assert_max_num_queries):
    # Session, user, count(s), the page, filters' choices: a fixed number whatever the row count.
    staff_client.get(changelist(model))  # warm caches (content types, permissions)
    with django_assert_max_num_queries(10) as small:
        assert staff_client.get(changelist(model)).status_code == 200
    busy_ledger(9)
    with django_assert_max_num_queries(10) as large:
        response = staff_client.get(changelist(model))
    assert len(response.context["cl"].result_list) >= 12
    assert len(large.captured_queries) == len(small.captured_queries)


def test_transaction_detail_queries_are_bounded(staff_client, busy_ledger, django_assert_max_num_queries):
    txn = Transaction.objects.filter(kind="bet").first()
    url = reverse("admin:ledger_transaction_change", args=[txn.pk])
    staff_client.get(url)
    with django_assert_max_num_queries(10) as two_entries:
        assert staff_client.get(url).status_code == 200
    # A capture with a payout whose legs cancel out writes four entries: the page must not cost a query per entry.
    wallet, clearing = txn.entries.get(amount__lt=0).account, txn.entries.get(amount__gt=0).account
    hold = hold_reserve(account=wallet, amount=10, idempotency_key="adm:push")
    push = hold_capture(
        hold=hold,
        destination=clearing,
        idempotency_key="adm:push:c",
        kind="spin",
        extra_postings=[Posting(clearing, -10), Posting(wallet, 10)],
    )
    with django_assert_max_num_queries(10) as four_entries:
        response = staff_client.get(reverse("admin:ledger_transaction_change", args=[push.pk]))
    assert response.content.decode().count(wallet.code) >= 2
    assert len(four_entries.captured_queries) == len(two_entries.captured_queries)


def test_amounts_show_in_major_units_with_their_currency(staff_client, make_player, fund, house):
    wallet = fund(make_player(), 10_000)
    hold = hold_reserve(account=wallet, amount=4000, idempotency_key="adm:major", reference="major")
    hold_capture(hold=hold, destination=house, amount=1500, idempotency_key="adm:major:c", kind="spin")

    holds = staff_client.get(changelist(Hold), {"q": "major"}).content.decode()
    assert '<td class="field-amount_money">40.00 EUR</td>' in holds
    assert '<td class="field-captured_amount_money">15.00 EUR</td>' in holds
    detail = staff_client.get(reverse("admin:ledger_hold_change", args=[hold.pk])).content.decode()
    assert '<div class="readonly">40.00 EUR</div>' in detail and '<div class="readonly">4000</div>' not in detail
    assert "hold 40.00 EUR on" in detail  # the page's title, the row's name
    entries = staff_client.get(changelist(Entry), {"q": wallet.code}).content.decode()
    assert '<td class="field-amount_money">100.00 EUR</td>' in entries
    assert '<td class="field-balance_after_money">100.00 EUR</td>' in entries
    account = staff_client.get(reverse("admin:ledger_account_change", args=[wallet.pk])).content.decode()
    assert '<div class="readonly">85.00 EUR</div>' in account and '<div class="readonly">8500</div>' not in account
