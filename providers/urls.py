"""Provider-facing endpoints under /api/v1/providers/: seamless wallet callbacks."""

urlpatterns = []
