"""Django's Redis cache with one client (and so one connection pool) per process.

Django makes a cache backend per thread context; under ASGI every request runs in a context of its own, so the stock
backend built a new client, a new pool and a new TCP connection to Redis for every request (about 8% of a wallet
bet's CPU, measured with py-spy in bench/README.md). redis-py's clients and pools are thread-safe: share them."""

import threading

from django.core.cache.backends.redis import RedisCache

_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    @property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.get(key)
                if client is None:
                    client = _clients[key] = self._class(self._servers, **self._options)
        return client
