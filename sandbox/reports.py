"""The sandbox partners' settlement reports, paged alike: a day's rows (UTC; every day when None) after a cursor,
oldest first, a hundred to a page, and the cursor of the next page ("" on the last). A bad cursor: ValueError."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet

REPORT_PAGE_SIZE = 100


def report_page(rows: QuerySet, *, stamped: str, day: date | None, cursor: str = "", limit: int = REPORT_PAGE_SIZE):
    """One page of `rows`, whose `stamped` field dates them; returns (the page's rows, the next page's cursor)."""
    rows = rows.order_by("id")
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        rows = rows.filter(**{f"{stamped}__gte": start, f"{stamped}__lt": start + timedelta(days=1)})
    if cursor:
        rows = rows.filter(id__gt=int(cursor))
    page = list(rows[: limit + 1])
    return page[:limit], str(page[limit - 1].id) if len(page) > limit else ""
