"""The Grafana dashboard and the Prometheus rules in deploy/monitoring: the JSON loads, every panel's query and every
rule parses (promtool, from Debian's prometheus package), the alerts fire on the series they are written for, and
every platform metric they name is one that /metrics serves."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.metrics import metrics_exposition

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "casino-dashboard.json"
RULES = MONITORING / "prometheus" / "casino-rules.yml"
RULES_TESTS = MONITORING / "prometheus" / "casino-rules.test.yml"

# Grafana's own variables, replaced by values of the right kind so that promtool can parse the query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$job": "casino", "$partner": ".*"}


@pytest.fixture
def promtool():
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: bin/services-up installs Debian's prometheus package")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_dashboard_is_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all({"h", "w", "x", "y"} <= set(panel["gridPos"]) for panel in dashboard["panels"])
    titles = {title for title, _ in dashboard_queries()}
    for needed in ("p99 latency per endpoint", "p99 latency per partner", "5xx and 4xx rate", "Open circuits",
                   "Retries and dead letters", "Pending rounds"):  # fmt: skip
        assert needed in titles


def test_every_dashboard_query_parses(promtool, tmp_path):
    rules = ["groups:", "  - name: dashboard", "    rules:"]
    for number, (_title, expr) in enumerate(dashboard_queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown Grafana variable in {expr}"
        rules += [f"      - record: dashboard:query_{number}", f"        expr: {json.dumps(expr)}"]
    checked = tmp_path / "dashboard-queries.yml"
    checked.write_text("\n".join(rules) + "\n")
    result = _run(promtool, "check", "rules", str(checked))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_parse_and_fire(promtool):
    checked = _run(promtool, "check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _run(promtool, "test", "rules", str(RULES_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_a_broken_expression_is_caught(promtool, tmp_path):
    """The check above can fail: promtool refuses an expression that does not parse."""
    broken = tmp_path / "broken.yml"
    broken.write_text('groups:\n  - name: x\n    rules:\n      - record: x:y\n        expr: "sum(rate(x[5m])"\n')
    assert _run(promtool, "check", "rules", str(broken)).returncode != 0


def test_every_platform_metric_named_is_served(client, db):
    client.get("/health")  # django-prometheus defines its HTTP metrics with the first request
    served = set(re.findall(r"^# TYPE (\S+) ", metrics_exposition().decode(), flags=re.MULTILINE))
    named = set()
    for text in [RULES.read_text(), *(expr for _, expr in dashboard_queries())]:
        named |= set(re.findall(r"\b((?:casino|django)_[a-z0-9_]+)", text))
    for name in sorted(named):
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        candidates = {name, base, base.removesuffix("_total")}
        assert candidates & served, f"{name} is not served at /metrics"
