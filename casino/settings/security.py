"""Secrets, hosts, TLS, authentication (players' JWT, staff sessions with lockout and a second factor), throttles,
geo-blocking and the DRF/JWT setup."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from .base import DEBUG, SANDBOX_MODE, SITE_URL
from .env import env

DEVELOPMENT = DEBUG or SANDBOX_MODE

# Public development-only keys: they let a sandbox run without setup and are refused by `check --deploy`.
# `make run` writes random ones into .env on first use (bin/ensure-env), so even a sandbox rarely uses these.
DEVELOPMENT_SECRET_KEY = "sandbox-only-insecure-secret-key-change-me"  # noqa: S105  (public on purpose)
DEVELOPMENT_JWT_SIGNING_KEY = "sandbox-only-insecure-jwt-signing-key-change-me"
DEVELOPMENT_FIELD_ENCRYPTION_KEY = "c2FuZGJveC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2U="  # urlsafe base64 of 32 bytes


def _required_key(name: str, development_default: str) -> str:
    """Outside development each key must come from the environment: a missing or empty one stops the process."""
    value = env.str(name, default="")
    if value and value == development_default and not DEVELOPMENT:
        raise ImproperlyConfigured(f"{name} is the sandbox default; set a secret one for production.")
    if value:
        return value
    if DEVELOPMENT:
        return development_default
    raise ImproperlyConfigured(f"Set {name} in the environment (bin/ensure-env writes one into .env).")


SECRET_KEY = _required_key("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# JWTs get their own key: rotating SECRET_KEY (sessions, CSRF) must not log every player out, nor the reverse.
JWT_SIGNING_KEY = _required_key("JWT_SIGNING_KEY", DEVELOPMENT_JWT_SIGNING_KEY)
# Keys for credentials stored encrypted in the database (Fernet, urlsafe base64, 32 bytes). Comma-separated; the
# first encrypts, all decrypt; `manage.py encryption_rotate` re-encrypts every stored secret under the first.
# Never derived from SECRET_KEY: rotating that key must not make every stored partner secret unreadable.
FIELD_ENCRYPTION_KEYS = [key for key in env.list("FIELD_ENCRYPTION_KEYS", default=[]) if key]
if not FIELD_ENCRYPTION_KEYS and DEVELOPMENT:
    FIELD_ENCRYPTION_KEYS = [DEVELOPMENT_FIELD_ENCRYPTION_KEY]
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required outside sandbox mode (see bin/ensure-env).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where requests come from. NUM_PROXIES is how many proxies of our own append to X-Forwarded-For in front of the
# app (0: the peer address is the client); TRUSTED_PROXY_NETWORKS (CIDRs) are the peers whose forwarding headers
# are believed at all: a header from anyone else is the client's own word.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])

# TLS: behind a TLS-terminating proxy the site is https only: HSTS, secure cookies, the proxy's scheme header.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SITE_IS_HTTPS = BEHIND_TLS_PROXY or SITE_URL.startswith("https://")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)  # the proxy usually redirects; probes stay http
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=SITE_IS_HTTPS or not DEVELOPMENT)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
if SESSION_COOKIE_SECURE and SITE_IS_HTTPS:
    # The __Host- prefix binds the cookie to this exact host over https (no Domain, Path=/, Secure).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Sessions are the staff's only (players use JWTs): short, and gone when the browser closes.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_SECONDS", default=3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content Security Policy (django-csp): a strict default for everything served (the admin included); the API docs
# page widens it for its Swagger UI assets (core.docs). Nothing here needs inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The admin sets a few style attributes from its own scripts; style injection cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

AUTHENTICATION_BACKENDS = [
    # django-axes refuses a locked-out staff login before the password is even checked (the admin only: the player
    # API has its own throttle and lockout in casino.services, with problem+json answers).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either alone: one account from anywhere, or one address
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.net.client_address"
AXES_LOCKOUT_CALLABLE = "core.admin_site.staff_lockout_response"
AXES_VERBOSE = False
# Staff log into the admin with a TOTP code as well (django-otp); `manage.py staff_totp_add <username>` enrols one.
ADMIN_OTP_REQUIRED = env.bool("ADMIN_OTP_REQUIRED", default=not DEVELOPMENT)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Casino backoffice")

# Every password set through Django (the admin, createsuperuser, changepassword) is a staff password: long.
# Players register through the API, which applies PLAYER_PASSWORD_VALIDATORS instead.
STAFF_PASSWORD_MIN_LENGTH = env.int("STAFF_PASSWORD_MIN_LENGTH", default=14)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": STAFF_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PLAYER_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Player logins (POST /auth/token): a rate per client address and per username, and a lockout of the username
# after this many failures in a row (answered 429 with Retry-After, like every limit).
LOGIN_RATE_PER_ADDRESS = env.str("LOGIN_RATE_PER_ADDRESS", default="30/minute")
LOGIN_RATE_PER_USERNAME = env.str("LOGIN_RATE_PER_USERNAME", default="10/minute")
LOGIN_LOCKOUT_FAILURES = env.int("LOGIN_LOCKOUT_FAILURES", default=10)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)

# Geo-blocking (core.geo): the initial blocked countries (ISO 3166 alpha-2); staff manage the list in the admin
# (casino.BlockedCountry, seeded from this value once). The request's country comes from an edge header (e.g.
# CF-IPCountry) when the request came through a trusted proxy, else from a GeoIP2 country database when configured.
BLOCKED_COUNTRIES = [c.upper() for c in env.list("BLOCKED_COUNTRIES", default=["US", "FR", "KP", "IR"])]
GEO_BLOCKED_COUNTRIES_SOURCE = "casino.selectors.countries_blocked"
# The request header in which a trusted edge reports the client's country (the NGINX gateway in deploy/nginx/ sends
# X-Country-Code and always overwrites what a client sent). Empty: no edge is trusted.
GEO_COUNTRY_HEADER = env.str("GEO_COUNTRY_HEADER", default="")
GEOIP2_DATABASE = env.str("GEOIP2_DATABASE", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.PlayerJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # A JSON parser with a depth and size limit: a deeply nested body is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserRateThrottle", "core.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("THROTTLE_USER", default="600/minute"),
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_MAX_JSON_BYTES = env.int("API_MAX_JSON_BYTES", default=64 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=16)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUDIENCE": env.str("JWT_AUDIENCE", default="casino-player-api"),
    "ISSUER": env.str("JWT_ISSUER", default=SITE_URL),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Casino integration backoffice API",
    "DESCRIPTION": "Platform API for the casino frontend, wallet callbacks for game providers, payment webhooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error is problem+json: one hook documents each error answer so, with the answers the framework itself
    # gives (400 for a malformed body, 401, 429), instead of each view repeating them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.problem_responses_postprocess",
    ],
}

# How long Idempotency-Key records are kept (the contract promises at least 24 h).
IDEMPOTENCY_TTL = timedelta(hours=env.int("IDEMPOTENCY_TTL_HOURS", default=48))
# Tolerance for signed timestamps (wallet callbacks, webhooks), seconds.
SIGNATURE_TOLERANCE_SECONDS = env.int("SIGNATURE_TOLERANCE_SECONDS", default=300)

# Partner endpoints (webhooks, wallet callbacks): the largest body taken, how many failed verifications one source
# address may cause per minute before it is answered 429 without anything stored, and how long the bounded records
# of failed verifications are kept.
PARTNER_MAX_BODY_BYTES = env.int("PARTNER_MAX_BODY_BYTES", default=64 * 1024)
PARTNER_REJECTIONS_PER_MINUTE = env.int("PARTNER_REJECTIONS_PER_MINUTE", default=30)
PARTNER_REJECTION_RETENTION_DAYS = env.int("PARTNER_REJECTION_RETENTION_DAYS", default=30)
