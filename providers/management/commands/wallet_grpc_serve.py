"""`manage.py wallet_grpc_serve`: run the internal gRPC wallet (providers/grpc/wallet.proto) until SIGTERM or
Ctrl-C, with mutual TLS from the WALLET_GRPC_* settings."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from providers.grpc.server import wallet_grpc_server


class Command(BaseCommand):
    help = "Serve the internal gRPC wallet (balance, bet, win, rollback) over mutual TLS."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.WALLET_GRPC_BIND, help="host:port (default WALLET_GRPC_BIND)")
        parser.add_argument("--workers", type=int, default=settings.WALLET_GRPC_WORKERS)

    def handle(self, *args, bind: str, workers: int, **options):
        paths = {
            "WALLET_GRPC_TLS_CERT": settings.WALLET_GRPC_TLS_CERT,
            "WALLET_GRPC_TLS_KEY": settings.WALLET_GRPC_TLS_KEY,
            "WALLET_GRPC_CLIENT_CA": settings.WALLET_GRPC_CLIENT_CA,
        }
        missing = [name for name, path in paths.items() if not path or not Path(path).is_file()]
        if missing:
            raise CommandError(f"The gRPC wallet serves only over mutual TLS; set {', '.join(missing)} to PEM files.")
        certificate, key, client_ca = (Path(path).read_bytes() for path in paths.values())
        server, port = wallet_grpc_server(
            bind=bind,
            certificate=certificate,
            key=key,
            client_ca=client_ca,
            trusted_proxy_names=settings.WALLET_GRPC_TRUSTED_PROXY_NAMES,
            workers=workers,
        )
        server.start()
        self.stdout.write(f"gRPC wallet listening on {bind.rsplit(':', 1)[0]}:{port} (mutual TLS)")
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        stopping.wait()
        # Calls in flight get this long to finish; each is one database transaction, so none is left half done.
        server.stop(grace=settings.WALLET_GRPC_STOP_GRACE_SECONDS).wait()
