"""Read-only ledger views: staff can search and filter, nobody can add, edit or delete entries from here. Amounts are
shown in major units with their currency."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin, money_display
from ledger.models import Account, Entry, Hold, Transaction


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount_money", "balance_after_money", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    amount_money = money_display("amount")
    balance_after_money = money_display("balance_after")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "currency", "balance_money", "held_money", "non_negative", "created_at")
    list_filter = ("kind", "currency", "non_negative")
    search_fields = ("code", "owner__username", "owner__email")
    list_select_related = ("owner",)
    money_fields = ("balance", "held")


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference", "idempotency_key", "reverses", "created_at")
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "idempotency_key", "reference")
    date_hierarchy = "created_at"
    # Named explicitly: the admin's automatic select_related() skips nullable foreign keys, one query per reversal.
    list_select_related = ("reverses",)
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount_money", "balance_after_money", "transaction", "created_at")
    list_filter = ("currency", "account__kind")
    search_fields = ("account__code", "=transaction__id", "transaction__reference")
    list_select_related = ("account", "transaction")
    money_fields = ("amount", "balance_after")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount_money", "status", "captured_amount_money", "reference", "expires_at")
    list_filter = ("status", "currency")
    search_fields = ("=id", "reference", "idempotency_key", "account__code")
    list_select_related = ("account",)
    money_fields = ("amount", "captured_amount")
