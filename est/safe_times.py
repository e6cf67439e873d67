"""Read stored times through a guard, so one bad row cannot take a list page down.

psycopg raises ``DataError: timestamp too small`` on a BC time (and cannot hold a year past
9999), so a single such row (stored before the CHECK constraints of migration 0008, or
loaded around them) would turn every page that lists it into a 500. Lists select these
columns through :func:`readable` instead: a time outside ``[EARLIEST_DATE, 9999-01-01)``
arrives as ``None``, which pages show as "ogiltig tid".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, literal_column, null, select
from sqlalchemy.orm import Session, defer
from sqlalchemy.orm.attributes import set_committed_value

from est.models.core import EARLIEST_DATE

REPORT_TIMES = ("occurred_at", "occurred_until", "reported_at")


def readable(column: Any) -> ColumnElement:
    """Return ``column`` where it lies in the readable window, else NULL (same type)."""
    low: ColumnElement[Any] = literal_column(f"'{EARLIEST_DATE}'::timestamptz")
    high: ColumnElement[Any] = literal_column("'9999-01-01'::timestamptz")
    return case((column.between(low, high), column), else_=null())


def with_readable_times(stmt: Select, entity: Any,
                        names: Sequence[str] = REPORT_TIMES) -> Select:
    """Defer ``entity``'s time columns and append guarded copies at the end of each row."""
    return (stmt.options(*(defer(getattr(entity, name)) for name in names))
            .add_columns(*(readable(getattr(entity, name)) for name in names)))


def take_readable_times(row: Sequence[Any], names: Sequence[str] = REPORT_TIMES) -> tuple:
    """Return ``row`` without the guarded times, which are set on its first item (the entity)."""
    head, times = tuple(row[:-len(names)]), row[-len(names):]
    for name, value in zip(names, times, strict=True):
        set_committed_value(head[0], name, value)
    return head


def get_readable(session: Session, entity: Any, ident: Any,
                 names: Sequence[str] = REPORT_TIMES) -> Any:
    """Return ``session.get(entity, ident)`` with its times read through :func:`readable`."""
    stmt = with_readable_times(select(entity).where(entity.id == ident), entity, names)
    row = session.execute(stmt).first()
    return None if row is None else take_readable_times(row, names)[0]
