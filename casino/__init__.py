"""Project package: settings, Celery app, platform API (players, games, sessions, spin, rounds)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
