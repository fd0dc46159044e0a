"""Outbox tasks: deliver one message by id (acks_late: a worker that dies mid-delivery leaves it to be redelivered),
and the periodic sweep of whatever is due or left behind."""

from celery import shared_task

from core.outbox.services import outbox_deliver, outbox_sweep


@shared_task(bind=True, name="outbox.deliver", acks_late=True, ignore_result=True)
def outbox_deliver_task(self, message_id: int) -> str:
    delivery = outbox_deliver(message_id=message_id)
    if delivery.retry_at is not None and delivery.outcome == "retry":
        # The next try is a task of its own, due at the backoff; if it is lost, the sweep sends another.
        outbox_deliver_task.apply_async(args=[message_id], eta=delivery.retry_at)
    return delivery.outcome


@shared_task(name="outbox.sweep", ignore_result=True)
def outbox_sweep_task() -> int:
    return outbox_sweep()
