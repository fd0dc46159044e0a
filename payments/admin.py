"""Staff backoffice for payments: gateways (secrets write-only, never displayed), payments, webhook deliveries
with their verdicts (and a re-process action), and anomalies. Actions call the same services as everything else."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages

from core.admin_actions import confirmed
from core.admin_mixins import MoneyAdmin
from core.errors import ApplicationError
from core.money import money_format
from core.pem import pem_form_check
from payments.models import Gateway, Payment, PaymentAnomaly, PaymentStatus, PaymentStatusChange, WebhookDelivery
from payments.registry import ADAPTERS
from payments.services.transitions import payment_review_resolve
from payments.services.webhooks import webhook_delivery_reprocess

SECRET_FIELDS = (
    "secret",
    "previous_secret",
    "credentials",
    "webhook_secret",
    "tls_client_cert",
    "tls_client_key",
)
MULTILINE_SECRETS = ("credentials", "tls_client_cert", "tls_client_key")  # JSON and PEM keep their newlines


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders the stored value (PEM and JSON need newlines, which password inputs drop)."""

    def format_value(self, value):
        return ""


class GatewayForm(forms.ModelForm):
    """Secrets are write-only: the form never renders a stored value; leaving a field blank keeps it. Entering a
    new webhook secret keeps the old one as `previous` so deliveries signed during the rotation still verify."""

    clear_previous_webhook_secret = forms.BooleanField(
        required=False, help_text="End the rotation: stop accepting the previous webhook secret."
    )

    class Meta:
        model = Gateway
        fields = (
            "code",
            "name",
            "protocol",
            "adapter",
            "base_url",
            "enabled",
            "key_id",
            *SECRET_FIELDS,
            "tls_ca_cert",
            "currencies",
            "min_amount",
            "max_amount",
            "connect_timeout",
            "read_timeout",
        )
        widgets = {
            name: WriteOnlyTextarea(attrs={"rows": 4}) if name in MULTILINE_SECRETS else forms.PasswordInput()
            for name in SECRET_FIELDS
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields[name]
            field.required = False
            field.strip = name not in MULTILINE_SECRETS  # a PEM ends with a newline
            field.initial = ""
            is_set = bool(self.instance.pk and getattr(self.instance, name))
            field.help_text = ("Set; leave blank to keep it. " if is_set else "Not set. ") + (field.help_text or "")

    def clean_base_url(self):
        base_url = self.cleaned_data["base_url"]
        # Secrets and money travel over this URL: plain HTTP only for the sandbox on this machine.
        if base_url.lower().startswith("http://") and not (settings.SANDBOX_MODE or settings.DEBUG):
            raise forms.ValidationError("Use an https:// URL.")
        return base_url

    def clean(self):
        cleaned = super().clean()
        for name in ("tls_client_cert", "tls_client_key"):
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)  # what is stored is checked with what is typed
        pem_form_check(self, cleaned)
        return cleaned

    def clean_adapter(self):
        adapter = self.cleaned_data["adapter"]
        if adapter not in ADAPTERS:
            raise forms.ValidationError(f"Unknown adapter; one of: {', '.join(sorted(ADAPTERS))}.")
        return adapter

    def save(self, commit=True):
        gateway = self.instance
        stored = Gateway.objects.filter(pk=gateway.pk).first() if gateway.pk else None
        for name in SECRET_FIELDS:
            if not self.cleaned_data.get(name) and stored is not None:
                setattr(gateway, name, getattr(stored, name))
        new_webhook_secret = stored is not None and self.cleaned_data.get("webhook_secret")
        if new_webhook_secret and stored.webhook_secret and stored.webhook_secret != gateway.webhook_secret:
            gateway.previous_webhook_secret = stored.webhook_secret
        if self.cleaned_data.get("clear_previous_webhook_secret"):
            gateway.previous_webhook_secret = ""
        return super().save(commit=commit)


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    form = GatewayForm
    list_display = ("code", "name", "protocol", "adapter", "base_url", "enabled", "currencies", "secrets_state")
    list_filter = ("protocol", "enabled")
    search_fields = ("code", "name")

    @admin.display(description="secrets")
    def secrets_state(self, gateway):
        rotating = " (rotating)" if gateway.previous_webhook_secret else ""
        return ("webhook secret set" if gateway.webhook_secret else "no webhook secret") + rotating


