"""The only way to move money. Every move is one database transaction that locks the accounts it touches in
ascending id order (so two moves can never deadlock on each other), checks balances inside the lock, and is
idempotent by its key: a replay returns the first result, another move under the same key is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from core.metrics import LEDGER_TRANSACTIONS, MONEY_MINOR_UNITS, MONEY_MOVEMENTS
from core.money import currency_exponent
from ledger.errors import AlreadyReversed, HoldNotActive, InsufficientFunds, LedgerKeyConflict
from ledger.models import Account, AccountKind, Entry, Hold, HoldStatus, Transaction


@dataclass(frozen=True)
class Posting:
    """One leg of a transaction: `amount` minor units (signed) on `account`."""

    account: Account
    amount: int


# ---------------------------------------------------------------------------------------------------- accounts


def wallet_get_or_create(*, user, currency: str) -> Account:
    currency_exponent(currency)
    account, _ = Account.objects.get_or_create(
        code=f"player:{user.pk}:{currency}",
        defaults={"kind": AccountKind.PLAYER_WALLET, "currency": currency, "owner": user, "non_negative": True},
    )
    return account


def system_account_get_or_create(*, kind: str, currency: str, partner: str = "") -> Account:
    """House and clearing accounts; they may go below zero (they mirror money owed by or to a partner)."""
    if kind == AccountKind.PLAYER_WALLET:
        raise ValueError("player wallets are made by wallet_get_or_create")
    currency_exponent(currency)
    code = f"{kind}:{partner}:{currency}" if partner else f"{kind}:{currency}"
    account, _ = Account.objects.get_or_create(
        code=code, defaults={"kind": kind, "currency": currency, "non_negative": False}
    )
    return account


# ---------------------------------------------------------------------------------------------------- postings


def _merge(postings: Iterable[Posting]) -> dict[int, int]:
    """Net amount per account id; legs on one account are summed, and zero nets dropped."""
    net: dict[int, int] = defaultdict(int)
    for posting in postings:
        _check_amount(posting.amount)
        net[posting.account.pk] += posting.amount
    return {account_id: amount for account_id, amount in net.items() if amount}


def _check_amount(amount) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("posting amounts are integers of minor units")


def _net_legs(net: dict[int, int]) -> list[tuple[int, int]]:
    """One leg per account, in account id order: how a transaction's entries are normally written."""
    return sorted(net.items())


def _fingerprint(kind: str, legs: Iterable[tuple[int, int]], extra: str = "") -> str:
    text = kind + "|" + ",".join(f"{a}:{n}" for a, n in legs) + "|" + extra
    return hashlib.sha256(text.encode()).hexdigest()


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


def _db():
    """The default database connection of this thread: what `django.db.connection` stands for, looked up once per
    call (each attribute read through that proxy is a thread-local lookup, a measurable share of a transfer)."""
    return connections[DEFAULT_DB_ALIAS]


def _lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """SELECT ... FOR UPDATE in ascending id order: the one lock order of the whole platform.

    Written as plain SQL, its rows made into model instances with the conversions Django's compiler would apply
    (`from_db`, the backend's and the fields' db converters): the queryset form of this one statement cost a third
    of a transfer's client CPU, and `Account.objects.raw` still most of the rest of it (see bench/README.md)."""
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


def _is_unique_violation(error: IntegrityError) -> bool:
    """True when the insert hit a unique constraint (a key already taken), as opposed to another failure (a check
    or foreign key) that must surface as it is rather than be mistaken for a replay."""
    sqlstate = getattr(error.__cause__, "sqlstate", None)  # psycopg 3
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(error)  # SQLite, the embedded mode


def _replayed(model, key: str, fingerprint: str):
    existing = model.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise LedgerKeyConflict(f"Ledger key {key!r} was used for another money move.")
    existing.replayed = True
    return existing


