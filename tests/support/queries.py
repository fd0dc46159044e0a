"""Counting what a request costs the database: every statement sent, and every commit (an outermost atomic block
that commits, or a write sent in autocommit mode, which PostgreSQL commits on its own).

Statements are what goes through a cursor (savepoints included); the BEGIN and COMMIT that Django's
CaptureQueriesContext also lists are counted as commits instead."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections

_WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class DatabaseCost:
    statements: list[str] = field(default_factory=list)
    commits: int = 0

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        lines = "\n".join(f"  {sql[:160]}" for sql in self.statements)
        return f"{self.count} statements, {self.commits} commits:\n{lines}"


@contextmanager
def database_cost(alias: str = DEFAULT_DB_ALIAS) -> Iterator[DatabaseCost]:
    """Record the statements and commits of the `with` block on this thread's connection. Needs a test database
    in autocommit mode (transactional_db): inside the test-wide transaction of `db` nothing ever commits."""
    connection = connections[alias]
    cost = DatabaseCost()

    def record(execute, sql, params, many, context):
        cost.statements.append(sql)
        if not connection.in_atomic_block and sql.lstrip().upper().startswith(_WRITES):
            cost.commits += 1
        return execute(sql, params, many, context)

    # Django commits an outermost atomic block through connection.commit(), not through a cursor, so the
    # statement hook cannot see it: count the calls on this connection instance for the block's duration.
    commit = connection.commit

    def counted_commit():
        cost.commits += 1
        return commit()

    connection.ensure_connection()
    connection.commit = counted_commit
    try:
        with connection.execute_wrapper(record):
            yield cost
    finally:
        del connection.commit
