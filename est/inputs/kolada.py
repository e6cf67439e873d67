"""Import Kolada KPI values from the JSON of its v2 API.

The file is what ``/v2/data/kpi/{KPI}/municipality/{kod}/year/{år}`` returns::

    {"count": 1, "values": [{"kpi": "N07403", "municipality": "1861", "period": 2025,
      "values": [{"gender": "T", "status": "", "value": 20.1, "count": 1}]}],
     "next_page": null}

``municipality`` is a Kolada id: a kommunkod ("1861"), a county ("0018") or the country
("0000"). Values are keyed by KPI, id, year and gender; a re-import replaces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.inputs.files import RowErrors, check_text, parse_number, read_json
from est.models.inputs import KpiValue

GENDERS = ("T", "K", "M")


@dataclass(frozen=True)
class KoladaImportResult:
    """What the import stored."""

    values: int
    kpis: tuple[str, ...]
    regions: tuple[str, ...]
    years: tuple[int, ...]


def import_kolada(session: Session, path: str | Path, *,
                  title: str | None = None) -> KoladaImportResult:
    """Check every value of a Kolada v2 data file, then store them all (or none).

    ``title`` names the KPI in Swedish (Kolada's data responses carry only its id).
    """
    if title is not None:
        try:
            title = check_text(title, "title", 300)
        except ValueError as exc:
            raise ValidationError(str(exc), field="title") from None
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("values"), list):
        raise ValidationError(f"{Path(path).name}: expected Kolada's JSON with a 'values' "
                              "list", field="file")
    errors = RowErrors(str(path))
    rows: dict[tuple[str, str, int, str], dict] = {}
    for i, record in enumerate(data["values"], start=1):
        where = f"values[{i}]"
        try:
            if not isinstance(record, dict):
                raise ValueError("is not an object")
            kpi = check_text(record.get("kpi"), "kpi", 16)
            if not re.fullmatch(r"[A-Z]\d{5}", kpi):
                raise ValueError(f"kpi {kpi!r} is not a Kolada id like N07403")
            region = check_text(record.get("municipality"), "municipality", 40)
            if not re.fullmatch(r"\d{4}", region):
                raise ValueError(f"municipality {region!r} is not a 4-digit Kolada id")
            period = record.get("period")
            if isinstance(period, bool) or not isinstance(period, int | str) \
                    or not str(period).isdigit() or not 2000 <= int(period) <= 2100:
                raise ValueError(f"period {period!r} is not a year from 2000 to 2100")
            inner = record.get("values")
            if not isinstance(inner, list):
                raise ValueError("values is not a list")
            for j, v in enumerate(inner, start=1):
                if not isinstance(v, dict):
                    raise ValueError(f"values[{j}] is not an object")
                gender = v.get("gender") or "T"
                if gender not in GENDERS:
                    raise ValueError(f"values[{j}].gender {gender!r} is not T, K or M")
                value = parse_number(v.get("value"))
                status = check_text(v.get("status"), "status", 32, required=False) or None
                rows[(kpi, region, int(period), gender)] = {
                    "kpi": kpi, "kpi_title": title, "region_code": region,
                    "year": int(period), "gender": gender, "value": value,
                    "status": status}
        except ValueError as exc:
            errors.add(where, str(exc))
    errors.raise_if_any()
    if not rows:
        raise ValidationError(f"{Path(path).name} holds no values", field="file")
    with transaction(session):
        for row in rows.values():
            stmt = insert(KpiValue).values(**row)
            update = {"value": stmt.excluded.value, "status": stmt.excluded.status}
            if title:
                update["kpi_title"] = stmt.excluded.kpi_title
            session.execute(stmt.on_conflict_do_update(constraint="uq_kpi_value_key",
                                                       set_=update))
    return KoladaImportResult(values=len(rows), kpis=tuple(sorted({k[0] for k in rows})),
                              regions=tuple(sorted({k[1] for k in rows})),
                              years=tuple(sorted({k[2] for k in rows})))
