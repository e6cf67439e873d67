"""Organisations and categories: create and change them, with validation and audit."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est.access import Actor
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Area, Category, Organisation
from est.models.core import ORGANISATION_KINDS, REPORT_KINDS
from est.services.admin import changes, record, require_admin

ORGANISATION_KIND_LABELS = {
    "kommun": "kommun", "polis": "polis", "bostadsbolag": "bostadsbolag", "skola": "skola",
    "socialtjanst": "socialtjänst", "vaktare": "väktare", "fritid": "fritidsverksamhet",
    "annan": "annan",
}
KIND_LABELS = {"incident": "händelse", "otrygghet": "otrygghet (anledning)"}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_]{1,62}$")


def _text(value, field: str, label: str, errors: dict[str, str], *, limit: int = 200,
          required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        errors[field] = f"Skriv {label}."
    elif len(text) > limit:
        errors[field] = f"Högst {limit} tecken."
    return text


def _flag(value) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "ja")


def _clean_organisation(session: Session, data, current: Organisation | None) -> dict:
    errors: dict[str, str] = {}
    name = _text(data.get("name"), "name", "organisationens namn", errors)
    kind = (data.get("kind") or "").strip()
    if kind not in ORGANISATION_KINDS:
        errors["kind"] = "Välj en typ i listan."
    area_text = (data.get("area_id") or "").strip()
    area_id = None
    if area_text:
        area = session.get(Area, int(area_text)) if area_text.isdigit() and \
            len(area_text) < 10 else None
        if area is None or area.kind != "municipality":
            errors["area_id"] = "Välj en kommun i listan."
        else:
            area_id = area.id
    if name and "name" not in errors:
        clash = session.scalar(select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower()))
        if clash is not None and (current is None or clash != current.id):
            errors["name"] = "Det finns redan en organisation med det namnet."
    if errors:
        raise ValidationError(errors)
    return {"name": name, "kind": kind, "area_id": area_id,
            "public_opt_in": _flag(data.get("public_opt_in"))}


def create_organisation(session: Session, actor: Actor | None, data) -> Organisation:
    """Create an organisation (name, kind, municipality, public opt-in)."""
    admin = require_admin(actor)
    values = _clean_organisation(session, data, None)
    with transaction(session):
        org = Organisation(**values)
        session.add(org)
        session.flush()
        record(session, admin, "org_created", org.name, new=values)
    return org


def update_organisation(session: Session, actor: Actor | None, org_id: int,
                        data) -> Organisation:
    """Change an organisation's name, kind, municipality and public opt-in."""
    admin = require_admin(actor)
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("Organisationen finns inte.")
    values = _clean_organisation(session, data, org)
    before = {k: getattr(org, k) for k in values}
    old, new = changes(before, values)
    with transaction(session):
        for key, value in values.items():
            setattr(org, key, value)
        if new:
            record(session, admin, "org_changed", org.name, old=old, new=new)
    return org


def list_all_categories(session: Session) -> list[Category]:
    """Return every category, active or not, in display order."""
    return list(session.scalars(select(Category).order_by(Category.kind, Category.sort_order,
                                                          Category.id)))


def _clean_category(session: Session, data, current: Category | None) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    if current is None:
        code = (data.get("code") or "").strip().lower()
        if not _CODE.match(code):
            errors["code"] = ("Koden ska ha 2–63 tecken: små bokstäver a–z, siffror och _ "
                              "(till exempel cykelstold).")
        elif session.scalar(select(Category.id).where(Category.code == code)) is not None:
            errors["code"] = "Det finns redan en kategori med den koden."
        values["code"] = code
    values["label_sv"] = _text(data.get("label_sv"), "label_sv", "en svensk benämning", errors)
    values["label_en"] = _text(data.get("label_en"), "label_en", "en engelsk benämning",
                               errors)
    kind = (data.get("kind") or "").strip()
    if kind not in REPORT_KINDS:
        errors["kind"] = "Välj händelse eller otrygghet."
    values["kind"] = kind
    order_text = (data.get("sort_order") or "0").strip()
    if not (order_text.lstrip("-").isdigit() and -999 <= int(order_text) <= 9999):
        errors["sort_order"] = "Ange ett heltal från -999 till 9999."
    else:
        values["sort_order"] = int(order_text)
    values["active"] = _flag(data.get("active"))
    if errors:
        raise ValidationError(errors)
    return values


def create_category(session: Session, actor: Actor | None, data) -> Category:
    """Create a category (code, Swedish and English labels, kind, order, active)."""
    admin = require_admin(actor)
    values = _clean_category(session, data, None)
    with transaction(session):
        category = Category(**values)
        session.add(category)
        session.flush()
        record(session, admin, "category_created", category.code, new=values)
    return category


def update_category(session: Session, actor: Actor | None, category_id: int,
                    data) -> Category:
    """Change a category's labels, kind, order and active flag (the code stays).

    Changing the kind of a category that reports already use is refused: those reports
    would change meaning.
    """
    admin = require_admin(actor)
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("Kategorin finns inte.")
    values = _clean_category(session, data, category)
    if values["kind"] != category.kind:
        from est.models import Report
        if session.scalar(select(Report.id).where(Report.category_id == category.id)
                          .limit(1)) is not None:
            raise ValidationError("Kategorin används i rapporter; typen kan inte ändras.",
                                  field="kind")
    before = {k: getattr(category, k) for k in values}
    old, new = changes(before, values)
    with transaction(session):
        for key, value in values.items():
            setattr(category, key, value)
        if new:
            record(session, admin, "category_changed", category.code, old=old, new=new)
    return category
