"""Real processes for the tests whose point is "every process": a web server, a Celery worker and beat, and one-off
Python probes, started on the test's own database and Redis database, with their logs in files, and always stopped
(or killed outright, as a crash would, by `process_kill`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(**extra: str) -> dict[str, str]:
    """This test process's environment, pointed at the database pytest-django made (committed rows only: use
    transactional_db) and at the process settings; the xdist worker's Redis database follows from the inherited
    PYTEST_XDIST_WORKER and REDIS_TEST_DB_BASE."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.process_settings",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


@contextmanager
def started(args: list[str], *, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        # A process group of its own, so that process_kill takes every process it started with it.
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def process_kill(process: subprocess.Popen) -> None:
    """SIGKILL to the process's whole group, as a crashed machine or the OOM killer would: nothing runs on exit."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def wait_until(check, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
            return response.status == 200
    except OSError:
        return False


@contextmanager
def web_server(*, env: dict[str, str], log: Path) -> Iterator[str]:
    """The site in a process of its own (manage.py runserver); yields its base URL once /health answers."""
    port = free_port()
    args = [str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with started(args, env=env, log=log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: process.poll() is not None or http_ok(f"{url}/health"), timeout=60, what="the web server")
        assert process.poll() is None, log.read_text()[-3000:]
        yield url


@contextmanager
def celery_beat(*, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Beat with the database scheduler: it runs the PeriodicTask rows the test created."""
    args = [str(BIN / "celery"), "-A", "casino", "beat", "-l", "info", "--max-interval", "1"]
    with started(args, env=env, log=log) as process:
        wait_until(lambda: process.poll() is not None or "beat: Starting" in log.read_text(), timeout=60,
                   what="beat")  # fmt: skip
        assert process.poll() is None, log.read_text()[-3000:]
        yield process


@contextmanager
def celery_worker(*, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    args = [str(BIN / "celery"), "-A", "casino", "worker", "-P", "threads", "-c", "2", "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with started(args, env=env, log=log) as process:
        wait_until(lambda: process.poll() is not None or "ready" in log.read_text(), timeout=60, what="the worker")
        assert process.poll() is None, log.read_text()[-3000:]
        yield process


class PythonProbe:
    """A long-lived `python -m <module> <args>` that prints "ready", then answers each line it reads with one JSON
    line: started ahead, so that a test's timing does not include Django's start."""

    def __init__(self, process: subprocess.Popen):
        self.process = process

    def ask(self) -> dict:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the probe process ended: {self.process.stderr.read()[-3000:]}"
        return json.loads(line)


@contextmanager
def python_probe(module: str, *args: str, env: dict[str, str]) -> Iterator[PythonProbe]:
    process = subprocess.Popen(
        [str(BIN / "python"), "-m", module, *args], cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        first = process.stdout.readline().strip()
        assert first == "ready", first + process.stderr.read()[-3000:]
        yield PythonProbe(process)
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def json_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text().splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines
