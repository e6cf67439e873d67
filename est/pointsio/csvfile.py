"""Read points from a CSV: the C tokenizer of pandas, line numbers from the raw bytes.

The whole file is split into records by ``pandas.read_csv``; each record's first line number
comes from the positions of the newlines outside quotes (NumPy over the bytes), so errors name
the same lines as the row-by-row reader. Files the quick split cannot vouch for (a bare ``\\r``,
a record count that differs) are read row by row with :mod:`csv`.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np

from est.pointsio import values as _values
from est.pointsio.table import (
    PointsFileError,
    PointsTable,
    build_table,
    parse_columns,
    resolve_columns,
)

_FIXED_WIDTH = 64  # times are read as fixed-width bytes when no record is wider


def read_points_csv(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    tz: str = "Europe/Stockholm",
    collect_errors: bool = False,
    _fast: bool = True,
) -> PointsTable:
    """Read points from a CSV (``,`` ``;`` or tab separated; ``.gz`` read directly).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : dict or str, optional
        Explicit column mapping, overriding recognised names.
    tz : str
        Time zone of times without an offset.
    collect_errors : bool
        Return bad values as ``PointsTable.errors`` (rows with NaN/NaT) instead of raising.

    Returns
    -------
    PointsTable

    Raises
    ------
    PointsFileError
        Missing file or columns, no rows, or (unless ``collect_errors``) unparseable rows
        (with line numbers) and coordinates out of range.
    """
    path = Path(path)
    if not path.is_file():
        raise PointsFileError(f"file {path} does not exist")
    mapping = parse_columns(columns) if isinstance(columns, str) else dict(columns or {})
    data = _read_bytes(path)
    head, body = _split_header(data)
    try:
        head_text = head.decode("utf-8")
        body.decode("utf-8")  # the row reader would fail on the same bytes
    except UnicodeDecodeError as exc:
        raise PointsFileError(f"cannot read {path}: {exc}") from None
    if not head_text.strip():
        raise PointsFileError(f"{path} is empty")
    delimiter = max(",;\t", key=head_text.count)
    header = next(csv.reader([head_text], delimiter=delimiter))
    cols = resolve_columns(header, mapping, path)
    idx = {k: header.index(v) for k, v in cols.items()}
    cells = _quick_split(body, delimiter, len(header), idx) if _fast else None
    if cells is None:
        cells = _row_split(path, body, delimiter, idx)
    columns_, lines = cells
    if not lines.size:
        raise PointsFileError(f"{path} has a header but no rows")
    decimal_comma = delimiter != ","
    lon, lat, errors = _coordinates(columns_, decimal_comma)
    return build_table(path, lon, lat, errors, columns_.get("time"), columns_.get("category"),
                       columns_.get("kind"), columns_.get("org"), cols, lines, "line", tz,
                       collect_errors)


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise PointsFileError(f"cannot read {path}: {exc}") from None
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _split_header(data: bytes) -> tuple[bytes, bytes]:
    """Split off the first physical line (ended by ``\\n``, ``\\r\\n`` or a bare ``\\r``)."""
    end = len(data)
    for mark in (b"\n", b"\r"):
        at = data.find(mark)
        if at != -1 and at < end:
            end = at
    if end < len(data) and data[end:end + 2] == b"\r\n":
        end += 1
    return data[:end + 1], data[end + 1:]


Columns = dict[str, np.ndarray]


def _quick_split(body: bytes, delimiter: str, n_fields: int, idx: dict[str, int]
                 ) -> tuple[Columns, np.ndarray] | None:
    """Split records with pandas; return the used columns and line numbers, or None.

    Coordinates come back as floats when every cell is a finite number pandas reads the same
    way as Python's ``float``, else as text for the row-by-row rules and their messages.
    """
    if body.count(b"\r") != body.count(b"\r\n"):
        return None  # bare carriage returns: lines the byte count below would not see
    buf = np.frombuffer(body, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    quoted = b'"' in body
    if quoted:  # a newline inside quotes continues the record
        quotes = np.flatnonzero(buf == 34)
        ends = np.flatnonzero(np.searchsorted(quotes, newlines) % 2 == 0)
    else:
        ends = np.arange(newlines.size)
    last = int(newlines[ends[-1]]) if ends.size else -1
    if last < len(body) - 1:
        if quoted and body[last + 1:].count(b'"') % 2:
            return None  # a quote left open at the end of the file
        ends = np.append(ends, newlines.size)  # the last record has no newline
    if not ends.size:
        return {}, np.zeros(0, dtype=np.int64)
    lines = np.concatenate([[2], ends[:-1] + 3]).astype(np.int64)
    starts = np.concatenate([[0], newlines[ends[:-1]] + 1])
    stops = np.append(newlines, len(body))[ends]
    widest = int((stops - starts).max())
    time_type = f"S{max(widest, 1)}" if widest <= _FIXED_WIDTH else object
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return None

    def read(number: type | str) -> pd.DataFrame:
        types: dict[int, type | str] = {i: object for i in idx.values()}
        types |= {idx["lon"]: number, idx["lat"]: number}
        if "time" in idx and idx["time"] not in (idx["lon"], idx["lat"]):
            types[idx["time"]] = time_type
        return pd.read_csv(
            io.BytesIO(body), sep=delimiter, header=None, names=list(range(n_fields)),
            usecols=sorted(set(idx.values())), index_col=False, na_filter=False,
            keep_default_na=False, skip_blank_lines=False, engine="c", encoding="utf-8",
            decimal="," if delimiter != "," else ".", dtype=types,
        )

    frame = None
    if idx["lon"] != idx["lat"]:
        try:
            frame = read(np.float64)
        except (ValueError, OverflowError):  # a cell that is no number: read it as text
            frame = None
        if frame is not None and not (np.isfinite(frame[idx["lon"]].to_numpy()).all()
                                      and np.isfinite(frame[idx["lat"]].to_numpy()).all()):
            frame = None
    if frame is None:
        try:
            frame = read(object)
        except (ValueError, IndexError, OverflowError, UnicodeError):
            return None  # pandas' ParserError is a ValueError
    if len(frame) != lines.size:
        return None
    out = {key: frame[i].to_numpy() for key, i in idx.items()}
    if out["lon"].dtype == object:
        blank = _blank_rows(out["lon"], body, starts, stops, delimiter)
        if blank.any():
            out = {key: values[~blank] for key, values in out.items()}
            lines = lines[~blank]
    return out, lines


def _blank_rows(lon: np.ndarray, body: bytes, starts: np.ndarray, stops: np.ndarray,
                delimiter: str) -> np.ndarray:
    """Mark records with no text in any cell (the row reader skips them).

    A blank record has a blank longitude, so only cells that are no number are looked at.
    """
    blank = np.zeros(len(lon), dtype=bool)
    for i in _values.floats(lon, False)[1]:
        if lon[i].strip():
            continue
        record = body[starts[i]:stops[i]].decode("utf-8")
        rows = list(csv.reader(io.StringIO(record, newline=""), delimiter=delimiter))
        blank[i] = not any(cell.strip() for row in rows for cell in row)
    return blank


def _row_split(path: Path, body: bytes, delimiter: str, idx: dict[str, int]
               ) -> tuple[Columns, np.ndarray]:
    """Split records with :mod:`csv`, row by row (any file the quick split declines)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        text = io.StringIO(body.decode("utf-8"), newline="")
        reader = csv.reader(text, delimiter=delimiter)
        done = 0  # physical lines the reader has consumed after the header
        for row in reader:
            first_line = done + 2
            done = reader.line_num
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(first_line)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PointsFileError(f"cannot read {path}: {exc}") from None
    out = {key: np.array([row[i] if i < len(row) else "" for row in rows], dtype=object)
           for key, i in idx.items()}
    return out, np.array(lines, dtype=np.int64)


def _coordinates(cells: Columns, decimal_comma: bool
                 ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    if cells["lon"].dtype == np.float64 and cells["lat"].dtype == np.float64:
        return cells["lon"], cells["lat"], []  # all finite, checked by the quick split
    lon, bad_lon = _values.floats(cells["lon"], decimal_comma)
    lat, bad_lat = _values.floats(cells["lat"], decimal_comma)
    errors = [(i, f"longitude {cells['lon'][i]!r} is not a number") for i in bad_lon]
    errors += [(i, f"latitude {cells['lat'][i]!r} is not a number") for i in bad_lat]
    return lon, lat, errors
