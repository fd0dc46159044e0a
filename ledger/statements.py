"""The four statements of every money move, as plain parametrized SQL: lock the accounts, insert the transaction,
insert its entries, write the accounts' new totals; and how a failed insert is read (a key taken, or another error).

Plain SQL because on the hot path compiling the ORM's form of these statements cost more than sending them
(bench/README.md has the figures). They still go through the connection's cursor, so errors are Django's: a taken
key is an IntegrityError (sqlstate 23505 on PostgreSQL, "UNIQUE constraint failed" on SQLite, the embedded mode),
and the immutability triggers see ordinary rows. Column lists come from the models' _meta and are checked at
import against what is written here (`insert_into`): a field added to a model without being written here stops
the import instead of being silently left out. Values whose form differs between backends (the UUID key, the JSON
metadata, the timestamps) go through the field's own `get_db_prep_save`, and locked rows through the compiler's
db converters, so both backends send and return what the ORM would; the rest are ints and strings that both
drivers take as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections
from django.utils import timezone

from ledger.models import Account, Entry, Transaction

# The most entry rows one INSERT carries: far below SQLite's and PostgreSQL's bound-parameter limits.
ENTRY_ROWS_PER_INSERT = 100


def _db():
    """The default database connection of this thread, looked up once per statement: every attribute read through
    the `django.db.connection` proxy is a thread-local lookup of its own."""
    return connections[DEFAULT_DB_ALIAS]


def _placeholders(columns: int, rows: int) -> str:
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([row] * rows)


def insert_into(model, attnames: Sequence[str]) -> str:
    """`INSERT INTO "table" ("col", ...) VALUES ` for `attnames`, which must be exactly the model's concrete fields
    less an auto-increment key (that one the database assigns); anything else raises ImproperlyConfigured."""
    meta = model._meta
    columns = {field.attname: field.column for field in meta.concrete_fields if field is not meta.auto_field}
    if sorted(attnames) != sorted(columns):
        raise ImproperlyConfigured(
            f"ledger.statements writes {meta.label} rows as {sorted(attnames)} but the model has {sorted(columns)}"
        )
    # Double quotes are how both supported backends (PostgreSQL and SQLite) quote names, as the ORM does.
    quoted = ", ".join(f'"{columns[a]}"' for a in attnames)
    return f'INSERT INTO "{meta.db_table}" ({quoted}) VALUES '  # noqa: S608 - names from _meta, values bound


def is_unique_violation(error: IntegrityError) -> bool:
    """True when the insert hit a unique constraint (a key already taken), as opposed to another failure (a check
    or foreign key) that must surface as it is rather than be mistaken for a replay."""
    sqlstate = getattr(error.__cause__, "sqlstate", None)  # psycopg 3
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(error)  # SQLite, the embedded mode


# ---------------------------------------------------------------------------------------------------- the lock

# Every column of an account, named in the model's field order (which is `from_db`'s order).
_ACCOUNT_FIELDS = tuple(Account._meta.concrete_fields)
_ACCOUNT_ATTNAMES = tuple(field.attname for field in _ACCOUNT_FIELDS)
# As the compiler reads them: a foreign key's column is typed as its target (the owner's UUID key, a string on SQLite).
_ACCOUNT_COLS = tuple(field.get_col(Account._meta.db_table) for field in _ACCOUNT_FIELDS)
_ACCOUNT_SELECT = 'SELECT {columns} FROM "{table}" WHERE "{pk}" IN ({{ids}}) ORDER BY "{pk}"'.format(  # noqa: S608
    columns=", ".join(f'"{field.column}"' for field in _ACCOUNT_FIELDS),
    table=Account._meta.db_table,
    pk=Account._meta.pk.column,
)
_ACCOUNT_LOCKS: dict[tuple[int, bool], str] = {}
_ACCOUNT_CONVERTED: dict[type, tuple[int, ...]] = {}  # per backend: which of those fields have db converters


def accounts_lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """SELECT ... FOR UPDATE in ascending id order (the one lock order of the whole platform); the rows come back
    as the model instances the ORM would load (`from_db`, after the backend's and the fields' db converters)."""
    db = _db()
    ids = sorted(set(account_ids))
    for_update = db.features.has_select_for_update  # SQLite, the embedded mode, locks the whole database instead
    sql = _ACCOUNT_LOCKS.get((len(ids), for_update))
    if sql is None:
        sql = _ACCOUNT_SELECT.format(ids=", ".join(["%s"] * len(ids))) + (" FOR UPDATE" if for_update else "")
        if len(ids) <= 8:
            _ACCOUNT_LOCKS[len(ids), for_update] = sql
    with db.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    converted = _ACCOUNT_CONVERTED.get(type(db))
    if converted is None:  # none on PostgreSQL; SQLite's booleans and datetimes
        converted = _ACCOUNT_CONVERTED[type(db)] = tuple(
            index for index, col in enumerate(_ACCOUNT_COLS) if _converters(db, col)
        )
    converters = [(index, _ACCOUNT_COLS[index], _converters(db, _ACCOUNT_COLS[index])) for index in converted]
    accounts = {}
    for row in rows:
        if converters:
            row = list(row)
            for index, col, field_converters in converters:
                for convert in field_converters:
                    row[index] = convert(row[index], col, db)
        account = Account.from_db(db.alias, _ACCOUNT_ATTNAMES, row)
        accounts[account.pk] = account
    return accounts


def _converters(db, col) -> list:
    """What the SQL compiler applies to a column read from the database: the backend's converters, then the field's."""
    return db.ops.get_db_converters(col) + col.get_db_converters(db)


# ---------------------------------------------------------------------------------------------------- the INSERTs

# Every column of a transaction, in the model's field order (which is also `from_db`'s order).
_TXN_ATTNAMES = tuple(field.attname for field in Transaction._meta.concrete_fields)
_TXN_INSERT = insert_into(Transaction, _TXN_ATTNAMES) + _placeholders(len(_TXN_ATTNAMES), 1)
_TXN_PREPARE = tuple(Transaction._meta.get_field(a).get_db_prep_save for a in _TXN_ATTNAMES)
_TXN_NEW_ID = Transaction._meta.pk.get_default  # uuid4, the model's own default

_ENTRY_ATTNAMES = ("transaction_id", "account_id", "amount", "currency", "balance_after", "created_at")
_ENTRY_INSERT = insert_into(Entry, _ENTRY_ATTNAMES)
_ENTRY_INSERTS = {n: _ENTRY_INSERT + _placeholders(len(_ENTRY_ATTNAMES), n) for n in range(1, 9)}
_ENTRY_PREPARE_TXN = Entry._meta.get_field("transaction_id").get_db_prep_save
_ENTRY_PREPARE_CREATED = Entry._meta.get_field("created_at").get_db_prep_save


def transaction_insert(
    *,
    idempotency_key: str,
    fingerprint: str,
    kind: str,
    reference: str,
    metadata: dict | None,
    reverses: Transaction | None = None,
) -> Transaction:
    """INSERT one transaction row and return it as a saved model instance (as `Transaction.objects.create` did)."""
    values = {
        "id": _TXN_NEW_ID(),
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
        "kind": kind,
        "reference": reference,
        "reverses_id": None if reverses is None else reverses.pk,
        "metadata": metadata or {},
        "created_at": timezone.now(),  # auto_now_add
    }
    row = [values[a] for a in _TXN_ATTNAMES]
    db = _db()
    with db.cursor() as cursor:
        cursor.execute(_TXN_INSERT, [prepare(v, db) for prepare, v in zip(_TXN_PREPARE, row, strict=True)])
    txn = Transaction.from_db(db.alias, _TXN_ATTNAMES, row)
    if reverses is not None:
        txn.reverses = reverses  # the related object cached both ways, as create(reverses=...) left it
    return txn


def entries_insert(txn: Transaction, entries: Sequence[tuple[int, int, str, int]]) -> None:
    """INSERT the entries (account id, amount, currency, balance after) of `txn` in the given order (their ids
    ascend in it), stamped with the transaction's `created_at`, at most ENTRY_ROWS_PER_INSERT rows a statement."""
    db = _db()
    txn_id = _ENTRY_PREPARE_TXN(txn.pk, db)
    created_at = _ENTRY_PREPARE_CREATED(txn.created_at, db)
    with db.cursor() as cursor:
        for start in range(0, len(entries), ENTRY_ROWS_PER_INSERT):
            chunk = entries[start : start + ENTRY_ROWS_PER_INSERT]
            params = []
            for account_id, amount, currency, balance_after in chunk:
                values = {
                    "transaction_id": txn_id,
                    "account_id": account_id,
                    "amount": amount,
                    "currency": currency,
                    "balance_after": balance_after,
                    "created_at": created_at,
                }
                params.extend(values[a] for a in _ENTRY_ATTNAMES)
            sql = _ENTRY_INSERTS.get(len(chunk)) or _ENTRY_INSERT + _placeholders(len(_ENTRY_ATTNAMES), len(chunk))
            cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------------------- the totals


