"""The internal gRPC wallet server: the servicer on a thread pool behind mutual TLS (never in plain text)."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import grpc

from providers.grpc import wallet_pb2_grpc
from providers.grpc.servicer import WalletServicer


def wallet_grpc_server(
    *,
    bind: str,
    certificate: bytes,
    key: bytes,
    client_ca: bytes,
    trusted_proxy_names: Iterable[str] = (),
    workers: int = 8,
) -> tuple[grpc.Server, int]:
    """A server (not yet started) listening on `bind` ("host:port", port 0 for a free one); returns it and its port.

    Only clients presenting a certificate signed by `client_ca` complete the handshake. Those whose certificate
    names one of `trusted_proxy_names` call for the client certificate they forward (see servicer.py)."""
    server = grpc.server(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wallet-grpc"))
    servicer = WalletServicer(client_ca=client_ca, trusted_proxy_names=trusted_proxy_names)
    wallet_pb2_grpc.add_WalletServicer_to_server(servicer, server)
    credentials = grpc.ssl_server_credentials(
        [(key, certificate)], root_certificates=client_ca, require_client_auth=True
    )
    port = server.add_secure_port(bind, credentials)
    return server, port
