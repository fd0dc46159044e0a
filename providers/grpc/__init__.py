"""The internal gRPC wallet: wallet.proto, its generated code (`make grpc`), the servicer and the server."""
