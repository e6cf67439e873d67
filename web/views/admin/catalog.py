"""Administration: organisations and categories (create, change), on the admin blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from est.errors import NotFound, ValidationError
from est.models import Area, Category, Organisation
from est.services.admin import catalog
from est.services.users import list_organisations
from web.auth import current_actor, permission_required
from web.db import get_session
from web.views.admin import bp


def _municipalities():
    return list(get_session().scalars(select(Area).where(Area.kind == "municipality")
                                      .order_by(Area.name)))


def _organisations_page(values=None, errors=None, status=200, org=None):
    session = get_session()
    return render_template(
        "admin/organisations.html", organisations=list_organisations(session), org=org,
        values=values or {"kind": "annan"}, errors=errors or {},
        kinds=catalog.ORGANISATION_KIND_LABELS, municipalities=_municipalities(),
        area_names={a.id: a.name for a in _municipalities()}), status


@bp.route("/organisationer", methods=["GET", "POST"])
@permission_required("users.manage")
def organisations():
    """List organisations and create one."""
    if request.method == "GET":
        return _organisations_page()
    try:
        org = catalog.create_organisation(get_session(), current_actor(), request.form)
    except ValidationError as exc:
        return _organisations_page(request.form, exc.errors, 400)
    flash(f"Organisationen {org.name} är skapad.", "info")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisationer/<int:org_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def organisation(org_id: int):
    """Change one organisation."""
    org = get_session().get(Organisation, org_id)
    if org is None:
        raise NotFound("Organisationen finns inte.")
    if request.method == "GET":
        values = {"name": org.name, "kind": org.kind, "area_id": str(org.area_id or ""),
                  "public_opt_in": "1" if org.public_opt_in else ""}
        return _organisations_page(values, org=org)
    try:
        catalog.update_organisation(get_session(), current_actor(), org_id, request.form)
    except ValidationError as exc:
        return _organisations_page(request.form, exc.errors, 400, org=org)
    flash("Ändringarna är sparade.", "info")
    return redirect(url_for("admin.organisations"))


def _categories_page(values=None, errors=None, status=200, category=None):
    return render_template(
        "admin/categories.html", categories=catalog.list_all_categories(get_session()),
        category=category, values=values or {"kind": "incident", "active": "1",
                                             "sort_order": "0"},
        errors=errors or {}, kinds=catalog.KIND_LABELS), status


@bp.route("/kategorier", methods=["GET", "POST"])
@permission_required("users.manage")
def categories():
    """List every category (active or not) and create one."""
    if request.method == "GET":
        return _categories_page()
    try:
        category = catalog.create_category(get_session(), current_actor(), request.form)
    except ValidationError as exc:
        return _categories_page(request.form, exc.errors, 400)
    flash(f"Kategorin {category.label_sv} är skapad.", "info")
    return redirect(url_for("admin.categories"))


@bp.route("/kategorier/<int:category_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def category(category_id: int):
    """Change one category's labels, kind, order and active flag."""
    found = get_session().get(Category, category_id)
    if found is None:
        raise NotFound("Kategorin finns inte.")
    if request.method == "GET":
        values = {"code": found.code, "label_sv": found.label_sv, "label_en": found.label_en,
                  "kind": found.kind, "sort_order": str(found.sort_order),
                  "active": "1" if found.active else ""}
        return _categories_page(values, category=found)
    try:
        catalog.update_category(get_session(), current_actor(), category_id, request.form)
    except ValidationError as exc:
        return _categories_page(request.form, exc.errors, 400, category=found)
    flash("Ändringarna är sparade.", "info")
    return redirect(url_for("admin.categories"))
