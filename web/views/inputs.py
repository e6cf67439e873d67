"""Lägesbild inputs (``/underlag``): every source with period and n, dialogues, survey upload."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from est import format as sv
from est.errors import ValidationError
from est.inputs import bra, dialogues, kolada, police, population
from est.inputs.sources import declared_sources
from est.inputs.summary import other_information
from est.inputs.surveys import FIELDS as SURVEY_FIELDS
from est.inputs.surveys import TITLES as SURVEY_TITLES
from est.inputs.surveys import import_survey
from est.models import Category
from est.models.audit import Place
from est.queries import area_by_code
from web import maps
from web.auth import current_actor, permission_required
from web.db import get_session
from web.guards import arg_date
from web.views.report_public import location_map
from web.views.tenancy import current_code

bp = Blueprint("inputs", __name__)
MAX_UPLOAD = 5 * 1024 * 1024
BLANK_ROWS = 3
MEASURE_LABELS = {"problem_index": "Problemindex (0–6)", "share_agree": "Andel som instämmer",
                  "share": "Andel", "index": "Index"}


def _settings():
    return current_app.config["EST_SETTINGS"]


def _municipality():
    return area_by_code(get_session(), current_code())


def _period() -> tuple[date, date]:
    today = datetime.now(_settings().tz).date()
    start = arg_date("from", date(today.year, 1, 1))
    end = arg_date("to", today)
    assert start is not None and end is not None
    if end < start:
        raise ValidationError("Slutdatum är före startdatum.", field="to")
    return start, end


@bp.get("/underlag")
@permission_required("review.view")
def index():
    """List every lägesbild input with period and n, and the other information's figures."""
    area = _municipality()
    start, end = _period()
    session = get_session()
    from sqlalchemy import select

    from est.inputs.scope import scope_of
    from est.inputs.sources import police_event_filter
    from est.models.inputs import PoliceEvent

    events = list(session.scalars(
        select(PoliceEvent).where(police_event_filter(scope_of(session, area.id), start, end))
        .order_by(PoliceEvent.occurred_at.desc()).limit(50)))
    return render_template(
        "inputs/index.html", area=area, start=start, end=end, sv=sv,
        sources=declared_sources(session, area.id, start, end, _settings().timezone),
        info=other_information(session, area.id, start, end, _settings().timezone),
        events=events, measure_labels=MEASURE_LABELS, survey_titles=SURVEY_TITLES)


@bp.get("/underlag/dialoger")
@permission_required("review.view")
def dialogue_list():
    """List the dialogues of the period with their themes by area and n."""
    area = _municipality()
    start, end = _period()
    session = get_session()
    info = other_information(session, area.id, start, end, _settings().timezone)
    return render_template("inputs/dialogues.html", area=area, start=start, end=end, sv=sv,
                           rows=dialogues.list_dialogues(session, current_actor(), area.id,
                                                         start, end),
                           themes=info["dialogues"])


def _form(values, errors=None, dialogue_id=None, status=200):
    session = get_session()
    area = _municipality()
    places = list(session.scalars(select_places(area.id)))
    lists = {k: (values.getlist(k) if hasattr(values, "getlist") else values.get(k) or [])
             for k in ("participant_group", "participant_count", "theme_category",
                       "theme_free", "theme_mentions", "quote", "place_label", "place_lat",
                       "place_lon", "place_id")}
    map_ = maps.embed(location_map(area, None, input_prefix="np-"))
    return render_template(
        "inputs/dialogue_form.html", area=area, values=values, lists=lists,
        errors=errors or {}, dialogue_id=dialogue_id, blank=BLANK_ROWS,
        areas=dialogues.dialogue_areas(session, area.id),
        categories=list(session.scalars(_categories())), places=places, map=map_,
        kinds=dialogues.KIND_LABELS), status


def select_places(area_id: int):
    """Return the select of the municipality's named places."""
    return (select(Place.id, Place.name, func.ST_Y(Place.geom).label("lat"),
                   func.ST_X(Place.geom).label("lon"))
            .where(Place.area_id == area_id).order_by(Place.sort_order, Place.name))


def _categories():
    return (select(Category).where(Category.active.is_(True))
            .order_by(Category.kind, Category.sort_order, Category.label_sv))


def _merged_form() -> MultiDict:
    """Return the posted form with the map-picked new place appended to the place rows."""
    form = MultiDict(request.form)
    for name in ("place_label", "place_lat", "place_lon", "place_id"):
        extra = request.form.get(f"new_{name}", "")
        form.add(name, extra)
    return form


@bp.route("/underlag/dialoger/ny", methods=["GET", "POST"])
@permission_required("action.manage")
def dialogue_new():
    """Record a medborgar- or medarbetardialog."""
    if request.method == "GET":
        return _form(MultiDict({"kind": "medborgardialog",
                                "area": str(_municipality().id)}))
    values = _merged_form()
    try:
        new_id = dialogues.create_dialogue(get_session(), current_actor(), values)
    except ValidationError as exc:
        return _form(request.form, exc.errors, status=400)
    flash("Dialogen är sparad.", "info")
    return redirect(url_for("inputs.dialogue_show", dialogue_id=new_id))


@bp.get("/underlag/dialoger/<int:dialogue_id>")
@permission_required("review.view")
def dialogue_show(dialogue_id: int):
    """Show one dialogue: participants, themes, quotes and places."""
    d = dialogues.get_dialogue(get_session(), current_actor(), dialogue_id)
    return render_template("inputs/dialogue.html", d=d, sv=sv)


