"""Runs work in threads released together; each thread has (and closes) its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(count: int, work: Callable[[int], object]) -> list[tuple[str, object]]:
    """Run `work(i)` in `count` threads released together; each thread has (and closes) its own DB connection.

    Returns ("ok", result) or ("error", exception) per thread, in thread order."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, object]] = [("missing", None)] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", work(index))
        except Exception as exc:  # the test inspects every outcome
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes


def errors_of(outcomes: list[tuple[str, object]]) -> list[BaseException]:
    return [value for status, value in outcomes if status == "error"]


def results_of(outcomes: list[tuple[str, object]]) -> list[object]:
    return [value for status, value in outcomes if status == "ok"]
