"""Read-only ledger views: staff can search and filter, nobody can add, edit or delete entries from here."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from core.money import to_major
from ledger.models import Account, Entry, Hold, Transaction


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount_display", "balance_after_display", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="amount")
    def amount_display(self, entry):
        return f"{to_major(entry.amount, entry.currency)} {entry.currency}"

    @admin.display(description="balance after")
    def balance_after_display(self, entry):
        return to_major(entry.balance_after, entry.currency)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "currency", "balance_display", "held_display", "non_negative", "created_at")
    list_filter = ("kind", "currency", "non_negative")
    search_fields = ("code", "owner__username", "owner__email")
    list_select_related = ("owner",)

    @admin.display(description="balance", ordering="balance")
    def balance_display(self, account):
        return to_major(account.balance, account.currency)

    @admin.display(description="held", ordering="held")
    def held_display(self, account):
        return to_major(account.held, account.currency)


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
    list_display = ("id", "account", "amount", "currency", "balance_after", "transaction", "created_at")
    list_filter = ("currency", "account__kind")
    search_fields = ("account__code", "=transaction__id", "transaction__reference")
    list_select_related = ("account", "transaction")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount", "currency", "status", "captured_amount", "reference", "expires_at")
    list_filter = ("status", "currency")
    search_fields = ("=id", "reference", "idempotency_key", "account__code")
    list_select_related = ("account",)