def _replay_or_raise(error: IntegrityError, key: str, fingerprint: str) -> Transaction:
    """After a failed insert: the first transaction under `key` if this call repeats it, else the error.

    A unique violation on the key means another call committed it first (the insert waits for that call to end,
    so under READ COMMITTED its row is visible to the next statement)."""
    if not _is_unique_violation(error):
        raise error
    existing = _replayed(Transaction, key, fingerprint)
    if existing is None:
        raise error
    return existing


def _game_money(kind: str, legs: Iterable[tuple[int, int]], accounts: dict[int, Account]) -> list[tuple]:
    """(provider, currency, movement, amount) for each leg on a provider's clearing account: money in is a bet, money
    out a win, or a rollback when the transaction gives a bet back."""
    moves = []
    for account_id, amount in legs:
        account = accounts[account_id]
        if account.kind != AccountKind.PROVIDER_CLEARING or not amount:
            continue
        provider = account.code.split(":")[1]  # provider_clearing:<provider>:<currency>
        gives_back = "rollback" in kind or "reversal" in kind
        movement = "bet" if amount > 0 else ("rollback" if gives_back else "win")
        moves.append((provider, account.currency, movement, abs(amount)))
    return moves


def _count_committed(kind: str, legs: Iterable[tuple[int, int]] = (), accounts: dict[int, Account] | None = None):
    # Counted on commit: a caller's outer atomic block may still roll the move back.
    moves = _game_money(kind, legs, accounts) if accounts else []

    def count():
        LEDGER_TRANSACTIONS.labels(kind=kind).inc()
        for provider, currency, movement, amount in moves:
            MONEY_MINOR_UNITS.labels(provider=provider, currency=currency, movement=movement).inc(amount)
            MONEY_MOVEMENTS.labels(provider=provider, currency=currency, movement=movement).inc()

    transaction.on_commit(count)


def _apply(
    *, txn: Transaction, legs: Sequence[tuple[int, int]], accounts: dict[int, Account], held_delta: dict[int, int]
) -> None:
    """Write entries and new running totals; refuse if a non-negative account would go below its holds.

    Order matters: an unbalanced set of legs is a programming error and is reported as such before any balance is
    looked at (it must never reach a player as insufficient funds); then every account's final state is checked;
    only then is anything written."""
    per_currency: dict[str, int] = defaultdict(int)
    for account_id, amount in legs:
        per_currency[accounts[account_id].currency] += amount
    unbalanced = {c: s for c, s in per_currency.items() if s}
    if unbalanced:
        raise ValueError(f"transaction does not sum to zero per currency: {unbalanced}")

    entries = []
    for account_id, amount in legs:
        account = accounts[account_id]
        account.balance += amount
        entries.append((account_id, amount, account.currency, account.balance))
    touched = sorted({account_id for account_id, _ in legs} | set(held_delta))
    for account_id in touched:
        account = accounts[account_id]
        account.held += held_delta.get(account_id, 0)
        if account.non_negative and account.balance < account.held:
            raise InsufficientFunds(f"Account {account.code} has not enough available funds.")
    _entries_insert(txn, entries)
    _accounts_save(accounts[a] for a in touched)


# ---------------------------------------------------------------------------------------------------- the INSERTs
#
# The transaction row and its entries are written as plain parametrized INSERTs through the connection's cursor:
# building them with `Transaction.objects.create` and `Entry.objects.bulk_create` (model instances, the SQL
# compiler, per-field preparation) was most of a transfer's remaining client CPU (see bench/README.md). The column
# lists come from the models' _meta, and the values are matched to them by attname, checked at import: a field
# added to either model without being written here stops the import instead of being silently left out. Values
# whose form differs between backends (the UUID key, the JSON metadata, the timestamps) go through the field's own
# `get_db_prep_save`, as the ORM would send them; the rest are ints and strings that both drivers take as they are.
# Errors surface exactly as the ORM's did: the cursor wraps them in django.db's classes (a taken key is an
# IntegrityError whose cause has sqlstate 23505, or SQLite's "UNIQUE constraint failed"), and the rows are
# ordinary rows to the immutability triggers.


