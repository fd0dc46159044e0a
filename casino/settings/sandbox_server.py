"""Settings of the sandbox partners' own server process: the platform's settings (same database and cache) with
routes for /sandbox/ only. `bin/serve` starts it with SANDBOX_MODE=1."""

from . import *  # noqa: F403
from .base import SANDBOX_MODE

if not SANDBOX_MODE:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("the sandbox partners' server runs only with SANDBOX_MODE=1")

ROOT_URLCONF = "sandbox.server_urls"
