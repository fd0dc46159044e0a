"""Pushes go through one event loop per process, in the order they were made, and only once the money commits."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


def _listen(user_id):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(realtime.player_group(user_id), channel)

    async def receive(count):
        return [(await asyncio.wait_for(layer.receive(channel), timeout=10))["message"] for _ in range(count)]

    return lambda count: async_to_sync(receive)(count)


def _push_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "realtime-push"]


def test_many_pushes_share_one_loop_and_arrive_in_order():
    receive = _listen("p-1")
    for n in range(50):
        realtime.balance_updated(user_id="p-1", balance=f"{n}.00", available=f"{n}.00", currency="EUR")
    assert [message["balance"] for message in receive(50)] == [f"{n}.00" for n in range(50)]
    assert len(_push_threads()) == 1


def test_a_push_waits_for_the_commit_and_is_dropped_on_rollback():
    receive = _listen("p-2")
    with transaction.atomic():
        realtime.balance_updated(user_id="p-2", balance="1.00", available="1.00", currency="EUR")
    try:
        with transaction.atomic():
            realtime.balance_updated(user_id="p-2", balance="2.00", available="2.00", currency="EUR")
            raise RuntimeError("the money move failed")
    except RuntimeError:
        pass
    realtime.balance_updated(user_id="p-2", balance="3.00", available="3.00", currency="EUR")
    assert [message["balance"] for message in receive(2)] == ["1.00", "3.00"]
