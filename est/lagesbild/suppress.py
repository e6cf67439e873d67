"""Small-count protection for published tables: primary and secondary suppression.

A count of 1 … ``k - 1`` reports is hidden as ``<k`` (primary). A line of cells that is
published together with its sum (a row and its total, a column and its total) would let a
reader subtract the hidden value back out; such lines get a second cell hidden (secondary,
shown as ``..``) until no line has exactly one hidden cell. Zero is shown: it discloses no
report.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from est.format import NOT_APPLICABLE
from est.format import number as _number_text


@dataclass(frozen=True)
class Hidden:
    """A suppressed count: ``small`` (below the minimum) or ``secondary`` (protects another)."""

    reason: str

    def label(self, k: int) -> str:
        """Return how the cell is printed."""
        return f"<{k}" if self.reason == "small" else ".."


SMALL = Hidden("small")
SECONDARY = Hidden("secondary")
Value = int | Hidden
K = TypeVar("K", bound=Hashable)


def is_small(n: int, k: int) -> bool:
    """Return True when a count of ``n`` reports must not be published with minimum ``k``."""
    return 0 < n < k


def protect(n: int, k: int) -> Value:
    """Return ``n`` or :data:`SMALL` (primary suppression only)."""
    return SMALL if is_small(n, k) else n


def suppress(cells: dict[K, int], lines: Iterable[tuple[K, Sequence[K]]],
             k: int, secondary: bool = True) -> dict[K, Value]:
    """Suppress small cells and enough others that no published sum reveals them.

    Parameters
    ----------
    cells : dict
        Every published count by key, including the totals.
    lines : iterable of (total_key, member_keys)
        Published equations ``cells[total] == sum(cells[m] for m in members)``.
    k : int
        Minimum count to publish (``k <= 1`` publishes everything).
    secondary : bool
        Protect the sums too (False: primary suppression only). The audience decides both,
        see :func:`est.audience.protection`.

    Returns
    -------
    dict
        The same keys with an ``int`` or a :class:`Hidden` value.
    """
    out: dict[K, Value] = {key: protect(n, k) for key, n in cells.items()}
    if k <= 1 or not secondary:
        return out
    equations = [[total, *members] for total, members in lines]
    changed = True
    while changed:
        changed = False
        for eq in equations:
            hidden = [key for key in eq if isinstance(out[key], Hidden)]
            if len(hidden) != 1:
                continue
            candidates = [key for key in eq if not isinstance(out[key], Hidden)]
            # Hide the smallest non-zero cell; a zero only when nothing else is left.
            candidates.sort(key=lambda key: (cells[key] == 0, cells[key]))
            if candidates:
                out[candidates[0]] = SECONDARY
                changed = True
    return out


def suppress_matrix(matrix: list[list[int]], k: int, *, row_totals: bool = True,
                    col_totals: bool = True, secondary: bool = True
                    ) -> tuple[list[list[Value]], list[Value], list[Value], Value]:
    """Suppress a matrix published with its row totals, column totals and grand total.

    Returns the matrix, row totals, column totals and grand total (int or Hidden each).
    """
    n_rows = len(matrix)
    n_cols = len(matrix[0]) if matrix else 0
    cells: dict[Hashable, int] = {}
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            cells[(i, j)] = int(v)
    lines: list[tuple[Hashable, list[Hashable]]] = []
    if row_totals:
        for i in range(n_rows):
            cells[("row", i)] = sum(matrix[i])
            lines.append((("row", i), [(i, j) for j in range(n_cols)]))
    if col_totals:
        for j in range(n_cols):
            cells[("col", j)] = sum(matrix[i][j] for i in range(n_rows))
            lines.append((("col", j), [(i, j) for i in range(n_rows)]))
    cells["all"] = sum(sum(r) for r in matrix)
    if row_totals:
        lines.append(("all", [("row", i) for i in range(n_rows)]))
    if col_totals:
        lines.append(("all", [("col", j) for j in range(n_cols)]))
    out = suppress(cells, lines, k, secondary)
    body = [[out[(i, j)] for j in range(n_cols)] for i in range(n_rows)]
    rows = [out[("row", i)] for i in range(n_rows)] if row_totals else []
    cols = [out[("col", j)] for j in range(n_cols)] if col_totals else []
    return body, rows, cols, out["all"]


def fmt(value, k: int) -> str:
    """Return a cell as people read it: "1 234", "0,24", ``<k`` / ``..`` when hidden, text."""
    if isinstance(value, Hidden):
        return value.label(k)
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return str(value)


def plain(value, k: int) -> int | float | str | None:
    """Return a cell for a spreadsheet: numbers as numbers, hidden ones as their label."""
    if isinstance(value, Hidden):
        return value.label(k)
    return value


def number(value) -> int | None:
    """Return the published integer, or None when hidden."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
