"""Photos: uploaded images re-encoded without metadata and stored on disk, not in the row.

An upload (JPEG, PNG or HEIC from a phone) is decoded with Pillow, turned upright by its EXIF
orientation, converted to sRGB if it carries an ICC profile, downscaled to at most
``MAX_SIDE`` pixels on its long side and re-encoded from raw pixels (JPEG; a PNG stays PNG), so
no EXIF, GPS, XMP, ICC or comment survives. The file lives under ``EST_PHOTO_DIR`` (default
``<EST_VAR_DIR>/photos``) at a path made from a random key, never from user input; the ``photo``
row keeps type, size, dimensions and sha256.

Files follow the transaction: a file written by :func:`store_photo` is removed again if the
session rolls back, and :func:`erase_photos` removes files only after the session commits.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session

from est.models import Photo

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png)$")
_PENDING_WRITES = "est_photos_written"
_PENDING_ERASES = "est_photos_erased"
_heif_registered = False
_TRUNCATED_LOCK = threading.Lock()


class PhotoError(ValueError):
    """A photo was refused; ``field`` names the form field, the message is Swedish."""

    def __init__(self, message: str, field: str = "photo") -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def photo_dir() -> Path:
    """Return the directory photos are stored in (``EST_PHOTO_DIR``), creating it."""
    explicit = os.environ.get("EST_PHOTO_DIR", "").strip()
    if explicit:
        root = Path(explicit)
    else:
        from est.config import PROJECT_ROOT
        var = os.environ.get("EST_VAR_DIR", "").strip()
        root = (Path(var) if var else PROJECT_ROOT / "var") / "photos"
    root.mkdir(parents=True, exist_ok=True, mode=0o750)
    return root


def max_bytes() -> int:
    """Return the largest accepted upload in bytes (``EST_PHOTO_MAX_BYTES``, default 8 MB)."""
    text = os.environ.get("EST_PHOTO_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"EST_PHOTO_MAX_BYTES must be a whole number of bytes, not {text!r}") \
            from None
    if not 1024 <= value <= 100 * 1024 * 1024:
        raise ValueError(f"EST_PHOTO_MAX_BYTES must lie from 1024 to 104857600, not {value}")
    return value


def store_photo(session: Session, data: bytes, *, report_id=None) -> Photo:
    """Re-encode ``data`` without metadata, write it to disk and add its ``photo`` row (flushed).

    Raises :class:`PhotoError` (field ``photo``) for an empty, too large, unreadable or
    unsupported image; nothing is written then.
    """
    limit = max_bytes()
    if not data:
        raise PhotoError("Bilden är tom.")
    if len(data) > limit:
        raise PhotoError(f"Bilden är för stor (högst {limit // (1024 * 1024)} MB).")
    encoded, content_type, width, height = _reencode(data)
    key = f"{secrets.token_hex(1)}/{secrets.token_hex(16)}." + (
        "png" if content_type == "image/png" else "jpg")
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(encoded)
    os.replace(tmp, path)
    _track(session)
    session.info[_PENDING_WRITES].append(path)
    photo = Photo(report_id=report_id, storage_key=key, content_type=content_type,
                  bytes=len(encoded), width=width, height=height,
                  sha256=hashlib.sha256(encoded).hexdigest())
    session.add(photo)
    session.flush()
    return photo


def read_photo(photo: Photo) -> bytes:
    """Return the stored bytes of ``photo`` (FileNotFoundError if its file is gone)."""
    return _path(photo.storage_key).read_bytes()


def erase_photos(session: Session, photos: Iterable[Photo]) -> int:
    """Delete ``photos``' rows (flushed) and their files once the session commits; return count."""
    _track(session)
    count = 0
    for photo in photos:
        session.info[_PENDING_ERASES].append(_path(photo.storage_key))
        session.delete(photo)
        count += 1
    session.flush()
    return count


def _reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Decode, orient, strip and re-encode an image; return bytes, type, width, height."""
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            source = opened.format
            if source not in ("JPEG", "PNG", "HEIF"):
                raise PhotoError("Bilden måste vara JPEG, PNG eller HEIC.")
            if opened.width * opened.height > MAX_PIXELS:
                raise PhotoError("Bilden har för många pixlar (högst 40 megapixlar).")
            _load_complete(opened)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("Bilden har för många pixlar (högst 40 megapixlar).") from None
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError … for broken files
        raise PhotoError("Bilden kunde inte läsas (JPEG, PNG eller HEIC).") from None
    image: Image.Image = ImageOps.exif_transpose(opened) or opened
    image = _to_srgb(image)
    keep_png = source == "PNG"
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if keep_png and has_alpha else "RGB"
    image = image.convert(mode)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Raw pixels into a fresh image: no info, EXIF, XMP, ICC or text chunks come along.
    clean = Image.frombytes(mode, image.size, image.tobytes())
    out = io.BytesIO()
    if keep_png:
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return out.getvalue(), content_type, clean.width, clean.height


def _load_complete(image: Image.Image) -> None:
    """Decode ``image`` refusing a truncated file, whatever the process-wide setting says.

    WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` when it is imported, which
    would let a cut-off upload through with grey in place of the missing part.
    """
    with _TRUNCATED_LOCK:
        saved = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an image with an embedded ICC profile to sRGB (phones shoot Display P3)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are
    return converted or image


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener
        register_heif_opener()
        _heif_registered = True


def _path(key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a photo storage key: {key!r}")
    return photo_dir() / key


def _track(session: Session) -> None:
    """Tie file writes and erasures to the session's transaction (once per session)."""
    if _PENDING_WRITES in session.info:
        return
    session.info[_PENDING_WRITES] = []
    session.info[_PENDING_ERASES] = []

    def committed(sess: Session) -> None:
        for path in sess.info.get(_PENDING_ERASES, []):
            path.unlink(missing_ok=True)
        sess.info[_PENDING_WRITES] = []
        sess.info[_PENDING_ERASES] = []

    def rolled_back(sess: Session, previous_transaction) -> None:
        if previous_transaction.parent is not None:
            return  # only the outermost transaction decides
        for path in sess.info.get(_PENDING_WRITES, []):
            path.unlink(missing_ok=True)
        sess.info[_PENDING_WRITES] = []
        sess.info[_PENDING_ERASES] = []

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_soft_rollback", rolled_back)
