"""Pushes to a player's WebSocket (/ws/player/) through the channel layer; called after the money commits, from
whichever process made the change (the channel layer carries them across processes).

A push is handed to one event loop per process, running in a daemon thread, which sends the pushes one after
another in the order they were made (so a player's balance updates never overtake each other) over the channel
layer's connections to Redis, kept open for the life of the process. Starting an event loop per push
(`async_to_sync`) cost about ten times the CPU of the send, and a new Redis connection each time (bench/README.md,
"Hot paths"). The request does not wait for the send: a push is best effort (money has moved, the client can poll).

The in-memory layer (only if configured; the embedded default uses the SQLite-file layer) keeps its queues in the
event loop of the ASGI server, so it is sent to as before, through `async_to_sync`, which from a server thread runs
on that loop.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# How long a process that exits waits for the pushes still queued.
_DRAIN_AT_EXIT_SECONDS = 2.0


def player_group(user_id) -> str:
    return f"player.{user_id}"


class _PushLoop:
    """This process's push loop: started on the first push, and again in a forked child (a thread does not survive
    a fork, as in Celery's or gunicorn's workers)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._pending = 0

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._queue = asyncio.Queue()
            sender = loop.create_task(self._send_in_order())
            ready.set()
            loop.run_forever()
            sender.cancel()
            loop.run_until_complete(asyncio.gather(sender, return_exceptions=True))
            loop.close()  # the channel layer closes the connections it opened on this loop

        self._pending, self._idle = 0, threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=run, name="realtime-push", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop, self._pid = loop, os.getpid()

    async def _send_in_order(self) -> None:
        while True:
            layer, group, message = await self._queue.get()
            try:
                await layer.group_send(group, {"type": "player.push", "message": message})
            except Exception:  # best effort: money has already moved and the client can poll
                logger.exception("push to %s failed", group)
            finally:
                with self._lock:
                    self._pending -= 1
                    if not self._pending:
                        self._idle.set()

    def submit(self, layer, group: str, message: dict) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._start()
            self._pending += 1
            self._idle.clear()
            self._loop.call_soon_threadsafe(self._queue.put_nowait, (layer, group, message))

    def drain(self, timeout: float) -> bool:
        """Wait until every push submitted so far was sent (or failed); False if `timeout` passed first."""
        with self._lock:
            if self._pid != os.getpid():
                return True
            idle = self._idle
        return idle.wait(timeout)

    def stop(self, timeout: float) -> None:
        """Send what is queued, then end the loop and close its connections; the next push starts a new loop."""
        self.drain(timeout)
        with self._lock:
            if self._pid != os.getpid():
                return
            loop, thread, self._pid = self._loop, self._thread, None
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)


_push_loop = _PushLoop()
atexit.register(lambda: _push_loop.drain(_DRAIN_AT_EXIT_SECONDS))


def pushes_drain(timeout: float = 5.0) -> bool:
    """Wait for the pushes this process has queued to be sent; False if some were still queued after `timeout`."""
    return _push_loop.drain(timeout)


def pushes_stop(timeout: float = 5.0) -> None:
    """Send the queued pushes, then stop this process's push loop and close its connections (tests do this when
    they replace the channel layer; the next push starts a new loop)."""
    _push_loop.stop(timeout)


def _send(user_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        try:
            async_to_sync(layer.group_send)(player_group(user_id), {"type": "player.push", "message": message})
        except Exception:  # best effort, as above
            logger.exception("push to player %s failed", user_id)
        return
    _push_loop.submit(layer, player_group(user_id), message)


def push_on_commit(user_id, message: dict) -> None:
    """Send `message` once the surrounding transaction commits (never for money that rolled back)."""
    transaction.on_commit(lambda: _send(user_id, message))


def balance_updated(*, user_id, balance: str, available: str, currency: str) -> None:
    push_on_commit(
        user_id, {"type": "balance.updated", "balance": balance, "available": available, "currency": currency}
    )


def round_settled(*, user_id, round_id, bet: str, payout: str, result_data) -> None:
    push_on_commit(
        user_id,
        {"type": "round.settled", "round_id": str(round_id), "bet": bet, "payout": payout, "result_data": result_data},
    )


def payment_updated(*, user_id, payment_id, kind: str, status: str, amount: str, currency: str) -> None:
    push_on_commit(
        user_id,
        {
            "type": "payment.updated",
            "payment_id": str(payment_id),
            "kind": kind,
            "status": status,
            "amount": amount,
            "currency": currency,
        },
    )
