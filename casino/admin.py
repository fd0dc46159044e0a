"""Staff admin for people: users and player profiles."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from casino.models import PlayerProfile, User


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
