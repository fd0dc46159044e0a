"""The staff admin site: sections grouped for the work (Players, Money, Games and providers, Payments, Operations,
System) instead of one list per app, the dashboard as its home page, and one page per player; the login and the
second factor are core.admin_site.StaffAdminSite's."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from backoffice.selectors import dashboard_context, player_page_context
from core.admin_site import StaffAdminSite

# Section -> models (app_label.model_name) in the order staff use them; anything unnamed lands in System.
SECTIONS: dict[str, list[str]] = {
    "Players": ["casino.user", "casino.playerprofile", "providers.gamesession", "providers.walletcallback"],
    "Money": [
        "ledger.account",
        "ledger.transaction",
        "ledger.entry",
        "ledger.hold",
        "backoffice.adjustment",
        "providers.wallettransaction",
    ],
    "Games and providers": ["providers.provider", "providers.game", "providers.round"],
    "Payments": ["payments.payment", "payments.paymentanomaly", "payments.webhookdelivery", "payments.gateway"],
    "Operations": [
        "backoffice.jobrun",
        "backoffice.discrepancy",
        "outbox.outboxmessage",
        "audit.staffaction",
        "django_celery_beat.periodictask",
    ],
}
SYSTEM = "System"


class BackofficeSite(StaffAdminSite):
    """Django's `admin.site`: main's StaffAdminSite (the OTP second factor, read per request) with the sections."""

    site_header = "Casino backoffice"
    site_title = "Casino backoffice"
    index_title = "Dashboard"
    index_template = "backoffice/dashboard.html"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        by_label = {}
        for app in apps:
            for model in app["models"]:
                by_label[f"{app['app_label']}.{model['object_name'].lower()}"] = model
        sections = []
        placed = set()
        for name, labels in SECTIONS.items():
            models = [by_label[label] for label in labels if label in by_label]
            placed.update(label for label in labels if label in by_label)
            if models:
                sections.append(_section(name, models))
        rest = [model for label, model in sorted(by_label.items()) if label not in placed]
        if rest:
            sections.append(_section(SYSTEM, rest))
        return sections

    def index(self, request, extra_context=None):
        context = {"dashboard": dashboard_context(), "player_search": request.GET.get("player", "")}
        return super().index(request, {**context, **(extra_context or {})})

    def get_urls(self):
        return [
            path("players/", self.admin_view(self.player_search_view), name="backoffice_player_search"),
            path("players/<uuid:user_id>/", self.admin_view(self.player_view), name="backoffice_player"),
            *super().get_urls(),
        ]

    def player_search_view(self, request):
        query = request.GET.get("q", "").strip()
        user = get_user_model().objects.filter(username__iexact=query).first() or (
            get_user_model().objects.filter(email__iexact=query).first() if query else None
        )
        if user is None:
            return redirect(reverse("admin:index") + f"?player={query}")
        return redirect("admin:backoffice_player", user_id=user.pk)

    def player_view(self, request, user_id):
        if not request.user.has_perm("casino.view_user"):
            raise PermissionDenied
        user = get_object_or_404(get_user_model().objects.select_related("player"), pk=user_id)
        context = {
            **self.each_context(request),
            "title": f"Player {user.get_username()}",
            **player_page_context(user=user),
        }
        return TemplateResponse(request, "backoffice/player.html", context)


def _section(name: str, models: list[dict]) -> dict:
    slug = name.lower().replace(" ", "-")
    return {"name": name, "app_label": slug, "app_url": "", "has_module_perms": True, "models": models}
