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
# The worker logs through Django's LOGGING (JSON lines with LOG_FORMAT=json) instead of taking over the root logger;
# core.celery_hooks connects the setup_logging signal to that end.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Periodic jobs live in django-celery-beat's tables, seeded once (backoffice.services.schedules, after each migrate
# and `manage.py schedules_ensure`) and edited by staff in the admin. No CELERY_BEAT_SCHEDULE here: beat would copy it
# over the staff's edits each time it starts.

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
        # The exchange tables (broadcast, remote control): under var/ too, not in whatever folder the worker starts in.
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
