"""Staff admin for people and the player-facing rules: users (privileges editable by superusers only), player
profiles (KYC decisions through an audited, permissioned action), blocked countries, the KYC audit trail."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from casino.models import BlockedCountry, KycStatus, KycStatusChange, PlayerProfile, RevokedTokenFamily, User
from casino.selectors import countries_blocked_cache_clear
from casino.services import player_kyc_set
from core.admin_mixins import ReadOnlyAdmin

# Fields that grant power over the backoffice itself: only a superuser may change them.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
# Set by services only: the KYC status through its audited action, the currency with the wallet it names.
PROFILE_SERVICE_FIELDS = ("kyc_status", "currency")


class PlayerProfileInline(admin.StackedInline):
    model = PlayerProfile
    can_delete = False
    extra = 0
    readonly_fields = PROFILE_SERVICE_FIELDS


@admin.register(User)
class CasinoUserAdmin(UserAdmin):
    inlines = [PlayerProfileInline]
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in PRIVILEGE_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password, its e-mail for resets) is a superuser's to change.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PlayerProfile)
class PlayerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "country", "currency", "kyc_status", "created_at")
    list_filter = ("kyc_status", "country", "currency")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = PROFILE_SERVICE_FIELDS
    actions = ("kyc_mark_verified", "kyc_mark_rejected", "kyc_mark_pending")

    def has_kyc_permission(self, request):
        return request.user.has_perm("casino.change_kyc_status")

    def _kyc_set(self, request, queryset, status):
        changed = 0
        for user_id in queryset.values_list("user_id", flat=True):
            changed += player_kyc_set(
                user=User(pk=user_id), status=status, changed_by=request.user, reason="admin action"
            )
        self.message_user(request, f"{changed} player(s) marked {status}.", messages.SUCCESS)

    @admin.action(description="KYC: mark verified", permissions=["kyc"])
    def kyc_mark_verified(self, request, queryset):
        self._kyc_set(request, queryset, KycStatus.VERIFIED)

    @admin.action(description="KYC: mark rejected", permissions=["kyc"])
    def kyc_mark_rejected(self, request, queryset):
        self._kyc_set(request, queryset, KycStatus.REJECTED)

    @admin.action(description="KYC: mark pending", permissions=["kyc"])
    def kyc_mark_pending(self, request, queryset):
        self._kyc_set(request, queryset, KycStatus.PENDING)


@admin.register(KycStatusChange)
class KycStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "player", "from_status", "to_status", "changed_by", "reason")
    list_filter = ("to_status",)
    search_fields = ("player__username", "changed_by__username")
    list_select_related = ("player", "changed_by")


@admin.register(BlockedCountry)
class BlockedCountryAdmin(admin.ModelAdmin):
    """Players from these countries are refused at every entry (registration, login, play, payments, WebSocket)."""

    list_display = ("code", "note", "created_at")
    search_fields = ("code", "note")

    def save_model(self, request, obj, form, change):
        obj.code = obj.code.upper()
        super().save_model(request, obj, form, change)
        countries_blocked_cache_clear()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        countries_blocked_cache_clear()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        countries_blocked_cache_clear()


@admin.register(RevokedTokenFamily)
class RevokedTokenFamilyAdmin(ReadOnlyAdmin):
    list_display = ("family", "user", "reason", "revoked_at")
    list_filter = ("reason",)
    search_fields = ("=family", "user__username")
    list_select_related = ("user",)
