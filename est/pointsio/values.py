"""Column values to arrays: numbers and times, vectorised where the text has a common form.

Every value a vectorised step cannot vouch for goes through the row-by-row rules (Python's
``float`` and ``datetime.fromisoformat`` plus a few national formats), so the results and the
rejected rows are those of the row-by-row reader, only faster.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

NAT = np.iinfo(np.int64).min
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
# A month without a day (``2024-05``): stored on the 1st at local midnight, precision month.
MONTH_ONLY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FORMATS = (  # (strptime format, has a time of day)
    ("%Y/%m/%d %H:%M", True), ("%Y/%m/%d %H:%M:%S", True), ("%m/%d/%Y %I:%M:%S %p", True),
    ("%m/%d/%Y %H:%M", True), ("%d.%m.%Y %H:%M", True), ("%Y-%m-%d %H.%M", True),
    ("%Y/%m/%d", False), ("%d.%m.%Y", False),
)
# Text lengths of the forms parsed vectorised: (has time, has seconds, offset "", "Z", "±HH:MM")
_FAST_FORMS = {7: (False, False, ""), 10: (False, False, ""), 16: (True, False, ""),
               17: (True, False, "Z"), 22: (True, False, "+"), 19: (True, True, ""),
               20: (True, True, "Z"), 25: (True, True, "+")}
_EPOCH = datetime(1970, 1, 1)


def floats(values: np.ndarray, decimal_comma: bool) -> tuple[np.ndarray, list[int]]:
    """Return ``values`` (text) as floats and the indices that are no finite number."""
    texts = values
    if decimal_comma:
        texts = np.array([v.replace(",", ".") for v in values.tolist()], dtype=object)
    try:  # Python's own float() on every value, in C; exact and quick when all are good
        out = texts.astype(np.float64)
    except (ValueError, TypeError):
        out = np.empty(len(texts), dtype=np.float64)
        for n, text in enumerate(texts.tolist()):
            try:
                out[n] = float(text)
            except ValueError:
                out[n] = np.nan
    bad = ~np.isfinite(out)
    out[bad] = np.nan
    return out, np.flatnonzero(bad).tolist()


def as_text(value: object) -> str:
    """Return a cell as ``str`` (fixed-width byte cells are UTF-8)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def times(values: np.ndarray, tz: str) -> tuple[np.ndarray, list[int], np.ndarray, np.ndarray]:
    """Parse times; return UTC ``datetime64[s]`` (NaT if bad), bad indices, date and month only.

    ``values`` holds text (``str`` objects, or fixed-width UTF-8 bytes ``S``). ISO 8601 dates,
    months (``YYYY-MM``), date-times to the minute or second, with ``Z``/``±HH:MM`` or
    naive (wall-clock time in ``tz``) are parsed vectorised; anything else row by row.
    """
    zone = ZoneInfo(tz)
    n = len(values)
    out = np.full(n, NAT, dtype=np.int64)
    date_only = np.zeros(n, dtype=bool)
    month_only = np.zeros(n, dtype=bool)
    done = _fast_times(values, zone, out, date_only, month_only) if n else np.zeros(0, bool)
    cache: dict[str, tuple[int, bool, bool] | None] = {}
    bad = []
    for i in np.flatnonzero(~done).tolist():
        text = as_text(values[i]).strip()
        if text not in cache:
            month = bool(MONTH_ONLY.match(text))
            parsed = _parse_time(f"{text}-01" if month else text, zone)
            cache[text] = None if parsed is None else (*parsed, month)
        found = cache[text]
        if found is None:
            bad.append(i)
            month_only[i] = bool(MONTH_ONLY.match(text))
        else:
            out[i], date_only[i], month_only[i] = found
    return out.astype("datetime64[s]"), bad, date_only, month_only


