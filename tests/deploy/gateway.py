"""The gateway under test: the app served by bin/web (the production server) in a subprocess, and NGINX with
the repository's configuration (deploy/nginx/, rendered by its own `render` script) in front of it, both on free
loopback ports, NGINX with its own prefix directory under a temporary path."""

from __future__ import annotations

import http.client
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.support.tls import Pki

ROOT = Path(__file__).resolve().parents[2]
RENDER = ROOT / "deploy" / "nginx" / "render"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, *, what: str, log: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up; its log:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen, stop_signal: int) -> None:
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def app_server(*, database_name: str, workdir: Path):
    """The production web server (bin/web, one worker) serving tests/deploy/gateway_settings on the test database;
    yields its port."""
    port = free_port()
    env = dict(os.environ)
    base_url = env["DATABASE_URL"].rsplit("/", 1)[0]
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.deploy.gateway_settings",
        "DATABASE_URL": f"{base_url}/{database_name}",
        "PYTHON": sys.executable,
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "SITE_URL": settings.SITE_URL,  # the tokens' issuer, as this process mints them (it derives from PORT)
    }
    log = workdir / "web.log"
    command = [str(ROOT / "bin" / "web")]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:

        def healthy():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            return connection.getresponse().status == 200

        _wait_for(healthy, what="bin/web", log=log)
        yield port
    finally:
        _stop(process, signal.SIGTERM)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Gateway:
    port: int
    pki: Pki
    conf_dir: Path
    access_log: Path

    def client_context(self, *, maximum: ssl.TLSVersion | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.pki.ca_cert_path)
        if maximum is not None:
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.maximum_version = maximum
        return context

    def request(self, path: str, *, source: str = "127.0.0.1", headers: dict | None = None, method: str = "GET"):
        """One request on a connection of its own, from the loopback address `source`."""
        with self.keep_alive(source=source) as send:
            return send(path, headers=headers, method=method)

    @contextmanager
    def keep_alive(self, *, source: str = "127.0.0.1"):
        """Requests on one kept-alive connection (no handshake each): yields a function path -> Answer."""
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.client_context(), source_address=(source, 0), timeout=10
        )

        def send(path: str, *, headers: dict | None = None, method: str = "GET") -> Answer:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())

        try:
            yield send
        finally:
            connection.close()

    def connect(
        self, *, source: str = "127.0.0.1", context: ssl.SSLContext | None = None, port: int | None = None
    ) -> ssl.SSLSocket:
        """A TLS connection to the gateway's HTTPS port (or another of its listeners, `port`)."""
        raw = socket.create_connection(("127.0.0.1", port or self.port), timeout=10, source_address=(source, 0))
        try:
            return (context or self.client_context()).wrap_socket(raw, server_hostname="127.0.0.1")
        except BaseException:
            raw.close()
            raise


@contextmanager
def gateway(*, app_port: int, pki: Pki, workdir: Path, static_root: Path, countries: str, **overrides: str):
    """NGINX with deploy/nginx/ rendered for loopback in front of the app; yields a Gateway."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("NGINX is not installed: bin/services-up installs Debian's nginx-light")
    port = free_port()
    run_dir, conf_dir = workdir / "run", workdir / "conf"
    user = pwd.getpwuid(os.geteuid()).pw_name  # as root, workers run as root too: the temp dirs are private
    settings = {
        "NGINX_USER": user,
        "NGINX_WORKER_PROCESSES": "1",
        "NGINX_LISTEN": f"127.0.0.1:{port}",
        "NGINX_SERVER_NAME": "localhost",
        "NGINX_RUN_DIR": str(run_dir),
        "NGINX_CONF_DIR": str(conf_dir),
        "NGINX_ERROR_LOG": str(workdir / "error.log"),
        "NGINX_ACCESS_LOG": str(workdir / "access.log"),
        "NGINX_TLS_CERT": pki.server_cert_path,
        "NGINX_TLS_KEY": pki.server_key_path,
        "NGINX_APP_UPSTREAM": f"127.0.0.1:{app_port}",
        "NGINX_STATIC_ROOT": str(static_root),
        **overrides,
    }
    subprocess.run([str(RENDER), str(conf_dir)], env=os.environ | settings, check=True)
    (conf_dir / "countries.geo").write_text(countries)
    base = [nginx, "-e", str(workdir / "error.log"), "-p", str(run_dir), "-c", str(conf_dir / "gateway.conf")]
    subprocess.run([*base, "-t", "-q"], check=True)
    log = workdir / "nginx.out"
    with log.open("wb") as output:
        process = subprocess.Popen([*base, "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT)
    try:

        def listening():
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        _wait_for(listening, what="nginx", log=workdir / "error.log")
        yield Gateway(port=port, pki=pki, conf_dir=conf_dir, access_log=workdir / "access.log")
    finally:
        _stop(process, signal.SIGQUIT)  # a graceful stop: workers finish, then the master removes its pid file
