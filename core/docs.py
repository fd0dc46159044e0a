"""The browsable API docs page (Swagger UI) under the site's Content Security Policy: its start-up script is served
as a file of its own (drf-spectacular's split view, no inline script), and only the origin the Swagger UI assets
come from is added to the policy, for this page alone."""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.decorators import csp_update
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularSwaggerSplitView


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def docs_view(*, url_name: str):
    origins = sorted(
        {
            origin
            for origin in (
                _origin(spectacular_settings.SWAGGER_UI_DIST),
                _origin(spectacular_settings.SWAGGER_UI_FAVICON_HREF),
            )
            if origin
        }
    )
    policy = {"script-src": origins, "style-src": origins, "img-src": origins} if origins else {}
    view = SpectacularSwaggerSplitView.as_view(url_name=url_name)
    return csp_update(policy)(view) if policy else view
