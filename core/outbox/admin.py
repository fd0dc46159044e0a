"""Staff view of outbound deliveries: every message with its attempts, filters for dead letters and refusals, and
the two verbs staff need (retry now, cancel), both through the outbox services."""

from django.contrib import admin, messages

from core.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from core.outbox.services import outbox_cancel, outbox_retry


class OutboxAttemptInline(admin.TabularInline):
    model = OutboxAttempt
    fields = ("number", "outcome", "error", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "partner", "subject", "status", "attempts", "next_attempt_at", "last_error_short",
                    "created_at")  # fmt: skip
    list_filter = ("status", "kind", "partner")
    search_fields = ("=id", "key", "subject")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    inlines = [OutboxAttemptInline]
    actions = ("retry_now", "cancel")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request):
        return request.user.has_perm("outbox.operate_outboxmessage")

    @admin.display(description="last error")
    def last_error_short(self, message):
        return message.last_error[:80]

    @admin.action(description="Retry now (a fresh budget of attempts)", permissions=["operate"])
    def retry_now(self, request, queryset):
        retried = 0
        for message_id in queryset.exclude(status=OutboxStatus.DELIVERED).values_list("pk", flat=True):
            retried += outbox_retry(message_id=message_id, actor=request.user).status == OutboxStatus.PENDING
        self.message_user(request, f"{retried} delivery(ies) queued again.", messages.SUCCESS)

    @admin.action(description="Cancel (stop delivering)", permissions=["operate"])
    def cancel(self, request, queryset):
        cancelled = 0
        for message_id in queryset.exclude(status=OutboxStatus.DELIVERED).values_list("pk", flat=True):
            outbox_cancel(message_id=message_id, reason=f"by {request.user.get_username()}", actor=request.user)
            cancelled += 1
        self.message_user(request, f"{cancelled} delivery(ies) cancelled.", messages.SUCCESS)
