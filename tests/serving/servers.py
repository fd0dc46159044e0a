"""Running a server the way an operator does, in a subprocess on free ports, and talking to it only over HTTP:
start and stop, players set up through the API, signed webhooks, concurrent bursts."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "sandbox-webhook-secret-dev-only"  # the seeded sandbox gateway's development default
PASSWORD = "correct-horse-9"
# Variables of the test process that must not leak into a server started here (it reads its own environment).
_TEST_ONLY = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DATABASE_TEST_TEMPLATE", "PYTEST_XDIST_WORKER"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _TEST_ONLY}
    # Secrets as an operator would set them (the settings refuse to run production without them).
    env.setdefault("DJANGO_SECRET_KEY", "serving-test-" + "x" * 40)
    env.setdefault("FIELD_ENCRYPTION_KEYS", "bWFrZS10ZXN0LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=")
    env.update(SANDBOX_WEBHOOK_SECRET=WEBHOOK_SECRET, LOG_LEVEL="WARNING", **values)
    return env


class Server:
    """A process (and its children, in a session of its own) that answers on `site`; logs go to `log`."""

    def __init__(self, command: list[str], *, env: dict[str, str], site: str, log: Path):
        self.site, self.log = site, log
        self.out = log.open("w")
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"server ended with {self.proc.returncode}:\n{self.tail()}"
            try:
                if requests.get(f"{self.site}/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{self.site} not ready in {timeout:g} s:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        self.out.flush()
        return self.log.read_text()[-chars:]

    def stop(self, timeout: float = 40) -> bool:
        """SIGTERM to the started process only; True when it and every process it started ended by themselves."""
        stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                stopped = False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and group_alive(self.proc.pid):
            time.sleep(0.2)
        if group_alive(self.proc.pid):
            stopped = False
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.out.close()
        return stopped


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def webhook_headers(body: bytes) -> dict[str, str]:
    """The contract's sandbox gateway signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>."""
    ts = str(int(time.time()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Sandbox-Signature": f"t={ts},v1={signature}"}


def player_register(site: str, name: str) -> requests.Session:
    """A registered player's HTTP session, carrying its access token."""
    http = requests.Session()
    answer = http.post(
        f"{site}/api/v1/auth/register",
        json={"username": name, "password": PASSWORD, "email": f"{name}@example.com", "country": "MT",
              "currency": "EUR"},
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    token = http.post(f"{site}/api/v1/auth/token", json={"username": name, "password": PASSWORD}, timeout=30)
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access']}"
    return http


def deposit_event(http: requests.Session, site: str, amount: str) -> bytes:
    """Order a deposit at the sandbox gateway through the API; returns the gateway's success event for it."""
    deposit = http.post(
        f"{site}/api/v1/payments/deposits",
        json={"gateway": "sandbox", "amount": amount, "currency": "EUR"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert deposit.status_code == 201, deposit.text
    data = {
        "payment_id": deposit.json()["payment_id"],
        "gateway_reference": deposit.json()["gateway_reference"],
        "amount": amount,
        "currency": "EUR",
    }
    return json.dumps({"id": f"evt-{uuid.uuid4().hex}", "type": "payment.succeeded", "data": data}).encode()


def game_session(http: requests.Session, site: str, game_name: str = "Mini Reels") -> tuple[str, str]:
    games = http.get(f"{site}/api/v1/games", params={"currency": "EUR"}, timeout=30).json()["results"]
    game_id = next(g["id"] for g in games if g["name"] == game_name and g["provider"] == "sandbox")
    session = http.post(f"{site}/api/v1/sessions", json={"game_id": game_id}, timeout=30)
    assert session.status_code == 201, session.text
    return game_id, session.json()["session_id"]


def burst(calls: list[tuple[str, str, dict]]) -> list[requests.Response | Exception]:
    """Send every (method, url, requests kwargs) at once, one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    answers: list[requests.Response | Exception] = [RuntimeError("not sent")] * len(calls)

    def send(index: int, method: str, url: str, kwargs: dict) -> None:
        barrier.wait()
        try:
            answers[index] = requests.request(method, url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            answers[index] = exc

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
