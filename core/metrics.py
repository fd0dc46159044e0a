"""The one place where the platform's own Prometheus metrics are defined (django-prometheus adds the HTTP ones), and
the exposition behind GET /metrics: every process's samples in multiprocess mode, plus the figures read at scrape
time from shared state (circuit states, queue depth, and what the apps register, e.g. pending rounds)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

from django.conf import settings
from kombu.exceptions import ChannelError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

logger = logging.getLogger(__name__)

PROVIDER_REQUEST_DURATION = Histogram(
    "casino_provider_request_duration_seconds",
    "Duration of calls to game providers and payment gateways.",
    ["provider", "operation", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

PARTNER_ERRORS = Counter(
    "casino_partner_errors_total",
    "Failed calls to providers and gateways by class: timeout, refused, 5xx, 4xx, schema, circuit_open, other.",
    ["provider", "operation", "error_class"],
)

CIRCUIT_BREAKER_TRANSITIONS = Counter(
    "casino_circuit_breaker_transitions_total",
    "Circuit breaker state changes per provider or gateway, by the state entered.",
    ["provider", "state"],
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

MONEY_MINOR_UNITS = Counter(
    "casino_money_minor_units_total",
    "Game money moved per provider and currency, in minor units: bet (to the provider), win (to the player), "
    "rollback (a bet given back). GGR = bet - win - rollback (recording rule casino:ggr_minor_units:increase1h).",
    ["provider", "currency", "movement"],
)

MONEY_MOVEMENTS = Counter(
    "casino_money_movements_total",
    "Game money movements per provider and currency: bet, win, rollback.",
    ["provider", "currency", "movement"],
)

TASK_DURATION = Histogram(
    "casino_celery_task_duration_seconds",
    "Celery task run time per task name and outcome (success, failure, retry).",
    ["task", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

TASK_RETRIES = Counter("casino_celery_task_retries_total", "Celery task retries per task name.", ["task"])

TASK_DEAD_LETTERS = Counter(
    "casino_celery_task_dead_letters_total",
    "Tasks given up after their last retry (the work waits for a periodic sweep or staff), per task name.",
    ["task"],
)


# ----------------------------------------------------------------------------------- read at scrape time

ScrapeCollector = Callable[[], Iterable[Metric]]
_scrape_collectors: list[ScrapeCollector] = []


def scrape_collector(collect: ScrapeCollector) -> ScrapeCollector:
    """Register a function that yields metric families read from shared state when /metrics is scraped (a gauge
    summed over processes would be wrong for such figures: each process would report the same rows)."""
    if collect not in _scrape_collectors:
        _scrape_collectors.append(collect)
    return collect


@scrape_collector
def _circuit_states() -> Iterable[Metric]:
    from core.breakers import STATE_VALUES, breaker_statuses

    gauge = GaugeMetricFamily(
        "casino_circuit_breaker_state",
        "Circuit breaker state per provider or gateway, shared by every process: 0 closed, 1 half-open, 2 open.",
        labels=["provider"],
    )
    for name, status in breaker_statuses().items():
        gauge.add_metric([name], STATE_VALUES[status.state])
    yield gauge


def celery_queue_lengths() -> dict[str, int]:
    """Messages waiting in each task queue the app routes to (the broker's own count)."""
    from celery import current_app

    names = {current_app.conf.task_default_queue} | {q.name for q in current_app.conf.task_queues or ()}
    lengths = {}
    with current_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        channel = conn.default_channel
        for name in sorted(names):
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:  # no worker has declared it yet: nothing can be waiting in it
                lengths[name] = 0
    return lengths


@scrape_collector
def _queue_depth() -> Iterable[Metric]:
    gauge = GaugeMetricFamily("casino_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"])
    for name, length in celery_queue_lengths().items():
        gauge.add_metric([name], length)
    yield gauge


class _ScrapeTime:
    def collect(self):
        for collect in _scrape_collectors:
            try:
                yield from collect()
            except Exception as exc:  # one unreadable source must not hide every other metric
                logger.warning("metrics: %s failed: %s", getattr(collect, "__name__", collect), exc)


def multiprocess_dir() -> str:
    return settings.PROMETHEUS_MULTIPROC_DIR or os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def metrics_exposition() -> bytes:
    """Prometheus text for GET /metrics: in multiprocess mode the sum of every process's files (this process's own
    samples are among them), else this process's registry; then the scrape-time figures."""
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_ScrapeTime())
    return own + generate_latest(scraped)


def process_exited(pid: int) -> None:
    """For a process manager's exit hook (gunicorn's `child_exit`, Celery's `worker_process_shutdown`): drop the
    live gauges of a process that is gone. Counters and histograms stay, so totals never go backwards."""
    if multiprocess_dir():
        mark_process_dead(pid, multiprocess_dir())
