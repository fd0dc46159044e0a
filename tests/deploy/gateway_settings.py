"""Settings of the app server behind the gateway in tests/deploy/test_gateway.py: the test settings with a URLconf
that adds a header echo and counts the games requests the app really served."""

from casino.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.deploy.gateway_urls"
GEO_COUNTRY_HEADER = "X-Country-Code"
# The gateway is the one proxy in front and the app believes only it (as deploy/compose.yaml and the ConfigMap say).
NUM_PROXIES = 1
TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]
