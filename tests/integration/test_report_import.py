"""Bulk import of reports: validation of every row, COPY, idempotent re-import."""

import gzip
import json
from datetime import UTC, datetime

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from est.errors import NotFound, ValidationError
from est.models import Category, Report, report_reason
from est.models.audit import AuditEvent
from est.models.core import RECEIPT_ALPHABET
from est.services.imports import IMPORT_KEY_PREFIX, import_reports

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def write(tmp_path, text, name="reports.csv", gz=False):
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def imported(db_session) -> list[Report]:
    return list(db_session.scalars(select(Report).where(Report.source == "import")
                                   .order_by(Report.occurred_at)))


def run(db_session, path, **kw):
    kw.setdefault("area_code", "1861")
    kw.setdefault("now", NOW)
    return import_reports(db_session, path, **kw)


@pytest.fixture
def area(make_area):
    return make_area()


VALID_CSV = (
    "lon,lat,occurred_at,category\n"
    "15.1122,59.0651,2025-03-07 22:30,klotter\n"
    "15.1088,59.0672,2025-03-08T01:00:00+00:00,skadegorelse\n"
    "15.1040,59.0690,2025-03-09,belysning\n"
)


def test_valid_csv_is_stored_with_source_status_precision_area_and_key(db_session, area,
                                                                       tmp_path):
    result = run(db_session, write(tmp_path, VALID_CSV))
    assert (result.rows, result.new, result.present, result.date_only) == (3, 3, 0, 1)
    assert result.by_category == {"klotter": 1, "skadegorelse": 1, "belysning": 1}
    rows = imported(db_session)
    assert len(rows) == 3
    assert {(r.status, r.source, r.area_id, r.visibility) for r in rows} == {
        ("reviewed", "import", area.id, "staff")}
    first, second, third = rows
    # 22:30 Stockholm (UTC+1 in March) is 21:30 UTC; an explicit offset is kept.
    assert first.occurred_at == datetime(2025, 3, 7, 21, 30, tzinfo=UTC)
    assert second.occurred_at == datetime(2025, 3, 8, 1, 0, tzinfo=UTC)
    assert [r.time_precision for r in rows] == ["exact", "exact", "unknown"]
    assert third.occurred_at == datetime(2025, 3, 8, 23, 0, tzinfo=UTC)  # local midnight
    assert (first.kind, third.kind) == ("incident", "otrygghet")
    point = to_shape(first.geom)
    assert (point.x, point.y) == (15.1122, 59.0651)
    assert all(r.idempotency_key.startswith(IMPORT_KEY_PREFIX) and len(r.idempotency_key) == 71
               for r in rows)
    reasons = db_session.execute(select(report_reason)).all()
    assert reasons == [(third.id, third.category_id)]
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "created")).all()
    assert {e.report_id for e in events} == {r.id for r in rows}
    assert events[0].note == "Importerad från reports.csv"
    assert events[0].new["source"] == "import"


def test_geojson_points_with_properties(db_session, area, tmp_path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
         "properties": {"datum": "2025-03-07T22:30:00", "kategori": "Narkotika"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.11, 59.07]},
         "properties": {"datum": "2025-04-01", "kategori": "Dålig belysning",
                        "kind": "otrygghet"}},
    ]
    path = write(tmp_path, json.dumps({"type": "FeatureCollection", "features": features}),
                 name="rapporter.geojson")
    result = run(db_session, path)
    assert (result.rows, result.new) == (2, 2)
    rows = imported(db_session)
    assert [r.category.code for r in rows] == ["narkotika", "belysning"]
    assert [r.time_precision for r in rows] == ["exact", "unknown"]


def test_swedish_labels_semicolons_and_decimal_commas(db_session, area, tmp_path,
                                                      make_organisation):
    org = make_organisation("Hallbo AB", kind="bostadsbolag", area=area)
    path = write(tmp_path, "Longitud;Latitud;Datum;Kategori;Typ\n"
                           "15,1122;59,0651;2025-03-07 22:30;Skadegörelse;händelse\n"
                           "15,1130;59,0660;07.03.2025;NEDSKRÄPNING;\n"
                           "15,1140;59,0670;2025/03/08 10:15;Dålig belysning;Otrygghet\n",
                 name="historik.csv.gz", gz=True)
    result = run(db_session, path, columns="kind=Typ", organisation="hallbo ab")
    assert (result.new, result.date_only) == (3, 1)
    rows = imported(db_session)
    assert [r.category.code for r in rows] == ["nedskrapning", "skadegorelse", "belysning"]
    assert {r.organisation_id for r in rows} == {org.id}
    assert to_shape(rows[1].geom).x == pytest.approx(15.1122)


