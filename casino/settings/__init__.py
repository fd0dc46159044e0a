"""Project settings, grouped by concern; every value comes from the environment with an embedded default."""

from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .frontend import *  # noqa: F403
from .integrations import *  # noqa: F403
from .observability import *  # noqa: F403
from .operations import *  # noqa: F403
from .security import *  # noqa: F403