@bp.route("/underlag/dialoger/<int:dialogue_id>/andra", methods=["GET", "POST"])
@permission_required("action.manage")
def dialogue_edit(dialogue_id: int):
    """Edit a dialogue (its themes, quotes and places are replaced as a whole)."""
    session = get_session()
    if request.method == "GET":
        d = dialogues.get_dialogue(session, current_actor(), dialogue_id)
        values = MultiDict()
        for key, value in dialogues.form_values(d).items():
            for item in value if isinstance(value, list) else [value]:
                values.add(key, item)
        return _form(values, dialogue_id=dialogue_id)
    try:
        dialogues.update_dialogue(session, current_actor(), dialogue_id, _merged_form())
    except ValidationError as exc:
        return _form(request.form, exc.errors, dialogue_id=dialogue_id, status=400)
    flash("Dialogen är uppdaterad.", "info")
    return redirect(url_for("inputs.dialogue_show", dialogue_id=dialogue_id))


@bp.route("/underlag/enkater", methods=["GET", "POST"])
@permission_required("action.manage")
def surveys():
    """Upload a survey file (CSV or .xlsx) of one of the three shapes."""
    area = _municipality()
    values = request.form if request.method == "POST" else MultiDict({"kind": "kommun"})
    if request.method == "GET":
        return _survey_page(area, values, {})
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    if not upload or not name:
        return _survey_page(area, values, {"file": "Välj en fil (CSV eller .xlsx)."}, 400)
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        return _survey_page(area, values, {"file": "Filen ska vara CSV eller .xlsx."}, 400)
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _survey_page(area, values, {"file": "Filen är större än 5 MB."}, 400)
    mapping = [p.strip() for p in (values.get("map") or "").split(",") if p.strip()]
    with tempfile.NamedTemporaryFile(suffix=suffix if suffix != ".txt" else ".csv") as fh:
        fh.write(data)
        fh.flush()
        try:
            result = import_survey(get_session(), fh.name, kind=values.get("kind") or "",
                                   period=values.get("period") or "", area_code=area.code,
                                   columns=mapping, title=values.get("title") or None,
                                   source_name=name, imported_by=current_actor().id)
        except ValidationError as exc:
            return _survey_page(area, values, exc.errors, 400)
    flash(f"Enkäten är importerad: {result.results} resultat för {result.areas} områden och "
          f"{result.questions} frågor.", "info")
    return redirect(url_for("inputs.index", **{"from": result.period_start.isoformat(),
                                               "to": result.period_end.isoformat()}))


def _survey_page(area, values, errors, status=200):
    return render_template("inputs/surveys.html", area=area, values=values, errors=errors,
                           titles=SURVEY_TITLES, fields=SURVEY_FIELDS), status


def _police(session, path) -> str:
    r = police.import_police_events(session, path)
    return f"{r.records} händelser: {r.new} nya, {r.updated} uppdaterade."


def _bra(session, path) -> str:
    r = bra.import_bra(session, path)
    return f"{r.rows} värden för {r.crime_types} brottstyper."


def _kolada(session, path) -> str:
    return f"{kolada.import_kolada(session, path).values} värden."


def _population(session, path) -> str:
    return f"{population.import_population(session, path).rows} befolkningstal."


def _deso(session, path) -> str:
    r = population.import_boundaries(session, path)
    return f"{r.created} nya och {r.updated} uppdaterade områden."


# kind: (label, accepted suffixes, import function returning a Swedish summary)
STATISTICS = {
    "police": ("Polisens händelser (JSON från polisen.se)", (".json",), _police),
    "bra": ("Anmälda brott (Excel-export från Brå)", (".xlsx",), _bra),
    "kolada": ("Nyckeltal (JSON från Kolada)", (".json",), _kolada),
    "population": ("Befolkning (SCB, JSON-stat2 eller CSV)", (".json", ".csv"), _population),
    "deso": ("DeSO- eller RegSO-gränser (GeoJSON)", (".geojson", ".json"), _deso),
}
MAX_STATISTICS_UPLOAD = 20 * 1024 * 1024


@bp.route("/underlag/statistik", methods=["GET", "POST"])
@permission_required("action.manage")
def statistics():
    """Upload an official statistics file (polisen.se, Brå, Kolada, SCB) in its own format."""
    values = request.form if request.method == "POST" else MultiDict({"kind": "police"})
    if request.method == "GET":
        return _statistics_page(values, {})
    kind = values.get("kind") or ""
    if kind not in STATISTICS:
        return _statistics_page(values, {"kind": "Välj vilken sorts fil det är."}, 400)
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    if not upload or not name:
        return _statistics_page(values, {"file": "Välj en fil."}, 400)
    suffix = Path(name).suffix.lower()
    label, suffixes, run = STATISTICS[kind]
    if suffix not in suffixes:
        return _statistics_page(values, {"file": f"{label}: filen ska sluta på "
                                                 f"{' eller '.join(suffixes)}."}, 400)
    data = upload.read(MAX_STATISTICS_UPLOAD + 1)
    if len(data) > MAX_STATISTICS_UPLOAD:
        return _statistics_page(values, {"file": "Filen är större än 20 MB."}, 400)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            summary = run(get_session(), path)
        except ValidationError as exc:
            errors = {k: v.replace("upload" + suffix, name) for k, v in exc.errors.items()}
            return _statistics_page(values, errors, 400)
    flash(f"{label}: {summary}", "info")
    return redirect(url_for("inputs.index"))


def _statistics_page(values, errors, status=200):
    return render_template("inputs/statistics.html", values=values, errors=errors,
                           kinds={k: v[0] for k, v in STATISTICS.items()}), status
