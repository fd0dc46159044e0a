"""Jurisdiction cells (docs/SHARDING.md, design B): each jurisdiction runs its own deployment on its own database,
where its players, wallets, rounds and payments live; the catalogue staff edit (CATALOGUE_MODELS: providers, games,
gateways) lives in one shared `catalogue` database that every cell writes to.

Every cell keeps a replica of the catalogue tables in its own database (reference tables), so the foreign keys of its
own rows hold and joins stay in one database: the router reads catalogue models from the replica and writes them to
`catalogue`; a write is copied into the replica once it commits (`catalogue_changed`), and a beat job pulls the whole
catalogue (`catalogue_pull`) so that edits made through another cell arrive. Off unless CATALOGUE_DATABASE_URL is set.

The kernel names no app: the catalogue models come from settings as "app_label.Model" labels.
"""

from __future__ import annotations

import contextvars
import json
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.module_loading import import_string

from core.errors import ApplicationError

__all__ = [
    "CATALOGUE_DB_ALIAS",
    "CatalogueRouter",
    "CountryNotServed",
    "catalogue_changed",
    "catalogue_pull",
    "cells_enabled",
    "jurisdiction_check",
]

logger = logging.getLogger(__name__)

CATALOGUE_DB_ALIAS = "catalogue"
# One pull at a time per cell database (the beat job and a staff edit's copy may meet).
_PULL_LOCK = zlib.crc32(b"core.shards.catalogue_pull")
# Set while a pull runs or announces itself: the saves and deletes it makes must not schedule another pull.
_pulling: contextvars.ContextVar[bool] = contextvars.ContextVar("catalogue_pulling", default=False)


def cells_enabled() -> bool:
    return CATALOGUE_DB_ALIAS in settings.DATABASES


def _is_catalogue(model: type[models.Model]) -> bool:
    return model._meta.label in settings.CATALOGUE_MODELS


class CatalogueRouter:
    """DATABASE_ROUTERS when CATALOGUE_DATABASE_URL is set. Everything is read from this cell's database (the
    catalogue from its replica); catalogue models are written to `catalogue`, everything else to this cell's own.

    Money never goes near `catalogue`: no ledger, player, round or payment model is in CATALOGUE_MODELS, and the
    ledger's raw SQL (wallet moves, ledger_audit) uses the default connection, which is this cell's database."""

    def db_for_read(self, model, **hints):
        # Explicit for every model: without an answer Django would follow the hinted instance's database, which is
        # `catalogue` for a row just written there, and read a cell's rows from the catalogue database.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return CATALOGUE_DB_ALIAS if _is_catalogue(model) else DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        """Rows of this cell relate to each other and to catalogue rows (replicated here); rows of two different
        cell databases never do."""
        cell_databases = {obj._state.db or DEFAULT_DB_ALIAS for obj in (obj1, obj2)} - {CATALOGUE_DB_ALIAS}
        return len(cell_databases) <= 1

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Both databases get the whole schema: the replica needs the catalogue tables, and an empty copy of the
        # cells' tables in the catalogue database costs nothing and keeps one migration history.
        return True


# ------------------------------------------------------------------------------------------------ registration


class CountryNotServed(ApplicationError):
    status, code, title = 403, "country_not_served", "This jurisdiction does not serve players from this country"


def jurisdiction_check(*, country: str) -> None:
    """A cell registers only players of the countries it serves (JURISDICTION_COUNTRIES; empty: any country)."""
    served = settings.JURISDICTION_COUNTRIES
    if served and country.upper() not in served:
        raise CountryNotServed(
            f"This site ({settings.JURISDICTION or 'this jurisdiction'}) serves players from {', '.join(served)}; "
            f"players from {country.upper()} register with their own jurisdiction's site."
        )


# ------------------------------------------------------------------------------------------------ the replica


def catalogue_changed() -> None:
    """A catalogue row was written (or is being written in the current `catalogue` transaction): copy the catalogue
    into this cell's replica once that write commits. Nothing outside a cell."""
    if not cells_enabled() or _pulling.get():
        return
    transaction.on_commit(catalogue_pull, using=CATALOGUE_DB_ALIAS)


