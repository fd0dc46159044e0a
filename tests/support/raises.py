"""`pytest.raises` for error classes whose subclasses mean something else to the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def raises_exactly(error: type[BaseException], *, match: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """Like `pytest.raises`, but a subclass of `error` fails the test: a PartnerTimeout is a PartnerUnavailable to
    `except`, yet after a timeout a bet stays held (the partner may have played it), after the other it is released."""
    with pytest.raises(error, match=match) as raised:
        yield raised
    assert type(raised.value) is error, f"{type(raised.value).__name__} raised where {error.__name__} was expected"
