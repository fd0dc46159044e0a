"""Django core: apps, middleware, database, cache, templates, logging."""

from django.core.exceptions import ImproperlyConfigured

from .env import BASE_DIR, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SANDBOX_MODE = env.bool("SANDBOX_MODE", default=False)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")
# Where the bundled sandbox partners are served: empty means on this site under /sandbox/ (`make run`); `make serve`
# runs them in a server process of their own and sets this to its base URL.
SANDBOX_PARTNERS_URL = env.str("SANDBOX_PARTNERS_URL", default="")

INSTALLED_APPS = [
    "daphne",
    # The admin with the backoffice's site (backoffice.site.BackofficeSite, built on core.admin_site.StaffAdminSite):
    # a second factor for staff and a lockout (django-axes), sections for the work, the dashboard home, the player page.
    "backoffice.admin_config.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "django_celery_beat",
    "django_celery_results",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "core",
    "core.audit",
    "core.outbox",
    "ledger",
    "providers",
    "payments",
    "casino",
    "backoffice",
]
if SANDBOX_MODE:
    # The fake partners exist only in sandbox mode: their models, tasks, commands and URLs.
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.load_shedding.PoolTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the admin login's answer and turns a locked-out staff login into a 429.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Overload control (core.load_shedding): HTTP requests one server process works on at once (0: no limit), how long
# a request may wait for its turn, and the Retry-After of the 503 `server_busy` it gets past that.
SERVER_MAX_IN_FLIGHT = env.int("SERVER_MAX_IN_FLIGHT", default=16)
SERVER_QUEUE_TIMEOUT = env.float("SERVER_QUEUE_TIMEOUT", default=2.0)
SERVER_BUSY_RETRY_AFTER_SECONDS = env.int("SERVER_BUSY_RETRY_AFTER_SECONDS", default=1)

ROOT_URLCONF = "casino.urls"
WSGI_APPLICATION = "casino.wsgi.application"
ASGI_APPLICATION = "casino.asgi.application"
AUTH_USER_MODEL = "casino.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Embedded default: SQLite in var/. Production: DATABASE_URL=postgres://... (psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # BEGIN IMMEDIATE takes the write lock at the start of every atomic block: a deferred transaction that
            # read first and then wrote would fail with "database is locked" instead of waiting for the lock.
            "transaction_mode": "IMMEDIATE",
            # How long a writer waits for the lock (seconds) before it fails; SQLite serialises writers anyway.
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            # WAL lets readers run beside the one writer; NORMAL syncs at checkpoints, still safe against crashes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # DATABASE_POOL_SIZE > 0 (the default): each process keeps psycopg's connection pool of at most that many
    # connections, shared by its threads; a request takes one for its duration and waits at most
    # DATABASE_POOL_TIMEOUT seconds for one. 0: Django's own per-thread connections, kept DATABASE_CONN_MAX_AGE s.
    DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=4)
    if DATABASE_POOL_SIZE > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # required by Django with a pool: close() returns to the pool
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=1), DATABASE_POOL_SIZE),
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
            # Connections above min_size opened in a burst are closed after this long unused.
            "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=60.0),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    # A cheap check when a connection is taken (from the pool or reused): a restarted server costs one error, not many.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["TEST"] = {"TEMPLATE": env.str("DATABASE_TEST_TEMPLATE", default="") or None}

# Jurisdiction cells (docs/SHARDING.md): this deployment serves one jurisdiction from its own DATABASE_URL, and the
# catalogue staff edit (CATALOGUE_MODELS) lives in the shared CATALOGUE_DATABASE_URL, replicated into this database by
# core.shards. Empty (the default): one database for everything, as before. Both must be PostgreSQL.
CATALOGUE_DATABASE_URL = env.str("CATALOGUE_DATABASE_URL", default="")
# This cell's name, and the countries whose players it registers (ISO 3166 alpha-2; empty: any country).
JURISDICTION = env.str("JURISDICTION", default="")
JURISDICTION_COUNTRIES = [code.strip().upper() for code in env.list("JURISDICTION_COUNTRIES", default=[]) if code]
# Shared by every cell. Circuit-breaker policies and blocked countries stay per cell: a breaker's state lives in the
# cell's own Redis and a partner may be slow from one region only; the blocked list follows each licence.
CATALOGUE_MODELS = ["providers.Provider", "providers.Game", "payments.Gateway"]
# Called after a catalogue pull changed this cell's replica (the partner row caches are dropped by the kernel itself).
CATALOGUE_CHANGED_HOOKS = ["providers.services.catalog.games_cache_invalidate"]
DATABASE_ROUTERS: list[str] = []
if CATALOGUE_DATABASE_URL:
    DATABASES["catalogue"] = env.db("CATALOGUE_DATABASE_URL")
    if "postgresql" not in DATABASES["default"]["ENGINE"] or "postgresql" not in DATABASES["catalogue"]["ENGINE"]:
        raise ImproperlyConfigured("CATALOGUE_DATABASE_URL and DATABASE_URL must both be PostgreSQL (postgres://...)")
    # Written by staff edits and read by the pull job only: Django's own short-lived connections, no pool.
    DATABASES["catalogue"].update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=True)
    DATABASE_ROUTERS = ["core.shards.CatalogueRouter"]

REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="casino")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    # The database cache: `add()` is an INSERT, so nonce and lock keys stay atomic across processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "casino_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Nonces live here: the default cap of 300 entries would cull unexpired ones and let a replay through.
            "OPTIONS": {"MAX_ENTRIES": env.int("DATABASE_CACHE_MAX_ENTRIES", default=1_000_000)},
        }
    }

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same as channels_redis's 5 s blocking pop
            # on a socket's channel: an idle WebSocket then dies with a read timeout. Read longer than the pop.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    # No Redis: a small layer over a SQLite file in var/ that every process here shares (core.channel_layers), so
    # pushes sent by Celery workers and management commands reach the web process's sockets too.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layers.SQLiteChannelLayer",
            "CONFIG": {"path": env.str("CHANNEL_LAYER_PATH", default=str(VAR_DIR / "channels.sqlite3"))},
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"  # the rest of the static setup is in frontend.py

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# LOG_FORMAT=json writes one JSON object per line (python-json-logger) for an ELK/Loki pipeline, from every process
# (Celery workers log through this setup too): the request id, and where known the player_id, partner, round_id,
# payment_id, task, latency_ms and outcome, are fields of the line (core.logcontext).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logcontext.LogContextFilter"},
        "redact_tokens": {"()": "core.middleware.TokenRedactingLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # casino.access writes one line per request with its X-Request-ID; the dev server's own line would repeat it.
        "django.channels.server": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}
