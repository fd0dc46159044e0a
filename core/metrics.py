"""The one place where the platform's own Prometheus metrics are defined (django-prometheus adds the HTTP ones)."""

from prometheus_client import Counter, Gauge, Histogram

PROVIDER_REQUEST_DURATION = Histogram(
    "casino_provider_request_duration_seconds",
    "Duration of calls to game providers and payment gateways.",
    ["provider", "operation", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

CIRCUIT_BREAKER_STATE = Gauge(
    "casino_circuit_breaker_state",
    "Circuit breaker state per provider or gateway: 0 closed, 1 half-open, 2 open.",
    ["provider"],
)

INBOUND_MESSAGES = Counter(
    "casino_inbound_messages_total",
    "Signed inbound messages (wallet callbacks, webhooks) by partner and verdict.",
    ["partner", "kind", "verdict"],
)

LEDGER_TRANSACTIONS = Counter(
    "casino_ledger_transactions_total",
    "Ledger transactions posted, by kind.",
    ["kind"],
)