def _insert_columns(model, attnames: Sequence[str]) -> str:
    """`INSERT INTO "table" ("col", ...) VALUES ` for `attnames`, which must be exactly the model's concrete fields
    less an auto-increment key (that one the database assigns)."""
    meta = model._meta
    columns = {field.attname: field.column for field in meta.concrete_fields if field is not meta.auto_field}
    if sorted(attnames) != sorted(columns):
        raise ImproperlyConfigured(
            f"ledger.services writes {meta.label} rows as {sorted(attnames)} but the model has {sorted(columns)}"
        )
    # Double quotes are how both supported backends (PostgreSQL and SQLite) quote names, as the ORM does.
    quoted = ", ".join(f'"{columns[a]}"' for a in attnames)
    return f'INSERT INTO "{meta.db_table}" ({quoted}) VALUES '  # noqa: S608 - names from _meta, values bound


def _placeholders(columns: int, rows: int) -> str:
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([row] * rows)


# Every column of a transaction, in the model's field order (which is also `from_db`'s order).
_TXN_ATTNAMES = tuple(field.attname for field in Transaction._meta.concrete_fields)
_TXN_INSERT = _insert_columns(Transaction, _TXN_ATTNAMES) + _placeholders(len(_TXN_ATTNAMES), 1)
_TXN_PREPARE = tuple(Transaction._meta.get_field(a).get_db_prep_save for a in _TXN_ATTNAMES)
_TXN_NEW_ID = Transaction._meta.pk.get_default  # uuid4, the model's own default

_ENTRY_ATTNAMES = ("transaction_id", "account_id", "amount", "currency", "balance_after", "created_at")
_ENTRY_INSERT = _insert_columns(Entry, _ENTRY_ATTNAMES)
_ENTRY_ROWS_PER_INSERT = 100  # far below SQLite's and PostgreSQL's bound-parameter limits
_ENTRY_INSERTS = {n: _ENTRY_INSERT + _placeholders(len(_ENTRY_ATTNAMES), n) for n in range(1, 9)}
_ENTRY_PREPARE_TXN = Entry._meta.get_field("transaction_id").get_db_prep_save
_ENTRY_PREPARE_CREATED = Entry._meta.get_field("created_at").get_db_prep_save


def _transaction_insert(
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


def _entries_insert(txn: Transaction, entries: Sequence[tuple[int, int, str, int]]) -> None:
    """INSERT the entries (account id, amount, currency, balance after) of `txn` in the given order (their ids
    ascend in it), stamped with the transaction's `created_at`."""
    db = _db()
    txn_id = _ENTRY_PREPARE_TXN(txn.pk, db)
    created_at = _ENTRY_PREPARE_CREATED(txn.created_at, db)
    with db.cursor() as cursor:
        for start in range(0, len(entries), _ENTRY_ROWS_PER_INSERT):
            chunk = entries[start : start + _ENTRY_ROWS_PER_INSERT]
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


def _accounts_save(accounts: Iterable[Account]) -> None:
    """Write the new running totals of accounts locked by this transaction, in one statement.

    The SQL is made once per number of accounts: `bulk_update` builds the same CASE expressions, and compiling them
    was a quarter to a third of a transfer's client time; one plain UPDATE per account sent with `executemany` (a
    psycopg pipeline) still cost about twice this one statement (see bench/README.md). The rows are all locked
    already (`_lock_accounts`), so the order in which the statement visits them cannot matter."""
    accounts = list(accounts)
    if not accounts:
        return
    params = [value for a in accounts for value in (a.pk, a.balance)]
    params += [value for a in accounts for value in (a.pk, a.held)]
    params += [a.pk for a in accounts]
    sql = _ACCOUNT_TOTALS_UPDATES.get(len(accounts)) or _totals_update_sql(len(accounts))
    with _db().cursor() as cursor:
        cursor.execute(sql, params)


def transaction_post(
    *, kind: str, idempotency_key: str, postings: Sequence[Posting], reference: str = "", metadata: dict | None = None
) -> Transaction:
    """Post a balanced set of postings as one transaction. The returned row has `.replayed` True on a replay."""
    net = _merge(postings)
    if not net:
        raise ValueError("a transaction moves some money")
    legs = _net_legs(net)
    fingerprint = _fingerprint(kind, legs)
    try:
        with transaction.atomic():
            # Locks first, key second: a call that waits on another call's uncommitted key can then hold no account
            # lock that the other call still needs for its move (it took all of them before its insert), even when
            # the waiter's outer transaction holds locks already; a replay race ends in the first result, never in
            # a deadlock.
            accounts = _lock_accounts(net)
            # The insert comes before the balance check: a repeat of a move that has since drained the wallet is a
            # replay (the unique key refuses it here), not insufficient funds.
            txn = _transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={})
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        return _replay_or_raise(error, idempotency_key, fingerprint)
    txn.replayed = False
    return txn


