"""Provider figures read when /metrics is scraped: rounds still waiting for the provider's answer (their money is
held until the resolver knows the outcome), per provider, and the age of the oldest."""

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from core.metrics import scrape_collector
from providers.selectors import rounds_pending_by_provider


@scrape_collector
def pending_rounds():
    count = GaugeMetricFamily(
        "casino_rounds_pending", "Rounds waiting for the provider's answer, per provider.", labels=["provider"]
    )
    oldest = GaugeMetricFamily(
        "casino_rounds_pending_oldest_seconds",
        "Age of the oldest round waiting for the provider's answer, per provider.",
        labels=["provider"],
    )
    now = timezone.now()
    for provider, (pending, created_at) in rounds_pending_by_provider().items():
        count.add_metric([provider], pending)
        oldest.add_metric([provider], (now - created_at).total_seconds())
    yield count
    yield oldest
