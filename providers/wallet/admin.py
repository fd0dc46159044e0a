"""Read-only admin for wallet callbacks and wallet transactions: staff search and filter, nobody edits."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from core.money import to_major
from providers.models import WalletCallback, WalletTransaction


@admin.register(WalletCallback)
class WalletCallbackAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "received_at",
        "provider_code",
        "action",
        "transaction_id",
        "verdict",
        "error_code",
        "response_status",
        "source_ip",
    )
    # No filter on error_code: its choices would be a SELECT DISTINCT over the whole (large) table; search it instead.
    list_filter = ("verdict", "action", "provider")
    search_fields = ("=transaction_id", "=provider_code", "=error_code", "=source_ip", "body")
    list_select_related = ("provider",)
    date_hierarchy = "received_at"
    ordering = ("-id",)
    show_full_result_count = False  # the table grows with every callback; COUNT(*) over it is slow


@admin.register(WalletTransaction)
class WalletTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "transaction_id",
        "provider",
        "action",
        "status",
        "player",
        "round_id",
        "amount_display",
        "reference_transaction_id",
        "created_at",
    )
    list_filter = ("action", "status", "provider", "currency")
    search_fields = ("=transaction_id", "=round_id", "=reference_transaction_id", "player__username", "session_id")
    list_select_related = ("provider", "player")
    raw_id_fields = ("player", "ledger_transaction", "reversal_transaction")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, row):
        return f"{to_major(row.amount, row.currency)} {row.currency}"
