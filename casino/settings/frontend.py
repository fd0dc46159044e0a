"""What frontends need: the player page, static files (collected, fingerprinted, served by WhiteNoise), the API
docs without a CDN, CORS for a frontend on another origin, and where a game's lobby and deposit buttons lead."""

from corsheaders.defaults import default_headers

from .base import INSTALLED_APPS, MIDDLEWARE, SITE_URL
from .env import BASE_DIR, VAR_DIR, env
from .security import SPECTACULAR_SETTINGS

# /play/: a player web page over the public API and the WebSocket; served in sandbox mode, or when this is set.
PLAYER_PAGE_ENABLED = env.bool("PLAYER_PAGE_ENABLED", default=False)
# Where a provider's game client sends the player back to: the lobby and the deposit page (the operator's frontend).
PLAYER_LOBBY_URL = env.str("PLAYER_LOBBY_URL", default=f"{SITE_URL.rstrip('/')}/play/")
PLAYER_DEPOSIT_URL = env.str("PLAYER_DEPOSIT_URL", default=f"{SITE_URL.rstrip('/')}/play/#deposit")

# Static files: `collectstatic` copies them to STATIC_ROOT with content hashes in their names (and compressed
# copies); WhiteNoise serves them from every web process with far-future cache headers. No CDN is needed or used.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Right after SecurityMiddleware, as WhiteNoise asks, so static files skip the rest of the stack.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)

# Swagger UI and Redoc from the drf-spectacular-sidecar package's static files, pinned with the code.
INSTALLED_APPS += ["drf_spectacular_sidecar", "corsheaders"]
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)

# CORS (django-cors-headers), off by default: list a frontend's origins, e.g. a dev server on http://localhost:5173.
# Only the API answers cross-origin; the bearer token travels in a header, so no cookies are allowed across.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-Request-ID", "Idempotent-Replayed"]
CORS_PREFLIGHT_MAX_AGE = 600
# Before CommonMiddleware, as django-cors-headers asks, so preflights and redirects carry the headers.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "corsheaders.middleware.CorsMiddleware"
)