def _fast_times(values: np.ndarray, zone: ZoneInfo, out: np.ndarray, date_only: np.ndarray,
                month_only: np.ndarray) -> np.ndarray:
    """Fill the rows in a common ISO form; return the mask of rows done."""
    n = len(values)
    done = np.zeros(n, dtype=bool)
    codes: np.ndarray
    if values.dtype.kind == "S":
        codes = values.view(np.uint8).reshape(n, values.dtype.itemsize)
        length = np.strings.str_len(values)
    else:
        try:
            text = values.astype("U")
        except (TypeError, ValueError):
            return done
        codes = text.view(np.uint32).reshape(n, text.dtype.itemsize // 4)
        length = np.strings.str_len(text)
    width = codes.shape[1]
    if width < 7:
        return done

    def col(p: int) -> np.ndarray:
        return codes[:, p].astype(np.int64) if p < width else np.zeros(n, np.int64)

    def digits(*positions: int) -> tuple[np.ndarray, np.ndarray]:
        value = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        for p in positions:
            d = col(p) - 48
            ok &= (d >= 0) & (d <= 9)
            value = value * 10 + d
        return value, ok

    year, ok = digits(0, 1, 2, 3)
    month, ok_m = digits(5, 6)
    ok &= ok_m & (col(4) == 45) & (month >= 1) & (month <= 12) & (year >= 1900) & (year <= 2200)
    day, ok_d = digits(8, 9)
    ok_d &= col(7) == 45
    hour, ok_h = digits(11, 12)
    minute, ok_mi = digits(14, 15)
    sep = col(10)
    ok_h &= ok_mi & ((sep == 32) | (sep == 84)) & (col(13) == 58) & (hour <= 23) & (minute <= 59)
    second, ok_s = digits(17, 18)
    ok_s &= (col(16) == 58) & (second <= 59)
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]").astype(np.int64)
    in_month = (months + 1).astype("datetime64[D]").astype(np.int64) - first
    ok_d &= (day >= 1) & (day <= in_month)
    offset = np.zeros(n, dtype=np.int64)
    aware = np.zeros(n, dtype=bool)
    form_ok = np.zeros(n, dtype=bool)
    for size, (has_time, has_seconds, zone_form) in _FAST_FORMS.items():
        rows = ok & (length == size)
        if size == 7:
            month_only |= rows
            date_only |= rows
            day = np.where(rows, 1, day)
            form_ok |= rows
            continue
        rows &= ok_d
        if has_time:
            rows &= ok_h & (ok_s if has_seconds else True)
        else:
            date_only |= rows
        at = 19 if has_seconds else 16
        if zone_form == "Z":
            rows &= col(at) == 90
            aware |= rows
        elif zone_form == "+":
            sign = col(at)
            oh, ok_oh = digits(at + 1, at + 2)
            om, ok_om = digits(at + 4, at + 5)
            rows &= (((sign == 43) | (sign == 45)) & ok_oh & ok_om & (col(at + 3) == 58)
                     & (oh <= 23) & (om <= 59))
            offset = np.where(rows, np.where(sign == 45, -1, 1) * (oh * 3600 + om * 60), offset)
            aware |= rows
        form_ok |= rows
    date_only &= form_ok
    month_only &= form_ok
    timed = form_ok & (length >= 16)
    days = first + day - 1
    local = days * 86400 + np.where(timed, hour * 3600 + minute * 60, 0)
    local += np.where(timed & (length != 16) & (length != 17) & (length != 22), second, 0)
    out[form_ok & aware] = (local - offset)[form_ok & aware]
    naive = np.flatnonzero(form_ok & ~aware)
    if naive.size:
        unique_days, inverse = np.unique(days[naive], return_inverse=True)
        zone_offset = np.array([_day_offset(int(d), zone) for d in unique_days.tolist()],
                               dtype=np.float64)
        row_offset = zone_offset[inverse]
        steady = ~np.isnan(row_offset)  # days with a clock change go row by row
        out[naive[steady]] = local[naive[steady]] - row_offset[steady].astype(np.int64)
        form_ok[naive[~steady]] = False
        date_only[naive[~steady]] = False
        month_only[naive[~steady]] = False
    done[form_ok] = True
    return done


def _day_offset(day: int, zone: ZoneInfo) -> float:
    """Return the UTC offset in seconds of a local day, or NaN if it changes in that day."""
    start = (_EPOCH + timedelta(days=day)).replace(tzinfo=zone)
    offsets = {start.utcoffset(), (start + timedelta(hours=12)).utcoffset(),
               (start + timedelta(days=1)).utcoffset()}
    if len(offsets) != 1:
        return float("nan")
    (only,) = offsets
    return only.total_seconds() if only is not None else float("nan")


def _parse_time(text: str, zone: ZoneInfo) -> tuple[int, bool] | None:
    """Return (UTC epoch seconds, date only) or None when ``text`` is no date/time."""
    if not text:
        return None
    has_time = not _DATE_ONLY.match(text)
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        for fmt, fmt_has_time in _FORMATS:
            try:
                d = datetime.strptime(text, fmt)
                has_time = fmt_has_time
                break
            except ValueError:
                continue
        else:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=zone)
    try:
        return int(d.astimezone(UTC).timestamp()), not has_time
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past Python's range
        return None


def labels(values: np.ndarray | None) -> np.ndarray | None:
    """Return text cells stripped, as an object array (stripping each distinct value once)."""
    if values is None:
        return None
    if len(values) == 0:
        return np.array([], dtype=object)
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    stripped = np.array([as_text(u).strip() for u in uniques], dtype=object)
    return stripped[codes]
