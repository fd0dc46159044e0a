"""A real running site for end-to-end tests: the web server and a Celery worker in processes of their own, seeded
in sandbox mode, either in the embedded default (SQLite, database cache, filesystem broker, the SQLite channel
layer; as `make run`) or on PostgreSQL and Redis (as production). Each stack keeps its state under its own VAR_DIR.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# The pytest process's own settings and databases must not leak into the stack.
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "DATABASE_TEST_TEMPLATE",
    "REDIS_URL",
    "REDIS_TEST_DB_BASE",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_CURRENT_TEST",
    "CELERY_TASK_ALWAYS_EAGER",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    var_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def manage(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        return done.stdout

    def shell(self, code: str) -> str:
        """Run Python in the stack's own environment (its database), as staff at a console would."""
        return self.manage("shell", "-v", "0", "-c", code).strip()

    def log(self, name: str) -> str:
        return (self.var_dir / f"{name}.log").read_text(errors="replace")

    def start(self, name: str, command: list[str]) -> None:
        log = (self.var_dir / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def wait_until(self, predicate, *, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AssertionError(f"{name} exited ({process.returncode}):\n{self.log(name)[-4000:]}")
            with contextlib.suppress(requests.RequestException):
                if predicate():
                    return
            time.sleep(0.3)
        logs = "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)
        raise AssertionError(f"timed out waiting for {what}\n{logs}")


@contextlib.contextmanager
def running_stack(
    var_dir: Path,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    server: str = "runserver",
    static: bool = True,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """Migrate, seed, collect static files (for pages; `static=False` skips it), then serve the site (`runserver` as
    `make run` does, or `daphne` as the production mode does) beside a Celery worker; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="casino.settings",
        SANDBOX_MODE="1",
        DJANGO_DEBUG="0",
        VAR_DIR=str(var_dir),
        PORT=str(port),
        SITE_URL=url,
        PYTHONUNBUFFERED="1",
        **(extra_env or {}),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    stack = Stack(url=url, env=env, var_dir=var_dir)
    stack.manage("migrate", "--no-input", "-v", "0")
    if not redis_url:
        stack.manage("createcachetable")
    stack.manage("sandbox_seed")
    if static:
        stack.manage("collectstatic", "--no-input", "-v", "0")
    try:
        # Threads, so the worker is one process: everything it sends comes from a process that is not the web's.
        stack.start(
            "worker",
            [str(VENV_BIN / "celery"), "-A", "casino", "worker", "-P", "threads", "-c", "4", "-l", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip
        if server == "daphne":
            stack.start(
                "web", [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "casino.asgi:application"]
            )
        else:
            stack.start("web", [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
        stack.wait_until(lambda: requests.get(f"{url}/health", timeout=2).status_code == 200, what="the web server")
        stack.wait_until(lambda: "ready." in stack.log("worker"), what="the Celery worker")
        yield stack
    finally:
        stack.stop()