def _totals_update_sql(accounts: int) -> str:
    """One UPDATE of `balance` and `held` for `accounts` rows, each picked by id in a CASE (portable to both
    backends); the parameters are (id, balance) pairs, then (id, held) pairs, then the ids."""
    cases = " ".join(["WHEN %s THEN %s"] * accounts)
    table, pk = Account._meta.db_table, Account._meta.pk.column
    balance, held = Account._meta.get_field("balance").column, Account._meta.get_field("held").column
    return (
        f'UPDATE "{table}" SET "{balance}" = CASE "{pk}" {cases} END, "{held}" = CASE "{pk}" {cases} END '  # noqa: S608
        f'WHERE "{pk}" IN ({", ".join(["%s"] * accounts)})'
    )


_ACCOUNT_TOTALS_UPDATES = {n: _totals_update_sql(n) for n in range(1, 9)}


def accounts_totals_update(accounts: Iterable[Account]) -> None:
    """Write the new `balance` and `held` of accounts locked by this transaction (`accounts_lock`), in one
    statement made once per number of accounts. The rows are all locked already, so the order in which the
    statement visits them cannot matter."""
    accounts = list(accounts)
    if not accounts:
        return
    params = [value for a in accounts for value in (a.pk, a.balance)]
    params += [value for a in accounts for value in (a.pk, a.held)]
    params += [a.pk for a in accounts]
    sql = _ACCOUNT_TOTALS_UPDATES.get(len(accounts)) or _totals_update_sql(len(accounts))
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
