"""Admin of the providers app, one module per sub-domain (Django autodiscovers only this module)."""

from providers.wallet import admin as wallet_admin  # noqa: F401
