"""The one harness for race tests: callables run in threads released together at a barrier, each thread closing its
own database connection, and what every call returned or raised handed back in call order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from django.db import connection

# How long a thread may wait for the others at the barrier, and how long the test waits for a thread to end.
BARRIER_TIMEOUT = 30
JOIN_TIMEOUT = 120


class Outcome(NamedTuple):
    """What one call did: ("ok", its result) or ("error", the exception it raised)."""

    status: str
    value: object


def run_concurrently(count: int, work: Callable[[int], object]) -> list[Outcome]:
    """Run `work(i)` for i in range(count), each in its own thread, all released together; one outcome per call,
    in index order. A call that raises does not stop the others: the test inspects every outcome."""
    barrier = threading.Barrier(count)
    outcomes = [Outcome("missing", None)] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            outcomes[index] = Outcome("ok", work(index))
        except Exception as exc:  # handed back to the test, which decides what was expected
            outcomes[index] = Outcome("error", exc)
        finally:
            connection.close()  # this thread's own connection; left open, it would outlive the test database

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return outcomes


def run_together(calls: Sequence[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, all released together, and return their results in call order; the calls
    are all expected to return, so the first exception (in call order) is raised here."""
    outcomes = run_concurrently(len(calls), lambda index: calls[index]())
    for error in errors_of(outcomes):
        raise error
    return results_of(outcomes)


def errors_of(outcomes: Sequence[Outcome]) -> list[BaseException]:
    return [value for status, value in outcomes if status == "error"]


def results_of(outcomes: Sequence[Outcome]) -> list[object]:
    return [value for status, value in outcomes if status == "ok"]


@contextmanager
def running_in_background(call: Callable[[], object]) -> Iterator[None]:
    """Run `call` in a thread (with its own connection, closed at its end) while the `with` block runs; leaving the
    block waits for the call and raises what it raised."""
    outcomes: list[Outcome] = []

    def worker() -> None:
        try:
            outcomes.append(Outcome("ok", call()))
        except Exception as exc:  # raised in the test's thread below
            outcomes.append(Outcome("error", exc))
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not thread.is_alive(), "the background thread hung"
    for error in errors_of(outcomes):
        raise error
