"""Top-level routes: operations probes, the platform API, partner callbacks and the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casino import health

handler400 = "casino.errors.handler400"
handler403 = "casino.errors.handler403"
handler404 = "casino.errors.handler404"
handler500 = "casino.errors.handler500"

urlpatterns = [
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("", include("django_prometheus.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_MODE:
    urlpatterns += []  # sandbox partners mount their URL spaces here
