"""Operations: who may read /metrics, multiprocess metrics, readiness timeouts."""

from .env import env

# GET /metrics answers these addresses (single IPs or networks; loopback by default) and any caller presenting
# `Authorization: Bearer <METRICS_TOKEN>` when a token is set. Behind a proxy, scrape the processes directly:
# REMOTE_ADDR is the proxy's address there.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.0/8", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Prometheus multiprocess mode: every process (each web worker, each Celery worker) writes its samples under this
# directory and /metrics sums them. It must be set in the environment before the processes start and emptied at
# each start of the process set (prometheus_client reads it at import). Unset: each process reports its own.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# Each /ready check (database, cache, broker) gets this long before it counts as failing.
READY_CHECK_TIMEOUT_SECONDS = env.float("READY_CHECK_TIMEOUT_SECONDS", default=2.0)