def transfer(
    *,
    source: Account,
    destination: Account,
    amount: int,
    kind: str,
    idempotency_key: str,
    reference: str = "",
    metadata: dict | None = None,
) -> Transaction:
    if amount <= 0:
        raise ValueError("a transfer moves a positive amount")
    return transaction_post(
        kind=kind,
        idempotency_key=idempotency_key,
        reference=reference,
        metadata=metadata,
        postings=[Posting(source, -amount), Posting(destination, amount)],
    )


def transaction_reverse(
    *,
    original: Transaction,
    idempotency_key: str,
    kind: str = "reversal",
    reference: str = "",
    metadata: dict | None = None,
) -> Transaction:
    """Post the exact opposite of `original`, at most once (a second reversal under another key is refused)."""
    # Entry for entry, in the original's order: the opposite of every leg, even where legs on one account net out.
    legs = [
        (account_id, -amount)
        for account_id, amount in original.entries.order_by("id").values_list("account_id", "amount")
    ]
    if not legs:
        raise ValueError(f"transaction {original.pk} has no entries to reverse")
    fingerprint = _fingerprint(kind, legs, extra=f"reverses:{original.pk}")
    try:
        with transaction.atomic():
            accounts = _lock_accounts(account_id for account_id, _ in legs)
            txn = _transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or original.reference,
                reverses=original,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={})
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        if not _is_unique_violation(error):
            raise
        # A replay violates both the key and the one-reversal rule; which one PostgreSQL reports is not fixed, so
        # the key is looked at first.
        existing = _replayed(Transaction, idempotency_key, fingerprint)
        if existing is not None:
            return existing
        if Transaction.objects.filter(reverses=original).exists():
            raise AlreadyReversed(f"Transaction {original.pk} was already reversed.") from None
        raise
    txn.replayed = False
    return txn


# ---------------------------------------------------------------------------------------------------- holds


def hold_reserve(
    *, account: Account, amount: int, idempotency_key: str, reference: str = "", expires_at: datetime | None = None
) -> Hold:
    """Reserve `amount` on `account` so that `available = balance - held` drops at once."""
    if amount <= 0:
        raise ValueError("a hold reserves a positive amount")
    try:
        with transaction.atomic():
            locked = _lock_accounts([account.pk])[account.pk]
            # The insert comes before the balance check so that a replay is recognised as one (see transaction_post).
            hold = Hold.objects.create(
                account=locked,
                amount=amount,
                currency=locked.currency,
                idempotency_key=idempotency_key,
                reference=reference,
                expires_at=expires_at,
            )
            locked.held += amount
            if locked.non_negative and locked.balance < locked.held:
                raise InsufficientFunds(f"Account {locked.code} has not enough available funds.")
            Account.objects.filter(pk=locked.pk).update(held=locked.held)
    except IntegrityError as error:
        if not _is_unique_violation(error):
            raise
        existing = Hold.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        if (existing.account_id, existing.amount) != (account.pk, amount):
            raise LedgerKeyConflict(f"Hold key {idempotency_key!r} was used for another reservation.") from None
        # The hold as it is now: a replay after a capture or release shows that outcome.
        existing.replayed = True
        return existing
    hold.replayed = False
    return hold


