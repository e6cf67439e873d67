"""Trygghetsvandringar: walks, routes, observations as reports, proposals → actions, reports."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from est import queries
from est.errors import NotFound, PermissionDenied, ValidationError
from est.lagesbild import build_lagesbild
from est.models import Action, Photo, Report, WalkObservation
from est.photos import read_photo
from est.walks import documents, observations, proposals, store, summary

TZ = ZoneInfo("Europe/Stockholm")
STATION = (15.1122, 59.0651)
TORGET = (15.1088, 59.0672)
TUNNEL = (15.1160, 59.0638)


@pytest.fixture(autouse=True)
def photo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))


@pytest.fixture
def town(make_area):
    return make_area()


@pytest.fixture
def coordinator(make_actor, make_organisation, town):
    return make_actor("coordinator", make_organisation("Hallsbergs kommun", area=town))


@pytest.fixture
def walk(db_session, coordinator, town):
    return store.create_walk(db_session, coordinator, {
        "title": "Kvällsvandring centrum", "area_id": town.id,
        "starts_at": (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "light": "morker", "weather": "Regn, 4 grader",
        "participants": {"total": 12, "residents": 9, "age": {"16-25": 3, "65+": 2},
                         "gender": {"kvinna": 7, "man": 5}},
    }, tz=TZ)


def _obs(db_session, actor, walk, point, **kw):
    data = {"lon": point[0], "lat": point[1], **kw}
    return observations.add_observation(db_session, actor, walk.id, data, tz=TZ)


def test_create_walk_keeps_counts_and_defaults(walk, coordinator):
    assert walk.status == "planned"
    assert walk.organiser_id == coordinator.organisation_id
    assert walk.participants == {"total": 12, "residents": 9, "age": {"16-25": 3, "65+": 2},
                                 "gender": {"kvinna": 7, "man": 5}}
    assert walk.light == "morker"


@pytest.mark.parametrize("participants, field", [
    ({"total": "Anna Andersson"}, "participants.total"),
    ({"names": ["Anna", "Bo"]}, "participants"),
    ({"age": {"Anna": 1}}, "participants.age"),
    ({"gender": {"kvinna": "Anna"}}, "participants.gender.kvinna"),
    ({"total": -1}, "participants.total"),
    ({"total": 2, "gender": {"kvinna": 3}}, "participants.gender"),
    ("Anna, Bo och Cecilia", "participants"),
])
def test_participants_are_counts_never_names(db_session, coordinator, town, participants,
                                             field):
    with pytest.raises(ValidationError) as caught:
        store.create_walk(db_session, coordinator, {
            "title": "x", "area_id": town.id, "starts_at": "2026-05-01T18:00",
            "participants": participants}, tz=TZ)
    assert field in caught.value.errors


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"purpose": "x" * 4001}, "purpose"),
    ({"weather": "x" * 201}, "weather"),
    ({"starts_at": "1999-12-31T18:00"}, "starts_at"),
    ({"starts_at": "igår"}, "starts_at"),
    ({"ends_at": "2026-05-01T17:00"}, "ends_at"),
    ({"ends_at": "2026-05-03T18:00"}, "ends_at"),
    ({"light": "natt"}, "light"),
    ({"organiser_id": "999999"}, "organiser_id"),
    ({"area_id": "abc"}, "area_id"),
])
def test_walk_fields_are_bounded(db_session, coordinator, town, data, field):
    base = {"title": "Vandring", "area_id": town.id, "starts_at": "2026-05-01T18:00"}
    with pytest.raises(ValidationError) as caught:
        store.create_walk(db_session, coordinator, {**base, **data}, tz=TZ)
    assert field in caught.value.errors


def test_viewer_cannot_record_and_other_municipality_cannot_see(
        db_session, walk, make_actor, make_area, make_organisation):
    viewer = make_actor("viewer", make_organisation(area=walk_area(db_session, walk)))
    with pytest.raises(PermissionDenied):
        store.set_route(db_session, viewer, walk.id, [list(STATION), list(TORGET)])
    assert store.get_walk(db_session, viewer, walk.id).id == walk.id  # review: may see
    other = make_area("1880", "Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    stranger = make_actor("coordinator", make_organisation(area=other))
    with pytest.raises(NotFound):
        store.get_walk(db_session, stranger, walk.id)


def walk_area(db_session, walk):
    from est.models import Area
    return db_session.get(Area, walk.area_id)


def test_route_from_points_and_appended_positions(db_session, coordinator, walk):
    store.set_route(db_session, coordinator, walk.id, [list(STATION)], append=True)
    store.set_route(db_session, coordinator, walk.id, [list(TORGET), list(TUNNEL)], append=True)
    assert store.route_coords(walk) == [STATION, TORGET, TUNNEL]
    assert walk.status == "in_progress"
    store.set_route(db_session, coordinator, walk.id, [list(TUNNEL), list(STATION)])
    assert store.route_coords(walk) == [TUNNEL, STATION]


@pytest.mark.parametrize("points", [
    [], [[15.1, 59.06]], [[15.1, "x"]], [[200, 59]], [[15.1, 59.06, 3]], "LINESTRING(0 0,1 1)",
    [[0.1, 0.1], [0.2, 0.2]],  # outside the municipality
    [[15.1, 59.06]] * 2 + [[15.1 + i * 1e-5, 59.06] for i in range(5001)],
])
def test_bad_routes_refused(db_session, coordinator, walk, points):
    with pytest.raises(ValidationError) as caught:
        store.set_route(db_session, coordinator, walk.id, points)
    assert "route" in caught.value.errors
    assert walk.route is None


def test_observation_is_a_reviewed_otrygghet_report(db_session, coordinator, walk, category):
    obs = _obs(db_session, coordinator, walk, TUNNEL, safety=2, note="Mörk tunnel",
               ratings={"lighting": 0, "openness": 1, "people": 0},
               reasons=["belysning", "ode_plats"])
    report = db_session.get(Report, obs.report_id)
    assert (report.kind, report.source, report.status) == ("otrygghet", "trygghetsvandring",
                                                           "reviewed")
    assert report.organisation_id == walk.organiser_id
    assert report.occurred_at == obs.observed_at
    assert report.category_id == category("belysning").id
    assert {c.code for c in report.reasons} == {"belysning", "ode_plats"}
    assert report.description == "Mörk tunnel"
    assert obs.ratings == {"lighting": 0, "openness": 1, "people": 0}


def test_incident_category_makes_an_incident_report(db_session, coordinator, walk):
    obs = _obs(db_session, coordinator, walk, STATION, category="klotter", safety=3)
    assert db_session.get(Report, obs.report_id).kind == "incident"


def test_observation_without_reasons_gets_the_other_reason(db_session, coordinator, walk,
                                                           category):
    obs = _obs(db_session, coordinator, walk, STATION, safety=2)
    assert db_session.get(Report, obs.report_id).category_id == category("ovrigt_otrygg").id


def test_safe_place_mark_has_no_report(db_session, coordinator, walk):
    before = db_session.scalar(select(func.count(Report.id)))
    obs = _obs(db_session, coordinator, walk, TORGET, safety=5, safe_place=True,
               ratings={"lighting": 3})
    assert obs.safe_place and obs.report_id is None
    assert db_session.scalar(select(func.count(Report.id))) == before
    with pytest.raises(ValidationError) as caught:
        _obs(db_session, coordinator, walk, TORGET, safe_place=True, reasons=["belysning"])
    assert "safe_place" in caught.value.errors


@pytest.mark.parametrize("data, field", [
    ({"lon": "", "lat": ""}, "location"),
    ({"lon": 0.1, "lat": 0.1}, "location"),
    ({"safety": 6}, "safety"),
    ({"safety": "trygg"}, "safety"),
    ({"ratings": {"lighting": 4}}, "ratings.lighting"),
    ({"ratings": {"smell": 1}}, "ratings"),
    ({"note": "x" * 2001}, "note"),
    ({"reasons": ["okand"]}, "reasons"),
    ({"category": "belysning"}, "category"),
    ({"observed_at": "2999-01-01T10:00"}, "observed_at"),
    ({"observed_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "observed_at"),
])
def test_bad_observations_write_nothing(db_session, coordinator, walk, data, field):
    before = db_session.scalar(select(func.count(Report.id)))
    with pytest.raises(ValidationError) as caught:
        observations.add_observation(db_session, coordinator, walk.id,
                                     {"lon": STATION[0], "lat": STATION[1], **data}, tz=TZ)
    assert field in caught.value.errors
    assert db_session.scalar(select(func.count(Report.id))) == before
    assert db_session.scalar(select(func.count(WalkObservation.id))) == 0


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (90, 90, 90))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 3.0, 50.0), 3: "E", 4: (15.0, 6.0, 40.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_observation_photo_is_stored_clean_and_bad_photo_writes_nothing(db_session,
                                                                        coordinator, walk):
    obs = observations.add_observation(db_session, coordinator, walk.id,
                                       {"lon": STATION[0], "lat": STATION[1]}, tz=TZ,
                                       photo=_jpeg_with_gps())
    photo = db_session.get(Photo, obs.photo_id)
    assert photo.report_id == obs.report_id
    assert len(Image.open(io.BytesIO(read_photo(photo))).getexif()) == 0
    before = db_session.scalar(select(func.count(Report.id)))
    with pytest.raises(ValueError):
        observations.add_observation(db_session, coordinator, walk.id,
                                     {"lon": STATION[0], "lat": STATION[1]}, tz=TZ,
                                     photo=b"not a photo")
    assert db_session.scalar(select(func.count(Report.id))) == before


def test_delete_observation_removes_its_report(db_session, coordinator, walk):
    obs = _obs(db_session, coordinator, walk, STATION, reasons=["belysning"])
    report_id = obs.report_id
    observations.delete_observation(db_session, coordinator, obs.id)
    assert db_session.get(Report, report_id) is None


def test_observations_count_on_review_map_and_in_lagesbild(db_session, coordinator, walk,
                                                           town):
    for point in (STATION, TORGET, TUNNEL):
        _obs(db_session, coordinator, walk, point, reasons=["belysning"], safety=2)
    _obs(db_session, coordinator, walk, STATION, safe_place=True, safety=5)
    now = datetime.now(UTC)
    cells = queries.report_cells(db_session, town.id, now - timedelta(days=1),
                                 now + timedelta(hours=1))
    assert sum(c["otrygghet"] for c in cells) == 3  # the safe mark is not counted
    counts = queries.counts_by_category(db_session, town.id, now - timedelta(days=1),
                                        now + timedelta(hours=1))
    assert ("otrygghet", "Dålig belysning", 3) in counts
    today = datetime.now(TZ).date()
    lb = build_lagesbild(db_session, area_code="1861", start=today - timedelta(days=6),
                         end=today, min_cell=1, audience="internal", hotspots=False)
    assert lb.facts.total == 3


def test_proposal_to_action_links_both_ways(db_session, coordinator, walk, category):
    obs = _obs(db_session, coordinator, walk, TUNNEL, reasons=["belysning"])
    proposal = proposals.add_proposal(db_session, coordinator, obs.id, {
        "measure": "Byt armaturer i tunneln", "horizon": "quick", "priority": "1",
        "organisation_id": walk.organiser_id})
    action = proposals.proposal_to_action(db_session, coordinator, proposal.id,
                                          today=date(2026, 5, 4))
    assert proposal.action_id == action.id and proposal.status == "accepted"
    assert action.title == "Byt armaturer i tunneln"
    assert action.category_id == category("belysning").id
    assert action.geom is not None and "Kvällsvandring centrum" in action.place_name
    link = proposals.proposal_for_action(db_session, action.id)
    assert link["walk_id"] == walk.id and link["proposal"].id == proposal.id
    assert db_session.scalar(select(func.ST_Contains(Action.geom, WalkObservation.geom))
                             .join(WalkObservation, WalkObservation.id == obs.id)
                             .where(Action.id == action.id))
    with pytest.raises(ValidationError):
        proposals.proposal_to_action(db_session, coordinator, proposal.id)
    assert db_session.scalar(select(func.count(Action.id))) == 1


def test_reporter_may_propose_but_not_decide(db_session, walk, make_actor, coordinator):
    reporter = make_actor("reporter", db_session.get(
        __import__("est.models", fromlist=["Organisation"]).Organisation,
        coordinator.organisation_id))
    obs = _obs(db_session, reporter, walk, STATION)
    proposal = proposals.add_proposal(db_session, reporter, obs.id, {"measure": "Klipp buskar"})
    with pytest.raises(PermissionDenied):
        proposals.proposal_to_action(db_session, reporter, proposal.id)
    with pytest.raises(PermissionDenied):
        proposals.update_proposal(db_session, reporter, proposal.id, {"status": "done"})


def test_proposal_follow_up_rejection_needs_reason(db_session, coordinator, walk):
    obs = _obs(db_session, coordinator, walk, STATION)
    proposal = proposals.add_proposal(db_session, coordinator, obs.id, {"measure": "Kamera"})
    with pytest.raises(ValidationError) as caught:
        proposals.update_proposal(db_session, coordinator, proposal.id, {"status": "rejected"})
    assert "reject_reason" in caught.value.errors
    proposals.update_proposal(db_session, coordinator, proposal.id,
                              {"status": "rejected", "reject_reason": "Kameror kräver tillstånd"})
    assert proposal.reject_reason == "Kameror kräver tillstånd"
    with pytest.raises(ValidationError):
        proposals.proposal_to_action(db_session, coordinator, proposal.id)
    proposals.update_proposal(db_session, coordinator, proposal.id, {"status": "in_progress"})
    assert proposal.reject_reason is None
    for bad, field in (({"measure": ""}, "measure"), ({"priority": "9"}, "priority"),
                       ({"horizon": "soon"}, "horizon"), ({"status": "maybe"}, "status"),
                       ({"status": "rejected", "reject_reason": "x" * 1001}, "reject_reason")):
        with pytest.raises(ValidationError) as caught:
            proposals.update_proposal(db_session, coordinator, proposal.id, bad)
        assert field in caught.value.errors


def test_follow_up_dates_and_finish(db_session, coordinator, walk):
    walked = walk.starts_at.date()
    store.set_follow_up(db_session, coordinator, walk.id, {
        "feedback_sent_on": (walked + timedelta(days=14)).isoformat(),
        "rewalk_on": (walked + timedelta(days=180)).isoformat()})
    assert walk.rewalk_on == walked + timedelta(days=180)
    with pytest.raises(ValidationError) as caught:
        store.set_follow_up(db_session, coordinator, walk.id,
                            {"rewalk_on": (walked - timedelta(days=1)).isoformat()})
    assert "rewalk_on" in caught.value.errors
    store.finish_walk(db_session, coordinator, walk.id)
    assert walk.status == "finished" and walk.ends_at is not None
    with pytest.raises(ValidationError):
        _obs(db_session, coordinator, walk, STATION)


def test_ratings_summary_and_documents(db_session, coordinator, walk):
    store.set_route(db_session, coordinator, walk.id, [list(STATION), list(TORGET),
                                                        list(TUNNEL)])
    _obs(db_session, coordinator, walk, STATION, safety=2, ratings={"lighting": 0, "people": 1},
         note="Trasig lampa <script>alert(1)</script>")
    _obs(db_session, coordinator, walk, TUNNEL, safety=4, ratings={"lighting": 2})
    _obs(db_session, coordinator, walk, TORGET, safety=5, safe_place=True)
    obs = db_session.scalars(select(WalkObservation)).first()
    proposals.add_proposal(db_session, coordinator, obs.id, {"measure": "Ny belysning"})
    report = summary.walk_report(db_session, walk)
    rows = {r.key: r for r in report.ratings}
    assert (rows["lighting"].n, rows["lighting"].mean, rows["lighting"].counts) == \
        (2, 1.0, (1, 0, 1, 0))
    assert rows["transport"].n == 0 and rows["transport"].mean is None
    assert rows["transport"].mean_text == "saknas"
    cells = {row[0]: row for row in documents.rating_cells(report)}
    assert cells["Kollektivtrafik"] == ["Kollektivtrafik", "0", "saknas", "–", "–", "–", "–"]
    assert cells["Belysning"] == ["Belysning", "2", "1,0", "1", "0", "1", "0"]
    assert report.safety_mean == pytest.approx(11 / 3) and report.safety_counts == (0, 1, 0, 1, 1)
    assert (report.problem_count, report.safe_count) == (2, 1)
    png, note = documents.draw_walk_map(report)
    assert png.startswith(b"\x89PNG") and note is None
    html = documents.to_html(report, png, note)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        documents.to_pdf(report, png, note))).pages)
    assert "Kvällsvandring centrum" in text and "Ny belysning" in text and "Belysning" in text
    doc = Document(io.BytesIO(documents.to_docx(report, png, note)))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Ny belysning" in cells and "saknas" in cells
    assert "Trasig lampa <script>alert(1)</script>" in cells


def test_printed_walk_map_uses_the_tile_server_and_says_when_unreachable(
        db_session, coordinator, walk, tmp_path):
    from est.printmap import NOTE_UNREACHABLE, TileSource
    from tests.tileserver import serve_tiles

    store.set_route(db_session, coordinator, walk.id, [list(STATION), list(TUNNEL)])
    _obs(db_session, coordinator, walk, TUNNEL, safety=2)
    report = summary.walk_report(db_session, walk)
    with serve_tiles() as tiles:
        png, note = documents.draw_walk_map(report, TileSource(tiles.url, tmp_path / "a"), "© T")
    assert note is None and tiles.requests and png.startswith(b"\x89PNG")
    dead = TileSource("http://127.0.0.1:9/tiles/{z}/{x}/{y}.png", tmp_path / "b", timeout_s=0.5)
    png, note = documents.draw_walk_map(report, dead, "© T")
    assert note == NOTE_UNREACHABLE and png.startswith(b"\x89PNG")
    assert "Bakgrundskarta saknas" in documents.to_html(report, png, note)