class PaymentStatusChangeInline(admin.TabularInline):
    model = PaymentStatusChange
    fields = ("created_at", "from_status", "to_status", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(MoneyAdmin):
    inlines = [PaymentStatusChangeInline]
    list_display = ("id", "kind", "status", "amount_money", "player", "gateway", "gateway_reference", "created_at")
    list_filter = ("status", "kind", "gateway")
    search_fields = ("=id", "gateway_reference", "player__username", "player__email")
    list_select_related = ("player", "gateway")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields]
    actions = ("resolve_review_succeeded", "resolve_review_failed")
    money_fields = ("amount",)

    def has_review_permission(self, request):
        return request.user.has_perm("payments.review_payment")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _resolve(self, request, queryset, to, question):
        queryset = queryset.filter(status=PaymentStatus.REVIEW)
        answer = confirmed(self, request, queryset, title=f"Review: mark {to}", question=question)
        if not isinstance(answer, dict):
            return answer
        done = 0
        for payment_id in queryset.values_list("pk", flat=True):
            try:
                done += payment_review_resolve(
                    payment_id=payment_id, to=to, note=answer["note"], actor=request.user
                ).changed
            except ApplicationError as exc:
                self.message_user(request, f"payment {payment_id}: {exc.detail} {exc.errors or ''}", messages.ERROR)
        self.message_user(request, f"{done} payment(s) marked {to}.", messages.SUCCESS)
        return None

    @admin.action(description="Review: mark succeeded (moves what the gateway reported)", permissions=["review"])
    def resolve_review_succeeded(self, request, queryset):
        return self._resolve(request, queryset, PaymentStatus.SUCCEEDED,
                             "Credit (or pay out) the amount the gateway reported and close the anomaly.")  # fmt: skip

    @admin.action(description="Review: mark failed (releases a withdrawal's hold)", permissions=["review"])
    def resolve_review_failed(self, request, queryset):
        question = "Fail these payments (a withdrawal's hold is released) and close the anomaly."
        return self._resolve(request, queryset, PaymentStatus.FAILED, question)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "gateway_code",
        "event_id",
        "event_type",
        "signature_verdict",
        "outcome",
        "payment",
        "source_address",
        "body_size",
        "received_at",
    )
    list_filter = ("signature_verdict", "outcome", "gateway_code")
    search_fields = ("event_id", "=payment__id", "payment__gateway_reference")
    list_select_related = ("payment",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ("reprocess",)

    def has_reprocess_permission(self, request):
        return request.user.has_perm("payments.reprocess_webhookdelivery")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Re-process (verify the signature again; an applied event has no second effect)",
        permissions=["reprocess"],
    )
    def reprocess(self, request, queryset):
        for delivery_id in queryset.values_list("pk", flat=True):
            outcome = webhook_delivery_reprocess(delivery_id=delivery_id)
            self.message_user(request, f"delivery {delivery_id}: {outcome}")


@admin.register(PaymentAnomaly)
class PaymentAnomalyAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "payment", "payment_amount", "reported_amount", "gateway", "resolved", "created_at")
    list_filter = ("kind", "resolved", "gateway")
    search_fields = ("=payment__id", "detail")
    list_select_related = ("payment", "gateway")
    readonly_fields = ("payment", "payment_amount", "reported_amount", "gateway", "delivery", "kind", "detail",
                       "expected", "received", "created_at")  # fmt: skip

    @admin.display(description="payment's amount")
    def payment_amount(self, anomaly):
        return "" if anomaly.payment is None else money_format(anomaly.payment.amount, anomaly.payment.currency)

    @admin.display(description="gateway reported")
    def reported_amount(self, anomaly):
        # `received` keeps the gateway's figure as it came: minor units in the currency it named.
        amount, currency = anomaly.received.get("amount"), anomaly.received.get("currency", "")
        return money_format(int(amount), currency) if str(amount).lstrip("-").isdigit() else ""

    def has_add_permission(self, request):
        return False
