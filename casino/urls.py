"""Top-level routes: operations probes, the platform API, partner callbacks and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from casino import pages
from core import health
from core.docs import docs_view

handler400 = "core.errors.handler400"
handler403 = "core.errors.handler403"
handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"

urlpatterns = [
    path("health", health.HealthApi.as_view(), name="health"),
    path("ready", health.ReadyApi.as_view(), name="ready"),
    path("metrics", health.MetricsApi.as_view(), name="prometheus-django-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI and Redoc come from drf-spectacular-sidecar's static files: they work with no internet.
    path("api/docs/", docs_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("casino.api_urls")),
    path("api/v1/", include("providers.urls")),
    path("api/v1/payments/", include("payments.urls")),
    path("api/v1/providers/", include("providers.wallet.urls")),
    path("webhooks/payments/", include("payments.webhook_urls")),
]

if settings.SANDBOX_MODE or settings.PLAYER_PAGE_ENABLED:
    urlpatterns += [path("play/", pages.player_page, name="play")]

if settings.SANDBOX_MODE and not settings.SANDBOX_PARTNERS_URL:
    # The bundled sandbox partners run for real over HTTP in their own URL spaces, only in sandbox mode; with
    # SANDBOX_PARTNERS_URL set (`make serve`) they run in a server process of their own and not here.
    urlpatterns += [path("sandbox/", include("sandbox.urls"))]
