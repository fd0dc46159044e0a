"""Periodic jobs live in django-celery-beat's tables: seeded once, and staff edits survive beat's restarts."""

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from backoffice.services.schedules import JOBS, schedules_ensure

# Beat's scheduler closes the database connection it used: the test runs outside a wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_jobs_are_seeded_once_and_staff_edits_last_across_beat_restarts(settings):
    from django_celery_beat.schedulers import DatabaseScheduler

    from casino.celery import app

    assert not hasattr(settings, "CELERY_BEAT_SCHEDULE")  # nothing for beat to copy over the staff's edits
    PeriodicTask.objects.all().delete()
    assert set(schedules_ensure()) == set(JOBS)
    assert PeriodicTask.objects.get(name="ledger-audit").task == "backoffice.ledger_audit"

    slower, _ = IntervalSchedule.objects.get_or_create(every=600, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name="payments-poll-pending").update(interval=slower, enabled=False)
    DatabaseScheduler(app=app, lazy=False)  # beat starting again
    assert schedules_ensure() == []

    edited = PeriodicTask.objects.get(name="payments-poll-pending")
    assert (edited.interval.every, edited.enabled) == (600, False)


def test_every_job_names_a_task_the_worker_knows_and_every_purge_a_retention_policy():
    from casino.celery import app
    from core.retention import retention_policies

    app.loader.import_default_modules()
    policies = {policy.name for policy in retention_policies()}
    for name, (task, _every, kwargs) in JOBS.items():
        assert task in app.tasks, f"{name}: no task {task}"
        if task == "core.retention_purge":
            assert kwargs["policy"] in policies, name
    purged = {kwargs["policy"] for task, _every, kwargs in JOBS.values() if task == "core.retention_purge"}
    assert purged == policies - {"webhook_rejections"}  # that one keeps its own task, payments.purge_webhook_rejections
