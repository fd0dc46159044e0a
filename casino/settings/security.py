"""Secrets, hosts, authentication and the DRF/JWT setup."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from .base import DEBUG, SANDBOX_MODE
from .env import env

# A secret key is required outside development; `make run` writes a random one into .env on first use.
_SANDBOX_SECRET_KEY = "sandbox-only-insecure-secret-key-change-me"  # noqa: S105  (known, so refused below)
if DEBUG or SANDBOX_MODE:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_SANDBOX_SECRET_KEY)
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")

# Keys for credentials stored encrypted in the database (Fernet, urlsafe base64, 32 bytes).
# Comma-separated; the first encrypts, all decrypt, so keys can be rotated.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

if not (DEBUG or SANDBOX_MODE):
    # Production refuses the development defaults: a known secret key, or credentials encrypted with a key derived
    # from it (SANDBOX_MODE=1 must be said out loud to run with them, as `make run` does).
    if SECRET_KEY == _SANDBOX_SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is the sandbox default; set a secret one for production")
    if not FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required outside sandbox mode")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not (DEBUG or SANDBOX_MODE))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Countries (ISO 3166 alpha-2) where players may not register.
BLOCKED_COUNTRIES = [c.upper() for c in env.list("BLOCKED_COUNTRIES", default=["US", "FR", "KP", "IR"])]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("THROTTLE_USER", default="600/minute"),
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
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
}

# How long Idempotency-Key records are kept (the contract promises at least 24 h).
IDEMPOTENCY_TTL = timedelta(hours=env.int("IDEMPOTENCY_TTL_HOURS", default=48))
# Tolerance for signed timestamps (wallet callbacks, webhooks), seconds.
SIGNATURE_TOLERANCE_SECONDS = env.int("SIGNATURE_TOLERANCE_SECONDS", default=300)
