"""Staff admin for providers, the game catalogue, game sessions and rounds.

Provider secrets are write-only: the form shows an empty password box ("leave empty to keep"), never the value.
Every catalogue change bumps the cached GET /games version through `games_cache_invalidate`.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from core.admin_mixins import ReadOnlyAdmin
from core.money import to_major
from core.outbound import PartnerError
from providers.models import Game, GameSession, Provider, Round, RoundStatus
from providers.services import games_cache_invalidate, round_resolve

SECRET_FIELDS = ("secret", "previous_secret", "credentials", "tls_client_cert", "tls_client_key")


class ProviderForm(forms.ModelForm):
    """Secret fields render empty and keep the stored value unless staff type a new one (or tick 'clear')."""

    class Meta:
        model = Provider
        fields = [
            "code", "name", "protocol", "adapter", "base_url", "enabled", "key_id", *SECRET_FIELDS, "tls_ca_cert",
            "connect_timeout", "read_timeout", "currencies",
        ]  # fmt: skip
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    clear_secrets = forms.MultipleChoiceField(
        choices=[(name, name) for name in SECRET_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Erase these stored secrets.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields[name]
            field.required = False
            stored = bool(self.instance.pk and getattr(self.instance, name))
            field.help_text = ("A value is stored; leave empty to keep it. " if stored else "") + (
                field.help_text or ""
            )

    def clean_base_url(self):
        base_url = self.cleaned_data["base_url"]
        # Signed money calls travel over this URL: plain HTTP only for the sandbox on this machine.
        if base_url.lower().startswith("http://") and not (settings.SANDBOX_MODE or settings.DEBUG):
            raise forms.ValidationError("Use an https:// URL.")
        return base_url

    def clean(self):
        cleaned = super().clean()
        to_clear = set(cleaned.get("clear_secrets") or [])
        for name in SECRET_FIELDS:
            if name in to_clear:
                cleaned[name] = ""
            elif not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class LobbyAdmin(admin.ModelAdmin):
    """Providers and games make up the lobby: every save or delete here bumps the cached GET /games version."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        games_cache_invalidate()  # enabling or disabling a provider or a game changes the lobby

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        games_cache_invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        games_cache_invalidate()


@admin.register(Provider)
class ProviderAdmin(LobbyAdmin):
    form = ProviderForm
    list_display = ("code", "name", "protocol", "adapter", "base_url", "enabled", "has_secret", "updated_at")
    list_filter = ("protocol", "enabled")
    search_fields = ("code", "name", "base_url")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(boolean=True, description="secret set")
    def has_secret(self, provider):
        return bool(provider.secret)


@admin.register(Game)
class GameAdmin(LobbyAdmin):
    list_display = ("name", "code", "provider", "category", "currency", "min_bet_display", "max_bet_display", "enabled")
    list_filter = ("enabled", "category", "currency", "provider")
    search_fields = ("name", "code", "provider__code")
    list_select_related = ("provider",)
    readonly_fields = ("created_at", "updated_at")
    actions = ["enable_games", "disable_games"]

    def has_enable_permission(self, request):
        # What players can play: its own permission, not the view (or even change) permission on games.
        return request.user.has_perm("providers.enable_game")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if self.has_enable_permission(request) else (*readonly, "enabled")

    @admin.display(description="min bet", ordering="min_bet")
    def min_bet_display(self, game):
        return to_major(game.min_bet, game.currency)

    @admin.display(description="max bet", ordering="max_bet")
    def max_bet_display(self, game):
        return to_major(game.max_bet, game.currency)

    @admin.action(description="Enable selected games", permissions=["enable"])
    def enable_games(self, request, queryset):
        queryset.update(enabled=True)
        games_cache_invalidate()

    @admin.action(description="Disable selected games", permissions=["enable"])
    def disable_games(self, request, queryset):
        queryset.update(enabled=False)
        games_cache_invalidate()


@admin.register(GameSession)
class GameSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "player", "game", "provider", "currency", "status", "mode", "expires_at", "created_at")
    list_filter = ("status", "mode", "provider", "currency")
    search_fields = ("=id", "player__username", "provider_session_id", "game__code")
    list_select_related = ("player", "game", "provider")
    date_hierarchy = "created_at"


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "player", "game", "provider", "status", "bet_display", "payout_display", "currency", "acknowledged",
        "created_at",
    )  # fmt: skip
    list_filter = ("status", "acknowledged", "provider", "currency")
    search_fields = ("=id", "player__username", "provider_round_id", "idempotency_key")
    list_select_related = ("player", "game", "provider")
    date_hierarchy = "created_at"
    actions = ["resolve_pending"]

    @admin.action(description="Ask the provider now how the selected pending rounds ended", permissions=["resolve"])
    def resolve_pending(self, request, queryset):
        # The action of the change-permission-less admin: it goes through the same service as the resolver task.
        outcomes: dict[str, int] = {}
        for round_id in queryset.filter(status=RoundStatus.PENDING).values_list("id", flat=True):
            try:
                outcome = round_resolve(round_id=round_id).status
            except PartnerError:
                outcome = "provider unavailable"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items()) or "no pending rounds selected"
        self.message_user(request, f"Resolved: {summary}.", messages.INFO)

    def has_resolve_permission(self, request):
        # Settling or voiding moves money: only staff trusted with rounds (the model's change permission).
        return request.user.has_perm("providers.change_round")

    @admin.display(description="bet", ordering="bet")
    def bet_display(self, round_obj):
        return to_major(round_obj.bet, round_obj.currency)

    @admin.display(description="payout", ordering="payout")
    def payout_display(self, round_obj):
        return "" if round_obj.payout is None else to_major(round_obj.payout, round_obj.currency)


# The wallet callbacks keep their admin beside their code; importing it registers it.
from providers.wallet import admin as wallet_admin  # noqa: E402, F401
