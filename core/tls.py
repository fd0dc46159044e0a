"""Mutual TLS material of a partner row (provider or gateway): `requests` and zeep want file paths, the row holds PEM
text (the key encrypted). Each PEM is written once per process to a private directory (0700) as a 0600 file named
by its hash, so a rotated certificate gets a new file and the key never sits in a world-readable place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

_lock = threading.Lock()
_directory: Path | None = None


def _private_dir() -> Path:
    global _directory
    if _directory is None:
        _directory = Path(tempfile.mkdtemp(prefix="casino-tls-"))  # mkdtemp creates it 0700
    return _directory


def pem_file(pem: str) -> str:
    """The path of a private file holding `pem` (written on first use)."""
    with _lock:
        path = _private_dir() / hashlib.sha256(pem.encode()).hexdigest()
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(pem)
        return str(path)


@dataclass(frozen=True)
class TlsMaterial:
    """PEM texts from a partner row: the client certificate and key we present, the CA that signs their server."""

    client_cert: str = ""
    client_key: str = ""
    ca_cert: str = ""

    def requests_options(self) -> dict:
        """`cert` and `verify` for a requests session or OutboundClient (empty fields keep the defaults)."""
        options: dict = {}
        if self.client_cert and self.client_key:
            options["cert"] = (pem_file(self.client_cert), pem_file(self.client_key))
        if self.ca_cert:
            options["verify"] = pem_file(self.ca_cert)
        return options
