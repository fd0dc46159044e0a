"""The claim of a provider's transaction id as one plain statement: INSERT ... ON CONFLICT DO NOTHING RETURNING.

A plain INSERT that hits the (provider, transaction_id) index raises, and going on after an error inside the
callback's transaction needs a savepoint around the INSERT (two more statements on every money move). ON CONFLICT DO
NOTHING waits on the index exactly as the plain INSERT does (for a concurrent transaction holding the id to commit
or roll back) and then reports "not inserted" instead of failing. PostgreSQL and SQLite (3.35 and later, the
embedded mode) both take this form; values go through the fields' own `pre_save` and `get_db_prep_save`, as the ORM
would send them.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from providers.models import WalletTransaction

_META = WalletTransaction._meta
_FIELDS = tuple(_META.concrete_fields)
_CLAIM = (  # noqa: S608 - names from _meta, values bound
    'INSERT INTO "{table}" ({columns}) VALUES ({values}) '
    'ON CONFLICT ("{provider}", "{transaction_id}") DO NOTHING RETURNING "{pk}"'
).format(
    table=_META.db_table,
    columns=", ".join(f'"{field.column}"' for field in _FIELDS),
    values=", ".join(["%s"] * len(_FIELDS)),
    provider=_META.get_field("provider").column,
    transaction_id=_META.get_field("transaction_id").column,
    pk=_META.pk.column,
)


def wallet_transaction_claim(row: WalletTransaction) -> bool:
    """INSERT `row` unless its provider already has a row under its transaction id; True when this call inserted
    it (the row is then saved), False when the id was taken (nothing was written)."""
    db = connections[DEFAULT_DB_ALIAS]
    params = [field.get_db_prep_save(field.pre_save(row, True), db) for field in _FIELDS]
    with db.cursor() as cursor:
        cursor.execute(_CLAIM, params)
        inserted = cursor.fetchone() is not None
    if inserted:
        row._state.adding, row._state.db = False, db.alias
    return inserted
