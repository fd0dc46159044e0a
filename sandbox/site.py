"""Where the sandbox partners are served: their own server process under `make serve`, this site under `make run`."""

from django.conf import settings


def sandbox_partners_url() -> str:
    """The base URL the sandbox partners answer on (SANDBOX_PARTNERS_URL, else SITE_URL), without a trailing slash."""
    return (settings.SANDBOX_PARTNERS_URL or settings.SITE_URL).rstrip("/")
