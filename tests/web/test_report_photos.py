"""Photos on reports: the public and staff forms take one, it is stored without EXIF, shown
only to staff who may see the report (/personal/foto/<id>), on the moderation page, and
erased at retention."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from est.models import AuditEvent, Photo, Report
from est.services import retention

VALID = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
         "when": "now", "description": "Klotter på muren"}


@pytest.fixture(autouse=True)
def photo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))
    return tmp_path / "photos"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (59.0, 3.0, 54.0)
    gps[4] = (15.0, 6.0, 44.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def post_report(client, url="/rapportera", photo: bytes | None = None, **extra):
    data = {**VALID, "idempotency_key": uuid.uuid4().hex, **extra}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "IMG_0001.jpg")
    return client.post(url, data=data, content_type="multipart/form-data")


def stored(db_session, response) -> Report:
    ref = response.headers["Location"].rsplit("/", 1)[1].removeprefix("EST-")
    db_session.expire_all()
    return db_session.scalars(select(Report).where(Report.receipt_ref == ref)).one()


def test_public_photo_is_stored_without_exif_and_shown_to_moderators_only(
        client, db_session, make_area, make_organisation, sign_in, photo_dir):
    area = make_area()
    original = jpeg_with_gps()
    assert b"Exif" in original
    response = post_report(client, photo=original)
    assert response.status_code == 302
    report = stored(db_session, response)
    [photo] = db_session.scalars(select(Photo).where(Photo.report_id == report.id)).all()
    on_disk = (photo_dir / photo.storage_key).read_bytes()
    assert b"Exif" not in on_disk and b"Telefonm" not in on_disk
    assert Image.open(io.BytesIO(on_disk)).getexif().get_ifd(0x8825) == {}

    url = f"/personal/foto/{photo.id}"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    sign_in("reporter", make_organisation(area=area))  # another organisation's reporter
    assert client.get(url).status_code == 404
    sign_in("coordinator", make_organisation(area=area))
    response = client.get(url)
    assert response.status_code == 200 and response.data == on_disk
    assert response.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    page = client.get(f"/moderering/{report.id}")
    assert page.status_code == 200 and f'src="{url}"' in page.text
    assert client.get(f"/personal/foto/{uuid.uuid4()}").status_code == 404


def test_bad_photo_is_a_400_naming_the_field_and_stores_nothing(client, db_session, make_area,
                                                                photo_dir):
    make_area()
    before = db_session.scalar(select(Report.id).limit(1))
    response = post_report(client, photo=b"not an image at all")
    assert response.status_code == 400
    assert 'id="photo-error"' in response.text and 'href="#photo"' in response.text
    db_session.expire_all()
    assert db_session.scalar(select(Report.id).limit(1)) == before
    assert db_session.scalar(select(Photo.id)) is None
    assert not any(p.is_file() for p in photo_dir.rglob("*")) if photo_dir.exists() else True
    # other errors are reported before the photo is even decoded, nothing stored either
    bad = post_report(client, photo=jpeg_with_gps(), category="")
    assert bad.status_code == 400 and db_session.scalar(select(Photo.id)) is None
    # no photo is fine
    assert post_report(client).status_code == 302


def test_staff_form_takes_a_photo(client, db_session, make_area, make_organisation, sign_in):
    area = make_area()
    org = make_organisation(area=area)
    sign_in("reporter", org)
    response = post_report(client, url="/personal/rapportera", photo=jpeg_with_gps(),
                           organisation=str(org.id))
    assert response.status_code == 302, response.text
    report_id = response.headers["Location"].rsplit("/", 1)[1]
    photo = db_session.scalars(select(Photo).where(Photo.report_id == report_id)).one()
    page = client.get(f"/personal/rapporter/{report_id}")
    assert f"/personal/foto/{photo.id}" in page.text
    assert client.get(f"/personal/foto/{photo.id}").status_code == 200  # own organisation


def test_retention_erases_photos(db_session, make_report, photo_dir):
    from est.photos import store_photo

    old = make_report(reported_at=datetime.now(UTC) - timedelta(days=200), source="public",
                      status="published", contact="a@b.se")
    new = make_report(source="public", status="published")
    for report in (old, new):
        store_photo(db_session, jpeg_with_gps(), report_id=report.id)
    db_session.commit()
    keys = {p.report_id: p.storage_key for p in db_session.scalars(select(Photo))}
    dry = retention.purge(db_session, days=180, dry_run=True)
    assert dry.photos_erased == 1 and db_session.scalar(
        select(Photo.id).where(Photo.report_id == old.id))
    result = retention.purge(db_session, days=180)
    assert result.photos_erased == 1
    assert [p.report_id for p in db_session.scalars(select(Photo))] == [new.id]
    assert not (photo_dir / keys[old.id]).exists() and (photo_dir / keys[new.id]).exists()
    notes = db_session.scalars(select(AuditEvent.note).where(
        AuditEvent.report_id == old.id, AuditEvent.action == "retention")).all()
    assert "Foton raderade efter lagringstiden" in notes


def large_jpeg(min_bytes: int) -> bytes:
    """A phone-sized JPEG of random pixels, larger than ``min_bytes``."""
    import numpy as np

    rng = np.random.default_rng(7)
    side = 1200
    while True:
        pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=95)
        if out.tell() > min_bytes:
            return out.getvalue()
        side += 400


def post_large(client, photo: bytes):
    """Post the form with ``photo`` as one in-memory multipart body (the test client would
    spool a large one to a temporary file it never closes)."""
    from werkzeug.datastructures import FileStorage, MultiDict

    values = MultiDict({**VALID, "idempotency_key": uuid.uuid4().hex})
    from werkzeug.test import encode_multipart

    values.add("photo", FileStorage(io.BytesIO(photo), filename="IMG_0002.jpg",
                                    content_type="image/jpeg"))
    boundary, body = encode_multipart(values)
    return client.post("/rapportera", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_photo_larger_than_the_body_limit_is_taken_by_the_form_but_not_elsewhere(
        client, db_session, make_area, monkeypatch):
    make_area()
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    photo = large_jpeg(limit + 100_000)
    response = post_large(client, photo)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert stored(db_session, response).id is not None
    # A JSON body of the same size is still refused before it is read.
    too_big = client.post("/api/v1/reports", data=b"{" + b" " * (limit + 10) + b"}",
                          content_type="application/json")
    assert too_big.status_code == 413
    # And a multipart body past the photo limit plus the fields' room is refused too.
    monkeypatch.setenv("EST_PHOTO_MAX_BYTES", str(limit))
    over = post_large(client, photo + b"\0" * (300 * 1024))
    assert over.status_code == 413
