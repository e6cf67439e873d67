"""Photos: re-encoded without metadata (GPS included), upright, downscaled, stored on disk."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, ImageCms
from sqlalchemy import select

from est import photos
from est.models import Photo
from est.photos import PhotoError, erase_photos, read_photo, store_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def photo_root(tmp_path, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))
    monkeypatch.delenv("EST_PHOTO_MAX_BYTES", raising=False)
    return tmp_path / "photos"


def _jpeg_with_gps(size=(300, 200), orientation=None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    # A dark block in the top-left corner shows which way the picture was turned.
    image.paste((0, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"  # Make
    exif[0x0131] = "Kamera-app 1.0"  # Software
    exif.get_ifd(GPS_IFD).update({
        1: "N", 2: (59.0, 3.0, 50.0), 3: "E", 4: (15.0, 6.0, 40.0),
    })
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"Hemma hos Anna",
               xmp=b"<x:xmpmeta>GPSLatitude 59.06</x:xmpmeta>")
    return out.getvalue()


def test_jpeg_exif_and_gps_are_gone_after_storing(db_session, photo_root):
    data = _jpeg_with_gps()
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD)[1] == "N"  # the test image really carries GPS
    assert b"GPSLatitude" in data

    photo = store_photo(db_session, data)

    stored = read_photo(photo)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
    assert "comment" not in image.info
    for marker in (b"Exif", b"GPS", b"Telefon", b"Kamera-app", b"Anna", b"xmpmeta"):
        assert marker not in stored
    row = db_session.scalars(select(Photo).where(Photo.id == photo.id)).one()
    assert (row.content_type, row.width, row.height) == ("image/jpeg", 300, 200)
    assert row.bytes == len(stored)
    assert row.sha256 == hashlib.sha256(stored).hexdigest()
    assert (photo_root / row.storage_key).is_file()


def test_orientation_applied_before_stripping(db_session):
    # Orientation 6: the camera held sideways; viewers rotate 90° clockwise.
    photo = store_photo(db_session, _jpeg_with_gps(size=(400, 200), orientation=6))
    image = Image.open(io.BytesIO(read_photo(photo)))
    assert (photo.width, photo.height) == (200, 400) == image.size
    # The dark corner was top-left before turning; after a clockwise turn it is top-right.
    assert max(image.getpixel((190, 10))) < 60
    assert min(image.getpixel((10, 10))[:1]) > 150


def test_large_photo_downscaled_to_2048_long_side(db_session):
    photo = store_photo(db_session, _jpeg_with_gps(size=(4000, 3000)))
    assert (photo.width, photo.height) == (2048, 1536)


def test_png_stays_png_with_alpha_and_without_text_chunks(db_session):
    from PIL import PngImagePlugin
    image = Image.new("RGBA", (50, 40), (0, 128, 0, 100))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Anna Andersson")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    photo = store_photo(db_session, out.getvalue())
    stored = read_photo(photo)
    assert photo.content_type == "image/png"
    assert photo.storage_key.endswith(".png")
    assert b"Anna" not in stored
    back = Image.open(io.BytesIO(stored))
    assert back.mode == "RGBA" and back.getpixel((1, 1)) == (0, 128, 0, 100)


def test_icc_profile_dropped_after_conversion(db_session):
    image = Image.new("RGB", (20, 20), (10, 200, 10))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, format="JPEG", icc_profile=srgb)
    assert Image.open(io.BytesIO(out.getvalue())).info.get("icc_profile")
    photo = store_photo(db_session, out.getvalue())
    back = Image.open(io.BytesIO(read_photo(photo)))
    assert "icc_profile" not in back.info
    assert abs(back.getpixel((5, 5))[1] - 200) < 8  # colours kept through the conversion


def test_heic_is_accepted_and_stored_as_jpeg(db_session):
    from pillow_heif import register_heif_opener
    register_heif_opener()
    image = Image.new("RGB", (64, 48), (30, 30, 200))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (59.0, 3.0, 50.0)})
    out = io.BytesIO()
    image.save(out, format="HEIF", exif=exif.tobytes())
    photo = store_photo(db_session, out.getvalue())
    stored = Image.open(io.BytesIO(read_photo(photo)))
    assert photo.content_type == "image/jpeg" and stored.format == "JPEG"
    assert stored.size == (64, 48)
    assert len(stored.getexif()) == 0


@pytest.mark.parametrize("data, message", [
    (b"", "tom"),
    (b"GIF89a" + b"\0" * 40, "kunde inte läsas"),
    (b"not an image at all", "kunde inte läsas"),
])
def test_bad_uploads_refused_with_field_and_nothing_written(db_session, photo_root, data,
                                                            message):
    with pytest.raises(PhotoError, match=message) as caught:
        store_photo(db_session, data)
    assert caught.value.field == "photo"
    assert db_session.scalars(select(Photo)).all() == []
    assert list(photo_root.rglob("*.*")) == []


def test_gif_refused_as_unsupported(db_session):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoError, match="JPEG, PNG eller HEIC"):
        store_photo(db_session, out.getvalue())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_refused_even_after_weasyprint(db_session, fmt):
    import weasyprint  # noqa: F401  (sets ImageFile.LOAD_TRUNCATED_IMAGES = True on import)
    from PIL import ImageFile

    out = io.BytesIO()
    Image.effect_noise((600, 400), 60).convert("RGB").save(out, format=fmt)
    data = out.getvalue()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(PhotoError, match="kunde inte läsas"):
        store_photo(db_session, data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the process-wide setting is restored


def test_size_limit_from_environment(db_session, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_MAX_BYTES", "2048")
    with pytest.raises(PhotoError, match="för stor"):
        store_photo(db_session, _jpeg_with_gps(size=(800, 800)))


def test_pixel_limit(db_session):
    # 8000 x 6000 = 48 MP of a single colour: a small file, too many pixels.
    out = io.BytesIO()
    Image.new("L", (8000, 6000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < photos.DEFAULT_MAX_BYTES
    with pytest.raises(PhotoError, match="40 megapixlar"):
        store_photo(db_session, out.getvalue())


def test_storage_key_is_random_and_never_user_input(db_session):
    a = store_photo(db_session, _jpeg_with_gps())
    b = store_photo(db_session, _jpeg_with_gps())
    assert a.storage_key != b.storage_key
    assert a.sha256 == b.sha256
    with pytest.raises(ValueError):
        read_photo(Photo(storage_key="../../etc/passwd"))


def test_rollback_removes_written_file(session_factory, photo_root):
    session = session_factory()
    session.begin()
    photo = store_photo(session, _jpeg_with_gps())
    path = photo_root / photo.storage_key
    assert path.is_file()
    session.rollback()
    assert not path.exists()
    session.close()


def test_erase_removes_rows_and_files_after_commit(session_factory, photo_root):
    session = session_factory()
    with session.begin():
        kept = store_photo(session, _jpeg_with_gps())
        gone = store_photo(session, _jpeg_with_gps())
    gone_path = photo_root / gone.storage_key
    with session.begin():
        assert erase_photos(session, [gone]) == 1
        assert gone_path.is_file()  # still there until the commit
    assert not gone_path.exists()
    assert (photo_root / kept.storage_key).is_file()
    assert session.scalars(select(Photo.id)).all() == [kept.id]
    session.close()
