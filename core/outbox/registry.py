"""The table of outbox handlers by kind. The kernel imports no app, so each app registers the handlers of its own
kinds when it is ready (AppConfig.ready); a handler takes the message's payload and calls one service.

A handler signals what happened by how it returns: normally (delivered), PartnerRejected (a definite refusal, never
retried by itself), OutboxRetryLater or any other error (tried again with backoff until the last attempt).
"""

from __future__ import annotations

from collections.abc import Callable

OutboxHandler = Callable[[dict], object]

HANDLERS: dict[str, OutboxHandler] = {}


class OutboxRetryLater(Exception):
    """Not done yet, and not an error: ask again later (a round the provider is still playing)."""


def outbox_handler_register(kind: str, handler: OutboxHandler) -> None:
    HANDLERS[kind] = handler


def outbox_handler_for(kind: str) -> OutboxHandler:
    try:
        return HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no outbox handler registered for {kind!r}") from None
