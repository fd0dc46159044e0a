"""Core fixtures: the sandbox gateway on the live server, for the outbox tests that deliver to a real partner."""

from tests.payments.conftest import gateway, site  # noqa: F401  (fixtures)
