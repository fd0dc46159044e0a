"""Provider services (writes), split by sub-domain: catalogue, sessions, rounds."""

from .catalog import catalog_sync, games_cache_invalidate, games_cache_version, games_upsert
from .launch import session_launch_url
from .rounds import (
    round_acknowledge,
    round_fail,
    round_play,
    round_provider_acknowledge,
    round_resolve,
    round_settle,
    round_void,
)
from .sessions import session_open

__all__ = [
    "catalog_sync",
    "games_cache_invalidate",
    "games_cache_version",
    "games_upsert",
    "round_acknowledge",
    "round_fail",
    "round_play",
    "round_provider_acknowledge",
    "round_resolve",
    "round_settle",
    "round_void",
    "session_launch_url",
    "session_open",
]
