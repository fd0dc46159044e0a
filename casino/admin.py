"""Staff admin for people and stored idempotent requests."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from casino.models import IdempotencyRecord, PlayerProfile, User


class PlayerProfileInline(admin.StackedInline):
    model = PlayerProfile
    can_delete = False
    extra = 0


@admin.register(User)
class CasinoUserAdmin(UserAdmin):
    inlines = [PlayerProfileInline]
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")


@admin.register(PlayerProfile)
class PlayerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "country", "currency", "kyc_status", "created_at")
    list_filter = ("kyc_status", "country", "currency")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)


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
