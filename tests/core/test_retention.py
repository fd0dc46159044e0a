"""Retention settings: the system check refuses a retention of a regulated record below
REGULATORY_RETENTION_MIN_DAYS (and any retention that is not whole days), in-process and as `manage.py check`."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.checks import run_checks

from core.retention import retention_policies

ROOT = Path(__file__).resolve().parents[2]


def _retention_errors() -> list[tuple[str, str]]:
    return sorted((error.id, error.msg.split(" ", 1)[0]) for error in run_checks(tags=["retention"]))


def test_every_kind_of_record_has_a_policy_and_the_defaults_pass():
    policies = {policy.name: (policy.setting, policy.regulated) for policy in retention_policies()}
    assert policies == {
        "outbox_messages": ("OUTBOX_RETENTION_DAYS", True),
        "wallet_callbacks": ("WALLET_CALLBACK_RETENTION_DAYS", True),
        "webhook_deliveries": ("WEBHOOK_DELIVERY_RETENTION_DAYS", True),
        "webhook_rejections": ("PARTNER_REJECTION_RETENTION_DAYS", False),  # summaries of forgeries: not evidence
    }
    assert _retention_errors() == []


def test_a_retention_below_the_floor_or_not_whole_days_is_refused(settings):
    settings.REGULATORY_RETENTION_MIN_DAYS = 3650
    settings.WALLET_CALLBACK_RETENTION_DAYS = 3650  # at the floor: fine
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 3649
    settings.OUTBOX_RETENTION_DAYS = 0
    settings.PARTNER_REJECTION_RETENTION_DAYS = 30  # below the floor, but no regulated record
    assert _retention_errors() == [
        ("core.E010", "WEBHOOK_DELIVERY_RETENTION_DAYS"),
        ("core.E011", "OUTBOX_RETENTION_DAYS"),
    ]
    settings.REGULATORY_RETENTION_MIN_DAYS = -1
    assert _retention_errors() == [("core.E011", "REGULATORY_RETENTION_MIN_DAYS")]


def test_manage_py_refuses_to_run_with_a_retention_below_the_floor():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="casino.settings", REGULATORY_RETENTION_MIN_DAYS="2555",
               WALLET_CALLBACK_RETENTION_DAYS="365")  # fmt: skip
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode != 0
    assert "core.E010" in result.stderr and "WALLET_CALLBACK_RETENTION_DAYS is 365 days" in result.stderr
