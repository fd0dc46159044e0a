"""Staff admin for the kernel: the stored results of idempotent requests (read only), and the circuit breakers of
the partners (each one's policy, its live state as every process sees it, and a reset)."""

from django.contrib import admin, messages

from core.breakers import OPEN, breaker_reset, breaker_statuses, policies_forget
from core.models import CircuitBreakerPolicy, IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "status", "response_status", "created_at")
    list_filter = ("status", "response_status")
    search_fields = ("scope", "key")
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CircuitBreakerPolicy)
class CircuitBreakerPolicyAdmin(admin.ModelAdmin):
    """Every partner the platform has called is listed (a row with the default policy is added for it), with its
    circuit's state read live from the shared store."""

    list_display = ("partner", "circuit_state", "consecutive_failures", "fail_max", "reset_timeout",
                    "half_open_probes", "updated_at")  # fmt: skip
    search_fields = ("partner",)
    readonly_fields = ("circuit_state", "consecutive_failures", "updated_at")
    actions = ["reset_breakers"]

    def changelist_view(self, request, extra_context=None):
        known = breaker_statuses()
        CircuitBreakerPolicy.objects.bulk_create(
            [CircuitBreakerPolicy(partner=name) for name in known], ignore_conflicts=True
        )
        self._statuses = known
        return super().changelist_view(request, extra_context)

    def _status(self, obj):
        statuses = getattr(self, "_statuses", None) or breaker_statuses([obj.partner])
        return statuses.get(obj.partner) or breaker_statuses([obj.partner])[obj.partner]

    @admin.display(description="circuit")
    def circuit_state(self, obj):
        status = self._status(obj)
        return f"open (probe in {status.retry_after}s)" if status.state == OPEN else status.state

    @admin.display(description="failures")
    def consecutive_failures(self, obj):
        return self._status(obj).failures

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        policies_forget()  # this process at once; the others within a few seconds

    @admin.action(description="Reset (close) the selected circuit breakers")
    def reset_breakers(self, request, queryset):
        names = list(queryset.values_list("partner", flat=True))
        for name in names:
            breaker_reset(name)
        self.message_user(request, f"Closed the circuit of {', '.join(names)}.", messages.SUCCESS)
