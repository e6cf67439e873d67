"""Reports as a feature package: ``validation`` (the one place with the reporting rules) and
``store`` (create, list, detail, history, places, receipts). Callers import from here."""

from est.services.reports.store import (
    ReportRow,
    _row_select,
    _to_row,
    create_report,
    get_report,
    list_places,
    list_reports,
    organisations_for,
    parse_report_id,
    reference,
    replace_places,
    report_history,
)
from est.services.reports.validation import (
    FUTURE_TOLERANCE,
    MAX_CONTACT,
    MAX_DESCRIPTION,
    MAX_NOTE,
    MESSAGES,
    N_,
    SEVERITIES,
    WHEN_CHOICES,
    CleanReport,
    parse_lonlat,
    point_in_area,
    validate_report,
)

__all__ = [
    "FUTURE_TOLERANCE", "MAX_CONTACT", "MAX_DESCRIPTION", "MAX_NOTE", "MESSAGES", "N_",
    "SEVERITIES", "WHEN_CHOICES", "CleanReport", "ReportRow", "_row_select", "_to_row",
    "create_report", "get_report",
    "list_places", "list_reports", "organisations_for", "parse_lonlat", "parse_report_id",
    "point_in_area", "reference", "replace_places", "report_history", "validate_report",
]
