"""Staff admin for providers, the game catalogue, game sessions and rounds.

Provider secrets are write-only: the form never shows a stored value ("leave empty to keep"); multi-line ones (PEM,
JSON) are textareas that keep their bytes, and a PEM that does not load is refused on save. Adapter names must be in
the registry. Every catalogue change bumps the cached GET /games version through `games_cache_invalidate`; every
change of a provider or a game's limits is audited. Amounts are shown and typed in major units.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction

from core.admin_actions import ConfirmForm, confirmed
from core.admin_mixins import ReadOnlyAdmin, money_display
from core.audit.services import audit_changes, audit_record, audit_snapshot
from core.errors import ApplicationError
from core.money import MoneyError, to_major, to_minor
from core.outbound import PartnerError
from core.pem import pem_form_check
from providers.models import Game, GameSession, Provider, Round, RoundStatus
from providers.registry import ADAPTERS
from providers.services import games_cache_invalidate, round_resolve
from providers.services.staff import (
    partner_circuit_state,
    provider_connection_test,
    round_staff_settle,
    round_staff_void,
)

SECRET_FIELDS = ("secret", "previous_secret", "credentials", "tls_client_cert", "tls_client_key")
MULTILINE_SECRETS = ("credentials", "tls_client_cert", "tls_client_key")  # JSON and PEM keep their newlines


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders the stored value (a password input drops a PEM's newlines)."""

    def format_value(self, value):
        return ""


class ProviderForm(forms.ModelForm):
    """Secret fields render empty and keep the stored value unless staff type a new one (or tick 'clear')."""

    class Meta:
        model = Provider
        fields = [
            "code", "name", "protocol", "adapter", "base_url", "enabled", "key_id", *SECRET_FIELDS, "tls_ca_cert",
            "connect_timeout", "read_timeout", "currencies",
        ]  # fmt: skip
        widgets = {
            name: WriteOnlyTextarea(attrs={"rows": 4}) if name in MULTILINE_SECRETS else forms.PasswordInput()
            for name in SECRET_FIELDS
        }

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
            field.strip = name not in MULTILINE_SECRETS  # a PEM's bytes, final newline included, are kept
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
        pem_form_check(self, cleaned)
        return cleaned

    def clean_adapter(self):
        adapter = self.cleaned_data["adapter"]
        if adapter and adapter not in ADAPTERS:
            raise forms.ValidationError(f"Unknown adapter; one of: {', '.join(sorted(ADAPTERS))} (or empty).")
        return adapter


class LobbyAdmin(admin.ModelAdmin):
    """Providers and games make up the lobby: every save or delete here bumps the cached GET /games version, and is
    audited (partners and limits are staff changes that matter)."""

    def save_model(self, request, obj, form, change):
        stored = type(obj).objects.filter(pk=obj.pk).first() if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            before, after = audit_changes(audit_snapshot(stored), audit_snapshot(obj))
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.{'change' if change else 'add'}",
                         target=obj, before=before, after=after)  # fmt: skip
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
    list_display = ("code", "name", "protocol", "adapter", "base_url", "enabled", "circuit", "has_secret",
                    "updated_at")  # fmt: skip
    list_filter = ("protocol", "enabled")
    search_fields = ("code", "name", "base_url")
    readonly_fields = ("created_at", "updated_at", "circuit")
    actions = ["test_connection"]

    @admin.display(description="circuit")
    def circuit(self, provider):
        # Next to "Enabled": an enabled provider whose circuit is open is not being called right now.
        return partner_circuit_state(provider.outbound_name)

    @admin.action(description="Test the connection (asks for the game list)")
    def test_connection(self, request, queryset):
        for provider in queryset:
            level, text = provider_connection_test(provider=provider)
            self.message_user(request, f"{provider.code}: {text}", level)

    @admin.display(boolean=True, description="secret set")
    def has_secret(self, provider):
        return bool(provider.secret)


