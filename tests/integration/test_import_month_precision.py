"""``YYYY-MM`` times in an import are stored on the 1st at local midnight, precision month."""

from datetime import UTC, datetime

from sqlalchemy import select

from est.models import Report
from est.services.imports import import_reports


def test_month_values_get_month_precision(db_session, make_area, tmp_path, category):
    make_area()
    for code in ("klotter", "belysning"):
        category(code)
    path = tmp_path / "months.csv"
    path.write_text("lon,lat,occurred_at,category\n"
                    "15.1122,59.0651,2025-03,klotter\n"
                    "15.1088,59.0672,2025-03-09,belysning\n"
                    "15.1040,59.0690,2025-03-09 14:30,klotter\n", encoding="utf-8")
    import_reports(db_session, path, area_code="1861", now=datetime(2025, 6, 1, tzinfo=UTC))
    rows = list(db_session.scalars(select(Report).where(Report.source == "import")
                                   .order_by(Report.occurred_at)))
    assert [r.time_precision for r in rows] == ["month", "unknown", "exact"]
    assert rows[0].occurred_at == datetime(2025, 2, 28, 23, tzinfo=UTC)  # 1 March 00:00 CET
