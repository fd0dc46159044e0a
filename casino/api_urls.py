"""Platform API for players under /api/v1: auth, me, games, sessions, spin, rounds."""

urlpatterns = []