class GameForm(forms.ModelForm):
    """Bet limits are typed in major units of the game's currency (stored in minor units)."""

    min_bet = forms.DecimalField(help_text="Major units of the game's currency, e.g. 0.10.")
    max_bet = forms.DecimalField(help_text="Major units of the game's currency, e.g. 100.00.")

    class Meta:
        model = Game
        fields = ["provider", "code", "name", "category", "currency", "min_bet", "max_bet", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("min_bet", "max_bet"):
                self.initial[name] = to_major(getattr(self.instance, name), self.instance.currency)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        for name in ("min_bet", "max_bet"):
            if currency and cleaned.get(name) is not None:
                try:
                    cleaned[name] = to_minor(cleaned[name], currency)
                except MoneyError as exc:
                    self.add_error(name, str(exc))
        return cleaned

    def _post_clean(self):
        for name in ("min_bet", "max_bet"):
            if isinstance(self.cleaned_data.get(name), int):
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()


@admin.register(Game)
class GameAdmin(LobbyAdmin):
    form = GameForm
    list_display = ("name", "code", "provider", "category", "min_bet_money", "max_bet_money", "enabled")
    list_filter = ("enabled", "category", "currency", "provider")
    search_fields = ("name", "code", "provider__code")
    list_select_related = ("provider",)
    readonly_fields = ("created_at", "updated_at")
    actions = ["enable_games", "disable_games"]
    # Columns only: the form types the limits in major units itself (GameForm).
    min_bet_money = money_display("min_bet")
    max_bet_money = money_display("max_bet")

    def has_enable_permission(self, request):
        # What players can play: its own permission, not the view (or even change) permission on games.
        return request.user.has_perm("providers.enable_game")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if self.has_enable_permission(request) else (*readonly, "enabled")

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


class SettleForm(ConfirmForm):
    payout = forms.DecimalField(min_value=0, help_text="Major units of the round's currency.")


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "player", "game", "provider", "status", "bet_money", "payout_money", "acknowledged", "created_at",
    )  # fmt: skip
    list_filter = ("status", "acknowledged", "provider", "currency")
    search_fields = ("=id", "player__username", "provider_round_id", "idempotency_key")
    list_select_related = ("player", "game", "provider")
    date_hierarchy = "created_at"
    actions = ["resolve_pending", "settle_stuck", "void_stuck"]
    money_fields = ("bet", "payout")

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

    def has_settle_permission(self, request):
        return request.user.has_perm("providers.settle_round")

    @admin.action(description="Stuck rounds: settle at a payout, with evidence", permissions=["settle"])
    def settle_stuck(self, request, queryset):
        question = "Capture each bet and credit the payout below; the note is the evidence."
        answer = confirmed(self, request, queryset, form_class=SettleForm, title="Settle stuck rounds",
                           question=question)  # fmt: skip
        if not isinstance(answer, dict):
            return answer
        for round_obj in queryset:
            try:
                payout = to_minor(answer["payout"], round_obj.currency, allow_zero=True)
                round_staff_settle(round_id=round_obj.pk, payout=payout, evidence=answer["note"], actor=request.user)
                self.message_user(request, f"round {round_obj.pk}: settled", messages.SUCCESS)
            except (ApplicationError, MoneyError) as exc:
                self.message_user(request, f"round {round_obj.pk}: {exc}", messages.ERROR)
        return None

    @admin.action(description="Stuck rounds: void (release the bet), with evidence", permissions=["settle"])
    def void_stuck(self, request, queryset):
        answer = confirmed(self, request, queryset, title="Void stuck rounds",
                           question="Release each bet: the provider never played these rounds.")  # fmt: skip
        if not isinstance(answer, dict):
            return answer
        for round_obj in queryset:
            try:
                round_staff_void(round_id=round_obj.pk, evidence=answer["note"], actor=request.user)
                self.message_user(request, f"round {round_obj.pk}: voided", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"round {round_obj.pk}: {exc}", messages.ERROR)
        return None


# The wallet callbacks keep their admin beside their code; importing it registers it.
from providers.wallet import admin as wallet_admin  # noqa: E402, F401
