"""Routes of the sandbox partners' own server process (`make serve` with SANDBOX_MODE=1): /sandbox/ and nothing else,
so a partner's URL can never reach the platform's API by mistake."""

from django.urls import include, path

handler400 = "core.errors.handler400"
handler403 = "core.errors.handler403"
handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"

urlpatterns = [path("sandbox/", include("sandbox.urls"))]
