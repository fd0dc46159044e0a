"""Backoffice fixtures: the sandbox provider and gateway on the live server (staff in each group: tests/conftest.py)."""

from tests.payments.conftest import api, gateway, site  # noqa: F401  (fixtures)
from tests.providers.conftest import game, player_api, sandbox  # noqa: F401  (fixtures)