def _locked_hold(hold_id, account_ids: Iterable[int]) -> tuple[Hold, dict[int, Account]]:
    accounts = _lock_accounts(account_ids)
    return Hold.objects.select_for_update().get(pk=hold_id), accounts


def hold_capture(
    *,
    hold: Hold,
    destination: Account,
    idempotency_key: str,
    kind: str,
    amount: int | None = None,
    reference: str = "",
    extra_postings: Sequence[Posting] = (),
    metadata: dict | None = None,
) -> Transaction:
    """Capture `amount` (default all) of an active hold into `destination`, in one transaction with any extra
    postings (a spin captures the bet and credits the payout together). The rest of the hold is released."""
    amount = hold.amount if amount is None else amount
    _check_amount(amount)
    if not 0 < amount <= hold.amount:
        raise ValueError("a capture takes between one minor unit and the whole hold")
    if destination.pk == hold.account_id:
        raise ValueError("a hold is captured into another account; to give it back, release it")
    postings = [(hold.account_id, -amount), (destination.pk, amount)]
    for posting in extra_postings:
        _check_amount(posting.amount)
        postings.append((posting.account.pk, posting.amount))
    # Gross legs, one entry per posting: a spin's bet and its payout stay two lines on the wallet and on the
    # provider's clearing account (turnover and wins are reported separately, and a payout equal to the bet is
    # still on record), never netted into one.
    legs = [(account_id, leg) for account_id, leg in postings if leg]
    net = {account_id for account_id, _ in legs}
    fingerprint = _fingerprint(kind, legs, extra=f"hold:{hold.pk}")
    try:
        with transaction.atomic():
            locked_hold, accounts = _locked_hold(hold.pk, [*net, hold.account_id])
            if locked_hold.status != HoldStatus.ACTIVE:
                # A repeat of the capture that closed this hold returns that capture; anything else is refused.
                replay = _replayed(Transaction, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
                raise HoldNotActive(f"Hold {hold.pk} is {locked_hold.status}; it cannot be captured.")
            txn = _transaction_insert(
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                kind=kind,
                reference=reference or locked_hold.reference,
                metadata=metadata,
            )
            _apply(txn=txn, legs=legs, accounts=accounts, held_delta={locked_hold.account_id: -locked_hold.amount})
            Hold.objects.filter(pk=locked_hold.pk).update(
                status=HoldStatus.CAPTURED, captured_amount=amount, capture_transaction=txn, closed_at=timezone.now()
            )
            _count_committed(kind, legs, accounts)
    except IntegrityError as error:
        return _replay_or_raise(error, idempotency_key, fingerprint)
    txn.replayed = False
    return txn


def hold_release(*, hold: Hold, status: str = HoldStatus.RELEASED) -> Hold:
    """Give a hold's amount back to the available balance. Releasing twice is a no-op; after a capture, refused."""
    with transaction.atomic():
        locked_hold, accounts = _locked_hold(hold.pk, [hold.account_id])
        if locked_hold.status in (HoldStatus.RELEASED, HoldStatus.EXPIRED):
            return locked_hold
        if locked_hold.status == HoldStatus.CAPTURED:
            raise HoldNotActive(f"Hold {hold.pk} was captured; it cannot be released.")
        account = accounts[locked_hold.account_id]
        Account.objects.filter(pk=account.pk).update(held=account.held - locked_hold.amount)
        locked_hold.status, locked_hold.closed_at = status, timezone.now()
        locked_hold.save(update_fields=["status", "closed_at"])
    return locked_hold


def holds_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Release every active hold past its expiry (run by a periodic task)."""
    now = now or timezone.now()
    due = list(Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now).order_by("expires_at")[:limit])
    expired = 0
    for hold in due:
        try:
            released = hold_release(hold=hold, status=HoldStatus.EXPIRED)
        except HoldNotActive:  # captured meanwhile: nothing to expire
            continue
        expired += released.status == HoldStatus.EXPIRED
    return expired