def test_org_column_overrides_the_default_organisation(db_session, area, tmp_path,
                                                       make_organisation):
    police = make_organisation("Polisen Hallsberg", kind="polis")
    school = make_organisation("Alléskolan", kind="skola")
    path = write(tmp_path, "lon,lat,date,category,organisation\n"
                           "15.11,59.06,2025-03-07 10:00,klotter,Polisen Hallsberg\n"
                           "15.11,59.07,2025-03-07 11:00,klotter,\n")
    run(db_session, path, organisation=str(school.id))
    assert [r.organisation_id for r in imported(db_session)] == [police.id, school.id]


def test_reimport_adds_nothing_and_identical_rows_stay_separate(db_session, area, tmp_path):
    path = write(tmp_path, VALID_CSV + "15.1122,59.0651,2025-03-07 22:30,klotter\n")
    first = run(db_session, path)
    assert (first.new, first.present) == (4, 0)
    again = run(db_session, path)
    assert (again.new, again.present) == (0, 4)
    assert len(imported(db_session)) == 4
    # The same report written differently (label, decimal comma, UTC offset) is the same row.
    other = write(tmp_path, "lon;lat;time;category\n15,1122;59,0651;2025-03-07T21:30Z;Klotter\n"
                            "15,1;59,05;2025-05-01 08:00;Klotter\n", name="other.csv")
    third = run(db_session, other)
    assert (third.new, third.present) == (1, 1)
    assert len(imported(db_session)) == 5


def test_dry_run_writes_nothing_but_counts(db_session, area, tmp_path):
    path = write(tmp_path, VALID_CSV)
    result = run(db_session, path, dry_run=True)
    assert (result.new, result.present, result.dry_run) == (3, 0, True)
    assert imported(db_session) == []
    run(db_session, path)
    again = run(db_session, path, dry_run=True)
    assert (again.new, again.present) == (0, 3)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("abc,59.06,2025-03-07,klotter", "line 3: longitude 'abc' is not a number"),
        ("15.11,99.0,2025-03-07,klotter", "line 3: coordinates .* out of range"),
        ("674000,6546000,2025-03-07,klotter", "line 3: coordinates .* out of range"),
        ("15.50,59.06,2025-03-07,klotter", r"line 3: \(15.5, 59.06\) is outside Hallsberg "
                                           r"\(1861\)\n"),
        ("59.06,15.11,2025-03-07,klotter", "line 3: .* outside Hallsberg .*swapped"),
        ("15.11,59.06,igår,klotter", "line 3: time 'igår' is not a date/time"),
        ("15.11,59.06,,klotter", "line 3: time is empty"),
        ("15.11,59.06,2025-06-02 09:00,klotter", "line 3: time 2025-06-02 09:00 is in the future"),
        ("15.11,59.06,2025-06-02,klotter", "line 3: time 2025-06-02 00:00 is in the future"),
        ("15.11,59.06,2025-03-07,graffiti", "line 3: category 'graffiti' is unknown\n"
                                            "(?s:.*)Known categories.*incident: skadegorelse, "
                                            "klotter.*otrygghet: belysning"),
        ("15.11,59.06,2025-03-07,", "line 3: category is empty"),
    ],
)
def test_each_rejection_rule_names_the_line_and_writes_nothing(db_session, area, tmp_path,
                                                               row, message):
    path = write(tmp_path, "lon,lat,date,category\n15.11,59.06,2025-03-07,klotter\n" + row + "\n")
    with pytest.raises(ValidationError, match=message) as info:
        run(db_session, path)
    assert "1 of 2 rows have errors; nothing was imported" in str(info.value)
    assert imported(db_session) == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("klotter,otrygghet,", "category 'klotter' is incident, not otrygghet"),
        ("klotter,brott,", "kind 'brott' is not one of incident, otrygghet"),
        ("klotter,,Okänd förening", "organisation 'Okänd förening' is unknown"),
    ],
)
def test_kind_and_organisation_columns_are_checked(db_session, area, tmp_path, row, message):
    path = write(tmp_path, f"lon,lat,date,category,kind,org\n15.11,59.06,2025-03-07,{row}\n")
    with pytest.raises(ValidationError, match=f"line 2: {message}"):
        run(db_session, path)
    assert imported(db_session) == []


