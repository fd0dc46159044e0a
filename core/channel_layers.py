"""A channel layer for the embedded mode (no Redis) that crosses processes: group messages go through a small SQLite
file that every process on the machine shares, so a push sent by a Celery worker, beat or a management command
reaches the WebSockets held by the web process.

Each process keeps its sockets' channels and group memberships in memory (Channels' in-memory layer); a group send
from any process appends one row to the file, and every process that holds sockets polls the file (a cheap indexed
read, every `poll_interval` seconds) and hands new rows to its own group members. Rows older than `retention`
seconds are deleted. WAL mode lets the pollers read while a sender writes. It suits one machine, like the embedded
mode's SQLite database and filesystem broker; with REDIS_URL the Redis layer replaces it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
import string
import threading
import time
import uuid
from pathlib import Path

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a poller's last id stays a safe bookmark
    kind TEXT NOT NULL,                    -- 'group' or 'channel'
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS message_created ON message (created);
"""


class SQLiteChannelLayer(InMemoryChannelLayer):
    def __init__(self, path: str, poll_interval: float = 0.1, retention: float = 60.0, **kwargs):
        super().__init__(**kwargs)
        self.path = str(path)
        self.poll_interval = poll_interval
        self.retention = retention
        # Channel names made here carry this tag, so a send to one of them is known to be local.
        self.process_tag = uuid.uuid4().hex[:12]
        self._local = threading.local()  # one sqlite3 connection per thread
        self._poller: asyncio.Task | None = None
        self._last_id: int | None = None
        self._last_cleanup = 0.0

    # ------------------------------------------------------------------------------------------- the shared file

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # a lost push on power loss is acceptable
            connection.executescript(_SCHEMA)
            self._local.connection = connection
        return connection

    def _append(self, kind: str, target: str, body: str) -> None:
        connection = self._connection()
        now = time.time()
        connection.execute(
            "INSERT INTO message (kind, target, body, created) VALUES (?, ?, ?, ?)", (kind, target, body, now)
        )
        if now - self._last_cleanup > self.retention / 4:
            self._last_cleanup = now
            connection.execute("DELETE FROM message WHERE created < ?", (now - self.retention,))

    def _last_row_id(self) -> int:
        return self._connection().execute("SELECT COALESCE(MAX(id), 0) FROM message").fetchone()[0]

    def _rows_after(self, last_id: int) -> list[tuple[int, str, str, str]]:
        return (
            self._connection()
            .execute("SELECT id, kind, target, body FROM message WHERE id > ? ORDER BY id LIMIT 500", (last_id,))
            .fetchall()
        )

    async def _publish(self, kind: str, target: str, message: dict) -> None:
        await asyncio.to_thread(self._append, kind, target, json.dumps(message))

    # ------------------------------------------------------------------------------------------- polling

    def _ensure_poller(self) -> None:
        """Start reading the file in this event loop once something here may receive (a socket joined)."""
        loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done() or self._poller.get_loop() is not loop:
            self._poller = loop.create_task(self._poll())

    async def _poll(self) -> None:
        if self._last_id is None:
            # Only what is sent from now on: nobody here was listening before.
            self._last_id = await asyncio.to_thread(self._last_row_id)
        while True:
            try:
                rows = await asyncio.to_thread(self._rows_after, self._last_id)
            except sqlite3.Error:
                logger.exception("channel layer: reading %s failed", self.path)
                rows = []
            for row_id, kind, target, body in rows:
                self._last_id = row_id
                await self._deliver_locally(kind, target, json.loads(body))
            if len(rows) < 500:
                await asyncio.sleep(self.poll_interval)

    async def _deliver_locally(self, kind: str, target: str, message: dict) -> None:
        if kind == "group":
            await InMemoryChannelLayer.group_send(self, target, message)
        elif target in self.channels or self._is_local(target):
            try:
                await InMemoryChannelLayer.send(self, target, message)
            except ChannelFull:
                logger.warning("channel layer: %s is full; a message was dropped", target)

    # ------------------------------------------------------------------------------------------- layer API

    def _is_local(self, channel: str) -> bool:
        return f".{self.process_tag}!" in channel

    async def new_channel(self, prefix: str = "specific.") -> str:
        self._ensure_poller()
        suffix = "".join(random.choice(string.ascii_letters) for _ in range(12))
        return f"{prefix}.{self.process_tag}!{suffix}"

    async def send(self, channel: str, message: dict) -> None:
        if self._is_local(channel):
            await super().send(channel, message)
            return
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        await self._publish("channel", channel, message)

    async def receive(self, channel: str) -> dict:
        self._ensure_poller()
        return await super().receive(channel)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self._ensure_poller()

    async def group_send(self, group: str, message: dict) -> None:
        # Every process, this one included, delivers from the file: one path, one order.
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        await self._publish("group", group, message)

    async def flush(self) -> None:
        await super().flush()
        await asyncio.to_thread(lambda: self._connection().execute("DELETE FROM message"))

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
