"""Read-only admin for wallet callbacks and wallet transactions: staff search and filter, nobody edits; staff with
the review permission release or refuse a win held for review."""

from django.contrib import admin, messages

from core.admin_actions import confirmed
from core.admin_mixins import ReadOnlyAdmin
from providers.models import WalletCallback, WalletTransaction, WalletTransactionStatus
from providers.wallet.services import wallet_win_refuse, wallet_win_release


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
        "amount_money",
        "reference_transaction_id",
        "created_at",
    )
    list_filter = ("action", "status", "provider", "currency")
    search_fields = ("=transaction_id", "=round_id", "=reference_transaction_id", "player__username", "session_id")
    list_select_related = ("provider", "player")
    raw_id_fields = ("player", "ledger_transaction", "reversal_transaction")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    money_fields = ("amount",)

    actions = ("release_held_wins", "refuse_held_wins")

    def has_review_win_permission(self, request):
        return request.user.has_perm("providers.review_win")

    def _decide(self, request, queryset, service, title: str, question: str):
        queryset = queryset.filter(status=WalletTransactionStatus.HELD)
        answer = confirmed(self, request, queryset, title=title, question=question)
        if not isinstance(answer, dict):
            return answer
        for row_id in queryset.values_list("pk", flat=True):
            service(wallet_transaction_id=row_id, actor=request.user, note=answer["note"])
        self.message_user(request, f"{title}: done.", messages.SUCCESS)
        return None

    @admin.action(description="Held wins: release (credit the player)", permissions=["review_win"])
    def release_held_wins(self, request, queryset):
        return self._decide(request, queryset, wallet_win_release, "Release held wins",
                            "Credit these wins to the players, once each.")  # fmt: skip

    @admin.action(description="Held wins: refuse (credit nothing)", permissions=["review_win"])
    def refuse_held_wins(self, request, queryset):
        question = "Credit nothing for these wins; settle with the provider outside the platform."
        return self._decide(request, queryset, wallet_win_refuse, "Refuse held wins", question)