def test_all_errors_are_counted_and_the_first_ones_listed_by_line(db_session, area, tmp_path):
    rows = "".join(f"15.11,59.06,2025-03-{d:02},graffiti\n" for d in range(1, 16))
    # a blank line and a quoted field over two lines shift the line numbers of later rows
    path = write(tmp_path, "lon,lat,date,category\n\n15.11,59.06,2025-03-07,\"klot\nter\"\n"
                           + rows)
    with pytest.raises(ValidationError) as info:
        run(db_session, path)
    text = str(info.value)
    assert "16 of 16 rows have errors" in text
    assert "line 3: category 'klot\\nter' is unknown" in text
    assert "line 5: category 'graffiti' is unknown" in text
    assert "line 13:" in text and "line 14:" not in text
    assert "and 6 more" in text
    assert imported(db_session) == []


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("lon,lat,category\n15.11,59.06,klotter\n", "a.csv", "no time column"),
        ("lon,lat,date\n15.11,59.06,2025-03-07\n", "a.csv", "no category column"),
        ("a,b\n1,2\n", "a.csv", "no lon or lat column"),
        ("lon,lat,date,category\n", "a.csv", "no rows"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
         '{"type": "LineString", "coordinates": [[15.1, 59.0], [15.2, 59.1]]}, '
         '"properties": {"date": "2025-03-07", "category": "klotter"}}]}', "a.geojson",
         "feature 1: geometry is LineString, not a Point"),
        ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
         '"urn:ogc:def:crs:EPSG::3006"}}, "features": []}', "a.geojson", "convert it to WGS84"),
        ("{not json", "a.geojson", "cannot read .* as GeoJSON"),
    ],
)
def test_bad_files_are_rejected_whole(db_session, area, tmp_path, text, name, message):
    with pytest.raises(ValidationError, match=message):
        run(db_session, write(tmp_path, text, name=name))
    assert imported(db_session) == []


def test_bad_options_are_rejected(db_session, area, tmp_path):
    path = write(tmp_path, VALID_CSV)
    with pytest.raises(NotFound, match="No municipality with code 0180"):
        run(db_session, path, area_code="0180")
    with pytest.raises(ValidationError, match="no organisation 'Nobody'"):
        run(db_session, path, organisation="Nobody")
    with pytest.raises(ValidationError, match="not a known IANA time zone"):
        run(db_session, path, tz="Mars/Olympus")
    with pytest.raises(ValidationError, match="does not exist"):
        run(db_session, tmp_path / "missing.csv")
    with pytest.raises(ValidationError, match="not one of"):
        run(db_session, path, columns="colour=red")
    assert imported(db_session) == []


def test_another_municipality_is_checked_against_its_own_outline(db_session, make_area,
                                                                 tmp_path):
    make_area()
    orebro = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    path = write(tmp_path, "lon,lat,date,category\n15.2,59.27,2025-03-07 12:00,klotter\n")
    with pytest.raises(ValidationError, match="outside Hallsberg"):
        run(db_session, path)
    result = run(db_session, path, area_code="1880")
    assert result.new == 1 and imported(db_session)[0].area_id == orebro.id


def test_big_files_report_progress(db_session, area, tmp_path):
    lines = [f"{15.06 + (i % 100) * 0.001:.4f},{59.04 + (i // 100) * 0.0005:.4f},"
             f"2025-0{1 + i % 5}-{1 + i % 28:02} {i % 24:02}:{i % 60:02},klotter"
             for i in range(12_000)]
    path = write(tmp_path, "lon,lat,date,category\n" + "\n".join(lines) + "\n")
    messages: list[str] = []
    result = run(db_session, path, progress=messages.append)
    assert result.new == 12_000
    assert db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.source == "import")) == 12_000
    assert messages[0].startswith("read 12,000 rows") and "stored 12,000" in messages[-1]


def test_copy_text_escapes_the_file_name_and_receipts_are_unique(db_session, area, tmp_path):
    name = "rapporter\t2025\\mars.csv"
    run(db_session, write(tmp_path, VALID_CSV, name=name))
    rows = imported(db_session)
    events = {e.report_id: e for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "created"))}
    for report in rows:
        event = events[report.id]
        assert event.note == f"Importerad från {name}"
        point = to_shape(report.geom)
        assert event.new == {"status": "reviewed", "source": "import",
                             "category": db_session.get(Category, report.category_id).code,
                             "lon": point.x, "lat": point.y}
    refs = [r.receipt_ref for r in rows]
    assert len(set(refs)) == 3 and all(len(r) == 8 and set(r) <= set(RECEIPT_ALPHABET)
                                       for r in refs)
