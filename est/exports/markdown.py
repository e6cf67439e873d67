"""Markdown that shows user text as text: no raw HTML, links, images or emphasis from it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# CommonMark lets a backslash escape any ASCII punctuation; these could start markup (HTML,
# links, images, emphasis, code, tables, strikethrough, entity references).
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~!{}#])")
# At the start of a line these make a heading, quote, list or thematic break.
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def md_escape(text: object, *, line_start: bool = True) -> str:
    """Return ``text`` as one line of Markdown that renders literally (no HTML, no links).

    ``line_start=False`` for text inside a line (a table cell), where a leading ``-`` or
    ``1.`` cannot start a list.
    """
    s = " ".join(str(text).replace("\x00", "").split())
    s = _SPECIAL.sub(r"\\\1", s)
    return _LINE_START.sub(_line_start, s) if line_start else s


def _line_start(m: re.Match) -> str:
    mark = m.group(2)
    if mark.isdigit():  # "1." or "1)" starts an ordered list: escape the dot or bracket
        return m.group(1) + mark + "\\"
    return m.group(1) + "\\" + mark


def md_table(columns: Sequence[object], rows: Iterable[Sequence[object]]) -> list[str]:
    """Return the lines of a pipe table; every cell escaped."""
    out = ["| " + " | ".join(_cell(c) for c in columns) + " |",
           "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out


def _cell(value: object) -> str:
    return md_escape(value, line_start=False)