def _catalogue_models() -> list[type[models.Model]]:
    """The catalogue models, each after the catalogue models it has a foreign key to (parents first)."""
    pending = [apps.get_model(label) for label in settings.CATALOGUE_MODELS]
    ordered: list[type[models.Model]] = []
    while pending:
        for model in pending:
            parents = {f.related_model for f in model._meta.concrete_fields if f.is_relation} - {model}
            if not any(parent in pending for parent in parents):
                ordered.append(model)
                pending.remove(model)
                break
        else:
            raise ValueError(f"catalogue models refer to each other in a cycle: {pending}")
    return ordered


def _snapshot(alias: str, model: type[models.Model]) -> str:
    """The table's rows as one JSON array, in primary-key order (compared as text: equal means unchanged)."""
    quote = connections[alias].ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connections[alias].cursor() as cursor:
        sql = f"SELECT coalesce(json_agg(t ORDER BY {pk}), '[]')::text FROM {table} t"  # noqa: S608 - names from _meta
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _upsert(model: type[models.Model], rows: str) -> None:
    """Insert or update this cell's copy of every row (as stored: encrypted columns are copied, not re-encrypted)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = [quote(field.column) for field in model._meta.concrete_fields]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns if column != pk)
    listed = ", ".join(columns)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {listed} FROM json_populate_recordset(NULL::{table}, %s::json) "  # noqa: S608 - names from _meta, rows bound
            f"ON CONFLICT ({pk}) DO UPDATE SET {updates}",
            [rows],
        )


def _delete_missing(model: type[models.Model], keep: set) -> list:
    """Delete this cell's copies of rows the catalogue no longer has; a row this cell's own rows still refer to
    (a game with rounds) stays, and is returned."""
    kept = []
    pk_name = model._meta.pk.attname
    local = model._base_manager.using(DEFAULT_DB_ALIAS).values_list(pk_name, flat=True)
    for pk in [pk for pk in local if str(pk) not in keep]:
        try:
            with transaction.atomic(using=DEFAULT_DB_ALIAS):
                model._base_manager.using(DEFAULT_DB_ALIAS).filter(pk=pk).delete()
        except (ProtectedError, RestrictedError, IntegrityError):
            kept.append(pk)
    if kept:
        logger.warning("catalogue pull: %s %s deleted from the catalogue but still used here", model._meta.label, kept)
    return kept


@contextmanager
def _as_pull() -> Iterator[None]:
    token = _pulling.set(True)
    try:
        yield
    finally:
        _pulling.reset(token)


def catalogue_pull() -> dict[str, int]:
    """Make this cell's replica of the catalogue equal to the catalogue database, in one transaction: every row
    upserted, rows gone from the catalogue deleted (unless this cell's rows refer to them). Returns the rows per
    changed model; after the commit, the changed partner models' cached rows are dropped in every process and the
    CATALOGUE_CHANGED_HOOKS (the lobby's cached GET /games) run. Nothing outside a cell."""
    if not cells_enabled():
        return {}
    changed: dict[type[models.Model], int] = {}
    ordered = _catalogue_models()
    with _as_pull(), transaction.atomic(using=DEFAULT_DB_ALIAS):
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PULL_LOCK])
        wanted = {}  # model: (its catalogue rows as JSON text, the same parsed)
        for model in ordered:
            source = _snapshot(CATALOGUE_DB_ALIAS, model)
            if source != _snapshot(DEFAULT_DB_ALIAS, model):
                wanted[model] = (source, json.loads(source))
        # Children before parents when deleting, parents before children when writing.
        for model in reversed(ordered):
            if model in wanted:
                _delete_missing(model, {str(row[model._meta.pk.column]) for row in wanted[model][1]})
        for model in ordered:
            if model in wanted:
                source, rows = wanted[model]
                _upsert(model, source)
                changed[model] = len(rows)
        if changed:
            transaction.on_commit(lambda: _announce(list(changed)), using=DEFAULT_DB_ALIAS)
    return {model._meta.label: rows for model, rows in changed.items()}


def _announce(changed: list[type[models.Model]]) -> None:
    from core.partners import PartnerConnection, partner_changed

    with _as_pull():
        for model in changed:
            if issubclass(model, PartnerConnection):
                partner_changed(model)
        for hook in settings.CATALOGUE_CHANGED_HOOKS:
            import_string(hook)()
