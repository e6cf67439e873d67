"""The one opaque cursor of every paged list of /api/v1.

A cursor is URL-safe base64 (no padding) of a small JSON array ``[tag, value, …]``: the tag
names the list (``r1`` reports, ``w1`` webhooks, ``h1`` hot spots) and the values are the
position after the last item of a page. Clients must pass it back unchanged; anything else
is a ValidationError naming ``cursor``.
"""

from __future__ import annotations

import base64
import json

from est.errors import ValidationError

CURSOR_MESSAGE = "cursor must be the unchanged cursor of a next link"
MAX_CURSOR = 200


def encode(tag: str, *values: str | int) -> str:
    """Return the opaque text of position ``values`` in the list ``tag``."""
    raw = json.dumps([tag, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(text: str, tag: str, count: int) -> list:
    """Return the ``count`` values of a cursor of list ``tag``; ValidationError otherwise."""
    try:
        if len(text) > MAX_CURSOR:
            raise ValueError(text)
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(CURSOR_MESSAGE, field="cursor") from None
    if not isinstance(data, list) or len(data) != count + 1 or data[0] != tag:
        raise ValidationError(CURSOR_MESSAGE, field="cursor")
    return data[1:]


def decode_ints(text: str, tag: str, count: int) -> list[int]:
    """Like :func:`decode` for cursors of non-negative whole numbers (ids, positions)."""
    values = decode(text, tag, count)
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31
               for v in values):
        raise ValidationError(CURSOR_MESSAGE, field="cursor")
    return values
