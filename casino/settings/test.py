"""Test settings: the production shape (PostgreSQL, Redis) with one Redis database per xdist worker."""

import os

from . import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REDIS_URL

# Each xdist worker gets its own Redis database, so cache.clear() in one worker cannot touch another.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_redis_db = int(os.environ.get("REDIS_TEST_DB_BASE", "1")) + int(_worker.removeprefix("gw") or 0) % 4
if REDIS_URL:
    _url = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    CACHES["default"]["LOCATION"] = f"{_url}/{_redis_db}"
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = f"{_url}/{_redis_db}"

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
SANDBOX_MODE = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEYS = ["bWFrZS10ZXN0LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"user": "100000/minute", "anon": "100000/minute"}  # noqa: F405
# Live-server threads open their own connections; closing them after each request lets the test database be
# dropped at the end of the run (persistent connections would keep it "in use by other sessions").
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# No pool in the test process: the test database is created and dropped under it, and live-server threads come and
# go. The production process set is tested with its pool in a subprocess (tests/serving/).
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
if "sandbox" not in INSTALLED_APPS:  # noqa: F405  (base decided the apps before SANDBOX_MODE was set here)
    INSTALLED_APPS.append("sandbox")  # noqa: F405
# Pages render without a collectstatic run (its manifest); the fingerprinted build is tested against a real server
# in a subprocess (tests/casino/test_player_page_browser.py). WhiteNoise serves straight from the source folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Staff tests log in with force_login; the second factor has its own tests, which switch it on.
ADMIN_OTP_REQUIRED = False
