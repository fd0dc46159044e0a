"""The platform API for players under /api/v1 (one thin APIView per operation; logic lives in services)."""
