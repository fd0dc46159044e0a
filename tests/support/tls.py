"""Loopback WSGI servers for tests, and a PKI for mutual-TLS partners: tests make their own CAs and certificates
and serve a WSGI app (usually the whole Django site, for the SOAP sandboxes) over TLS 1.3 on loopback, requiring
a client certificate signed by the test CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socketserver
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Pki:
    ca_cert_pem: str
    server_cert_path: str
    server_key_path: str
    ca_cert_path: str
    client_cert_pem: str
    client_key_pem: str
    rogue_client_cert_pem: str  # signed by another CA: must be refused
    rogue_client_key_pem: str
    ca_key_pem: str  # to issue more client certificates (client_certificate)


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _pem_cert(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _issue(*, subject: str, key, issuer_name, issuer_key, ca: bool = False, server: bool = False):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def make_pki(directory: Path, *, client_name: str = "casino-platform") -> Pki:
    """A test CA with a server certificate (localhost, 127.0.0.1) and a client certificate named `client_name`, and
    a rogue client certificate of the same name signed by another CA."""
    ca_key, rogue_ca_key = _key(), _key()
    ca = _issue(subject="Casino Test CA", key=ca_key, issuer_name=None, issuer_key=None, ca=True)
    rogue_ca = _issue(subject="Rogue CA", key=rogue_ca_key, issuer_name=None, issuer_key=None, ca=True)
    server_key, client_key, rogue_key = _key(), _key(), _key()
    server = _issue(subject="localhost", key=server_key, issuer_name=ca.subject, issuer_key=ca_key, server=True)
    client = _issue(subject=client_name, key=client_key, issuer_name=ca.subject, issuer_key=ca_key)
    rogue = _issue(subject=client_name, key=rogue_key, issuer_name=rogue_ca.subject, issuer_key=rogue_ca_key)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"ca.pem": _pem_cert(ca), "server.crt": _pem_cert(server), "server.key": _pem_key(server_key)}
    for name, text in paths.items():
        (directory / name).write_text(text)
    return Pki(
        ca_cert_pem=_pem_cert(ca),
        ca_cert_path=str(directory / "ca.pem"),
        server_cert_path=str(directory / "server.crt"),
        server_key_path=str(directory / "server.key"),
        client_cert_pem=_pem_cert(client),
        client_key_pem=_pem_key(client_key),
        rogue_client_cert_pem=_pem_cert(rogue),
        rogue_client_key_pem=_pem_key(rogue_key),
        ca_key_pem=_pem_key(ca_key),
    )


def client_certificate(pki: Pki, name: str) -> tuple[str, str]:
    """Another client certificate from the test CA, named `name`: (certificate PEM, key PEM)."""
    ca = x509.load_pem_x509_certificate(pki.ca_cert_pem.encode())
    ca_key = serialization.load_pem_private_key(pki.ca_key_pem.encode(), password=None)
    key = _key()
    return _pem_cert(_issue(subject=name, key=key, issuer_name=ca.subject, issuer_key=ca_key)), _pem_key(key)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def wsgi_server(app, *, ssl_context: ssl.SSLContext | None = None):
    """Serve `app` on a free loopback port in a thread; yields the base URL."""
    server = _ThreadingWSGIServer(("127.0.0.1", 0), _QuietHandler)
    server.set_app(app)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tls_wsgi_server(app, pki: Pki, *, require_client_cert: bool = True, only: ssl.TLSVersion = ssl.TLSVersion.TLSv1_3):
    """Serve `app` on https://127.0.0.1:<free port>; yields the base URL. Only TLS version `only` (1.3 unless told)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = context.maximum_version = only
    context.load_cert_chain(pki.server_cert_path, pki.server_key_path)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki.ca_cert_path)
    with wsgi_server(app, ssl_context=context) as url:
        yield url
