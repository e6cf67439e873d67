"""Category taxonomy: seeding the defaults and listing active categories."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.db import transaction
from est.models import Category
from est.taxonomy import DEFAULT_CATEGORIES


def seed_categories(session: Session) -> int:
    """Add the default categories that are missing; never overwrite edited labels.

    Returns the number of categories added.
    """
    with transaction(session):
        present = set(session.scalars(select(Category.code)))
        added = 0
        for order, (code, kind, label_sv, label_en) in enumerate(DEFAULT_CATEGORIES):
            if code in present:
                continue
            session.add(Category(code=code, kind=kind, label_sv=label_sv, label_en=label_en,
                                 sort_order=order, active=True))
            added += 1
    return added


def list_categories(session: Session, kind: str | None = None,
                    active_only: bool = True) -> list[Category]:
    """Return categories in display order, optionally of one kind."""
    stmt = select(Category).order_by(Category.kind, Category.sort_order, Category.id)
    if kind:
        stmt = stmt.where(Category.kind == kind)
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return list(session.scalars(stmt))
