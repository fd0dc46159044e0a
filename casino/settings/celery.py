"""Celery: Redis when REDIS_URL is set, else kombu's filesystem transport under var/celery."""

from .base import REDIS_URL
from .env import VAR_DIR, env

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Periodic jobs; django-celery-beat copies these into the admin, where staff can change or pause them.
# Apps add their own entries here (reconciliation, polling), all in one place.
CELERY_BEAT_SCHEDULE = {
    "ledger-expire-holds": {"task": "ledger.expire_holds", "schedule": 60.0},
    "core-purge-idempotency-records": {"task": "core.purge_idempotency_records", "schedule": 3600.0},
    "providers-sync-catalogues": {"task": "providers.sync_catalogues", "schedule": 3600.0},
    "providers-resolve-pending-rounds": {"task": "providers.resolve_pending_rounds", "schedule": 300.0},
    "payments-poll-pending": {"task": "payments.poll_pending", "schedule": 60.0},
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 30.0},
}

if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        # Exchange tables (broadcast, e.g. worker control); kombu's default is ./control at the working directory.
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
