"""Reads of the ledger: balances, statements, and the audit of every invariant."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from ledger.models import Account, AccountKind, Entry


def wallet_for(*, user, currency: str) -> Account | None:
    return Account.objects.filter(owner=user, currency=currency, kind=AccountKind.PLAYER_WALLET).first()


def account_entries(*, account: Account) -> QuerySet[Entry]:
    """Newest first, with their transactions, ready for cursor pagination on -id."""
    return Entry.objects.filter(account=account).select_related("transaction").order_by("-id")


# Each check is one SQL query that returns the rows that break an invariant (empty = holds).
_AUDIT_CHECKS = {
    "transaction does not sum to zero per currency": """
        SELECT transaction_id, currency, SUM(amount) FROM ledger_entry
        GROUP BY transaction_id, currency HAVING SUM(amount) <> 0""",
    "transaction without entries": """
        SELECT t.id FROM ledger_transaction t
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.transaction_id = t.id)""",
    "entry currency differs from its account": """
        SELECT e.id, e.currency, a.currency FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
        WHERE e.currency <> a.currency""",
    "account balance differs from the sum of its entries": """
        SELECT a.code, a.balance, COALESCE(s.total, 0) FROM ledger_account a
        LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entry GROUP BY account_id) s
            ON s.account_id = a.id
        WHERE a.balance <> COALESCE(s.total, 0)""",
    "account's last balance_after differs from its balance": """
        SELECT a.code, a.balance, e.balance_after FROM ledger_account a
        JOIN ledger_entry e ON e.id = (SELECT MAX(id) FROM ledger_entry WHERE account_id = a.id)
        WHERE e.balance_after <> a.balance""",
    "account held differs from its active holds": """
        SELECT a.code, a.held, COALESCE(h.total, 0) FROM ledger_account a
        LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_hold WHERE status = 'active'
                   GROUP BY account_id) h ON h.account_id = a.id
        WHERE a.held <> COALESCE(h.total, 0)""",
    "wallet below zero": """
        SELECT code, balance, held FROM ledger_account
        WHERE non_negative AND (balance < 0 OR balance - held < 0)""",
}


def ledger_audit() -> list[str]:
    """Every broken invariant as a line of text; an empty list means the ledger is sound."""
    problems = []
    with connection.cursor() as cursor:
        for name, sql in _AUDIT_CHECKS.items():
            cursor.execute(sql)
            for row in cursor.fetchall():
                problems.append(f"{name}: {', '.join(str(v) for v in row)}")
    return problems
