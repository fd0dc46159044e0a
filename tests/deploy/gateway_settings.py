"""Settings of the app server behind the gateway in tests/deploy/test_gateway.py: the test settings with a URLconf
that adds a header echo and counts the games requests the app really served."""

from casino.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.deploy.gateway_urls"
GEO_COUNTRY_HEADER = "X-Country-Code"
