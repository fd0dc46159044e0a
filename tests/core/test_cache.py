"""The Redis cache shares one client per process: Django makes a backend per thread context (per request under
ASGI), and each stock backend opened its own connection pool."""

import threading

from django.core.cache import caches


def test_every_context_uses_the_one_redis_client():
    here = caches["default"]
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(caches["default"]))  # a fresh context, as a request's
    thread.start()
    thread.join()
    assert elsewhere[0] is not here  # Django did make a second backend...
    assert elsewhere[0]._cache is here._cache  # ...and it talks through the same client and pool
    here.set("shared-client", 1)
    assert elsewhere[0].get("shared-client") == 1
