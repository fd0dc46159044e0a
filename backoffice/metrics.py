"""Operations figures read when /metrics is scraped: the discrepancies reconciliation and the ledger audit found that
staff have not resolved yet (the alert rules in deploy/monitoring watch them)."""

from prometheus_client.core import GaugeMetricFamily

from backoffice.selectors import discrepancies_unresolved_counts
from core.metrics import scrape_collector


@scrape_collector
def discrepancies_unresolved():
    # The label is `check`, not `job`: Prometheus keeps `job` for the scrape job's name.
    gauge = GaugeMetricFamily(
        "casino_reconciliation_discrepancies_open",
        "Discrepancies not resolved yet (open or awaiting approval), by the check that found them "
        "(reconcile_provider, reconcile_gateway, ledger_audit), partner and kind.",
        labels=["check", "partner", "kind"],
    )
    for (check, partner, kind), count in discrepancies_unresolved_counts().items():
        gauge.add_metric([check, partner, kind], count)
    yield gauge
