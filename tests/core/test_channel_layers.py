"""The embedded mode's channel layer (core.channel_layers): group messages cross processes through a shared SQLite
file, so a push sent by another process (a Celery worker) reaches the sockets this process holds."""

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

from core.channel_layers import SQLiteChannelLayer

ROOT = Path(__file__).resolve().parents[2]


def _layer(path) -> SQLiteChannelLayer:
    return SQLiteChannelLayer(path=str(path), poll_interval=0.02)


def test_a_group_message_from_another_layer_on_the_same_file_reaches_local_members(tmp_path):
    web, worker = _layer(tmp_path / "channels.sqlite3"), _layer(tmp_path / "channels.sqlite3")

    async def scenario():
        channel = await web.new_channel()
        other = await web.new_channel()
        await web.group_add("player.7", channel)
        await asyncio.sleep(0.1)  # the poller starts reading from here on
        await worker.group_send("player.7", {"type": "player.push", "message": {"n": 1}})
        await worker.group_send("player.8", {"type": "player.push", "message": {"n": 2}})
        received = await asyncio.wait_for(web.receive(channel), timeout=3)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(web.receive(other), timeout=0.3)  # not a member of either group
        await web.close()
        return received

    assert async_to_sync(scenario)() == {"type": "player.push", "message": {"n": 1}}


def test_a_send_to_a_channel_of_this_process_stays_in_memory_and_order_is_kept(tmp_path):
    layer = _layer(tmp_path / "channels.sqlite3")

    async def scenario():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "a"})
        await layer.group_add("g", channel)
        await asyncio.sleep(0.1)
        for n in range(5):
            await layer.group_send("g", {"type": "b", "n": n})
        received = [await asyncio.wait_for(layer.receive(channel), timeout=3) for _ in range(6)]
        await layer.close()
        return received

    received = async_to_sync(scenario)()
    assert received[0] == {"type": "a"} and [m["n"] for m in received[1:]] == [0, 1, 2, 3, 4]


def test_a_push_from_a_separate_process_arrives(tmp_path):
    """A real second process (as a Celery worker is) sends; this process holds the group member."""
    path = tmp_path / "channels.sqlite3"
    layer = _layer(path)
    sender = textwrap.dedent(f"""
        from asgiref.sync import async_to_sync
        from core.channel_layers import SQLiteChannelLayer
        layer = SQLiteChannelLayer(path={str(path)!r})
        async_to_sync(layer.group_send)("player.42", {{"type": "player.push", "message": {{"from": "worker"}}}})
    """)

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("player.42", channel)
        await asyncio.sleep(0.1)
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", sender], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        received = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.close()
        return received

    assert async_to_sync(scenario)() == {"type": "player.push", "message": {"from": "worker"}}


def test_old_rows_are_deleted_and_ids_never_go_back(tmp_path):
    layer = SQLiteChannelLayer(path=str(tmp_path / "channels.sqlite3"), retention=0.0)

    async def scenario():
        await layer.group_send("g", {"type": "x"})
        first = await asyncio.to_thread(layer._last_row_id)
        layer._last_cleanup = 0.0
        await layer.group_send("g", {"type": "y"})  # cleans up everything older than "now"
        return first, await asyncio.to_thread(layer._rows_after, 0)

    first, rows = async_to_sync(scenario)()
    assert len(rows) <= 1 and all(row_id > first for row_id, *_ in rows)
