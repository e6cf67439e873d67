"""Every file the app exports goes through here: safe spreadsheet cells, Swedish CSV, XLSX,
Markdown escaping and download media types."""

from est.exports.markdown import md_escape, md_table
from est.exports.spreadsheet import (
    CSV_MEDIA,
    XLSX_MEDIA,
    Sheet,
    csv_bytes,
    csv_value,
    safe_cell,
    xlsx_bytes,
)

__all__ = ["CSV_MEDIA", "XLSX_MEDIA", "Sheet", "csv_bytes", "csv_value", "md_escape",
           "md_table", "safe_cell", "xlsx_bytes"]
