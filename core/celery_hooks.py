"""Celery workers as visible as the web: the request id rides in each task's headers from the process that sent it,
every task line carries it with the task's name, and each run is timed and counted (outcome, retries, dead letters)
into the metrics that /metrics serves. The worker logs through Django's LOGGING, so LOG_FORMAT=json holds there too.

Connected by importing this module (casino.celery does) before a worker starts.
"""

from __future__ import annotations

import logging
import logging.config
import os
import time
import uuid

from celery.exceptions import MaxRetriesExceededError
from celery.signals import (
    before_task_publish,
    setup_logging,
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_process_shutdown,
)

from core.logcontext import current_request_id, log_context_bind, log_context_reset, request_id_var
from core.metrics import TASK_DEAD_LETTERS, TASK_DURATION, TASK_RETRIES, process_exited

logger = logging.getLogger("casino.tasks")

REQUEST_ID_HEADER = "casino_request_id"

_running: dict[str, tuple] = {}  # task id -> (started, request id token, log fields token)


@setup_logging.connect
def _django_logging(**kwargs):
    """With a receiver here Celery leaves the root logger alone: the worker's lines (Celery's own included) go
    through the project's handlers and formatter."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _request_id_into_headers(headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id != "-":
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def _request_id_of(task, task_id: str) -> str:
    sent = getattr(task.request, REQUEST_ID_HEADER, None) or (task.request.headers or {}).get(REQUEST_ID_HEADER)
    # A task nobody's request sent (beat, a management command) gets an id of its own, so its lines still group.
    return sent or f"task-{task_id or uuid.uuid4().hex}"


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    # Fields a task binds while it runs (its round_id, payment_id) last until _task_finished puts the context back.
    # An eager task runs inside the caller's request and keeps its id; a worker's task takes the one it was sent.
    rid_token = None if task.request.is_eager else request_id_var.set(_request_id_of(task, task_id))
    fields_token = log_context_bind(task=task.name, task_id=task_id)
    _running[task_id] = (time.perf_counter(), rid_token, fields_token)


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started, rid_token, fields_token = _running.pop(task_id, (None, None, None))
    outcome = (state or "unknown").lower()
    if started is not None:
        seconds = time.perf_counter() - started
        TASK_DURATION.labels(task=task.name, outcome=outcome).observe(seconds)
        logger.info(
            "task %s %s in %.1fms",
            task.name,
            outcome,
            seconds * 1000,
            extra={"outcome": outcome, "latency_ms": round(seconds * 1000, 1)},
        )
    try:
        if fields_token is not None:
            log_context_reset(fields_token)
        if rid_token is not None:
            request_id_var.reset(rid_token)
    except ValueError:  # ended in another context than it started (never in practice): start clean next time
        log_context_reset()


@task_retry.connect
def _task_retried(sender=None, **kwargs):
    TASK_RETRIES.labels(task=sender.name).inc()


@task_failure.connect
def _task_failed(sender=None, exception=None, **kwargs):
    if isinstance(exception, MaxRetriesExceededError):
        task_given_up(sender, reason=str(exception))


def task_given_up(task, *, reason: str) -> None:
    """A task stops retrying with its work undone (a dead letter): counted, and logged for staff. The periodic
    sweeps pick such work up again later."""
    TASK_DEAD_LETTERS.labels(task=task.name).inc()
    logger.error("task %s given up after %s retries: %s", task.name, task.request.retries, reason,
                 extra={"outcome": "dead_letter"})  # fmt: skip


@worker_process_shutdown.connect
def _worker_process_exited(**kwargs):
    process_exited(os.getpid())
