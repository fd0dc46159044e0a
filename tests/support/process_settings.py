"""Settings for the real processes that some tests start (a web server, a Celery worker, a partner probe): the test
settings, with tasks sent through the xdist worker's own Redis database instead of run inline. The database is the
test process's, named in DATABASE_URL by tests.support.processes."""

from casino.settings.test import *  # noqa: F403
from casino.settings.test import CACHES

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = CACHES["default"]["LOCATION"]
