"""Render a lägesbild (or a promise draft) as HTML, PDF, DOCX, Markdown, CSV, XLSX or GeoJSON.

Renderers only print what the builder published; they never read the database. Numbers for
people go through :mod:`est.format`; spreadsheets and Markdown through :mod:`est.exports`.
"""

from __future__ import annotations

import base64
import io
import json
from html import escape
from typing import Protocol

from est import geojson
from est.errors import ValidationError
from est.exports import CSV_MEDIA, XLSX_MEDIA, Sheet, csv_bytes, md_escape, md_table, xlsx_bytes
from est.lagesbild.model import Lagesbild, Section, Table
from est.lagesbild.suppress import fmt, plain

# Format -> (full Content-Type, file extension). The charset is part of the type once.
FORMATS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "csv": (CSV_MEDIA, "csv"),
    "xlsx": (XLSX_MEDIA, "xlsx"),
    "geojson": ("application/geo+json", "geojson"),
}
DOCUMENT_FORMATS = ("html", "pdf", "docx", "md")
TABLE_FORMATS = ("csv", "xlsx", "geojson")  # the lägesbild only
# The layers of the GeoJSON export (property ``layer``); ``geojson_layer`` picks one.
GEOJSON_LAYERS = ("hotspot", "count_cell", "otrygghet_place")
A4_CM = (21.0, 29.7)

CSS = """
@page { size: A4; margin: 18mm 15mm; @bottom-right { content: counter(page) " / " counter(pages);
  font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1b1b1b; }
h1 { font-size: 18pt; color: #1f3a93; margin-bottom: 2pt; }
h2 { font-size: 13pt; color: #1f3a93; border-bottom: 1px solid #c9d1e0; margin-top: 16pt; }
h3 { font-size: 10.5pt; margin-bottom: 4pt; }
.subtitle { color: #555; margin-top: 0; }
table.lb { border-collapse: collapse; margin: 4pt 0 10pt; font-size: 8pt; width: auto; }
table.lb th, table.lb td { border: 1px solid #c9d1e0; padding: 2pt 4pt; }
table.lb th { background: #eef2f8; text-align: left; }
table.lb td.num { text-align: right; }
p.note { color: #555; font-size: 8pt; }
figure { margin: 6pt 0; page-break-inside: avoid; }
figure img { max-width: 100%; }
figcaption { font-size: 8pt; color: #555; }
"""


class Document(Protocol):
    """What a renderer needs: a title, a subtitle, sections and the minimum cell count."""

    title: str
    min_cell: int
    sections: list[Section]

    @property
    def subtitle(self) -> str: ...


def subtitle(doc) -> str:
    """Return the document's subtitle line."""
    return getattr(doc, "subtitle", "") or ""


def cell_text(value, k: int) -> str:
    """Return a table cell as text."""
    return fmt(value, k)


# -- HTML and PDF ------------------------------------------------------------------------------

def html_fragment(doc, heading_level: int = 2) -> str:
    """Return the sections as an HTML fragment (tables, base64 PNG charts)."""
    k = doc.min_cell
    parted = any(s.part for s in doc.sections)
    level = heading_level + 1 if parted else heading_level
    h, h3 = f"h{level}", f"h{level + 1}"
    out = []
    part = ""
    for s in doc.sections:
        if parted and s.part != part:
            part = s.part
            out.append(f'<h{heading_level} class="lb-part">{escape(part)}</h{heading_level}>')
        out.append(f'<section id="{escape(s.key)}"><{h}>{escape(s.title)}</{h}>')
        out += [f"<p>{escape(p)}</p>" for p in s.paragraphs]
        if s.bullets:
            out.append("<ul>" + "".join(f"<li>{escape(b)}</li>" for b in s.bullets) + "</ul>")
        for t in s.tables:
            out.append(f'<{h3}>{escape(t.title)}</{h3}>{_html_table(t, k)}')
            if t.note:
                out.append(f'<p class="note">{escape(t.note)}</p>')
        for c in s.charts:
            data = base64.b64encode(c.png).decode()
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{escape(c.alt)}">'
                       f"<figcaption>{escape(c.title)}</figcaption></figure>")
        out.append("</section>")
    return "\n".join(out)


def _html_table(t: Table, k: int) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    body = []
    for row in t.rows:
        cells = []
        for v in row:
            cls = ' class="num"' if not isinstance(v, str) else ""
            cells.append(f"<td{cls}>{escape(cell_text(v, k))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="lb" data-key="{escape(t.key)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def to_html(doc) -> str:
    """Return a standalone HTML document."""
    return (f'<!doctype html><html lang="sv"><head><meta charset="utf-8">'
            f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{escape(doc.title)}</h1><p class=\"subtitle\">{escape(subtitle(doc))}</p>"
            f"{html_fragment(doc)}</body></html>")


def to_pdf(doc) -> bytes:
    """Return the document as PDF (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=to_html(doc)).write_pdf()


# -- DOCX --------------------------------------------------------------------------------------

def a4(d) -> None:
    """Set every section of a python-docx document to A4 portrait, 2 cm margins."""
    from docx.shared import Cm

    for section in d.sections:
        section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(2)


def to_docx(doc) -> bytes:
    """Return the document as DOCX (A4): headings, tables and pictures, editable in Word."""
    from docx import Document as Docx
    from docx.shared import Cm, Pt

    k = doc.min_cell
    d = Docx()
    a4(d)
    d.core_properties.language = "sv-SE"
    d.styles["Normal"].font.size = Pt(10)
    d.add_heading(doc.title, level=0)
    if subtitle(doc):
        d.add_paragraph(subtitle(doc))
    parted = any(s.part for s in doc.sections)
    level = 2 if parted else 1
    part = ""
    for s in doc.sections:
        if parted and s.part != part:
            part = s.part
            d.add_heading(part, level=1)
        d.add_heading(s.title, level=level)
        for p in s.paragraphs:
            d.add_paragraph(p)
        for b in s.bullets:
            d.add_paragraph(b, style="List Bullet")
        for t in s.tables:
            d.add_heading(t.title, level=level + 1)
            table = d.add_table(rows=1, cols=len(t.columns))
            table.style = "Table Grid"
            for cell, name in zip(table.rows[0].cells, t.columns, strict=True):
                cell.text = name
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in t.rows:
                cells = table.add_row().cells
                for cell, v in zip(cells, row, strict=True):
                    cell.text = cell_text(v, k)
            if t.note:
                d.add_paragraph(t.note)
        for c in s.charts:
            d.add_picture(io.BytesIO(c.png), width=Cm(16))
            d.add_paragraph(c.title)
    a4(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# -- Markdown ----------------------------------------------------------------------------------

def to_markdown(doc) -> str:
    """Return the document as Markdown (charts left out); all text escaped, no raw HTML."""
    k = doc.min_cell
    out = [f"# {md_escape(doc.title)}", ""]
    if subtitle(doc):
        out += [md_escape(subtitle(doc)), ""]
    parted = any(s.part for s in doc.sections)
    h2, h3 = ("###", "####") if parted else ("##", "###")
    part = ""
    for s in doc.sections:
        if parted and s.part != part:
            part = s.part
            out += [f"## {md_escape(part)}", ""]
        out += [f"{h2} {md_escape(s.title)}", ""]
        for p in s.paragraphs:
            out += [md_escape(p), ""]
        if s.bullets:
            out += [f"- {md_escape(b)}" for b in s.bullets] + [""]
        for t in s.tables:
            out += [f"{h3} {md_escape(t.title)}", ""]
            out += md_table(t.columns, ([cell_text(v, k) for v in row] for row in t.rows))
            out.append("")
            if t.note:
                out += [f"*{md_escape(t.note)}*", ""]
    return "\n".join(out)


# -- CSV, XLSX and GeoJSON (lägesbild only) ----------------------------------------------------

CSV_COLUMNS = ["Område", "Kommunkod", "Från", "Till", "Avsnitt", "Tabell", "Rad", "Kolumn",
               "Värde"]


def csv_rows(lb: Lagesbild) -> list[list]:
    """Return every published table in long form, one value a row (numbers as numbers)."""
    k = lb.min_cell
    rows = []
    for s in lb.sections:
        for t in s.tables:
            for row in t.rows:
                label = plain(row[0], k)
                for name, v in zip(t.columns[1:], row[1:], strict=True):
                    rows.append([lb.area_name, lb.area_code, lb.start.isoformat(),
                                 lb.end.isoformat(), s.title, t.title, label, name,
                                 plain(v, k)])
    return rows


def to_csv(lb: Lagesbild) -> bytes:
    """Return the tables as CSV for Swedish Excel (``;``, UTF-8 with BOM, safe cells)."""
    return csv_bytes(CSV_COLUMNS, csv_rows(lb))


def sheets(doc) -> list[Sheet]:
    """Return a sheet per table of ``doc``, after a sheet saying what the file is."""
    k = doc.min_cell
    about = Sheet("Om", ["Uppgift", "Värde"], [["Titel", doc.title], ["", subtitle(doc)]])
    for s in doc.sections:
        if s.key == "privacy":
            about.rows += [["", p] for p in s.paragraphs]
    out = [about]
    for s in doc.sections:
        for t in s.tables:
            out.append(Sheet(t.title, list(t.columns), [[plain(v, k) for v in row]
                                                        for row in t.rows], t.note))
    return out


def to_xlsx(doc) -> bytes:
    """Return every table of ``doc`` as a sheet of an XLSX workbook."""
    return xlsx_bytes(sheets(doc), title=doc.title)


def to_geojson(lb: Lagesbild) -> str:
    """Return hot spot polygons and aggregated count cells as a GeoJSON FeatureCollection.

    RFC 7946 (:mod:`est.geojson`): every geometry a MultiPolygon (one typed layer for
    GDAL/QGIS, the ``layer`` property says which), rings oriented, 6 decimals.
    """
    return json.dumps(geojson.normalise(lb.geojson, multi=True), ensure_ascii=False)


def check_layer(layer: str | None) -> str | None:
    """Return ``layer`` if it names a GeoJSON export layer (None for all); else 400."""
    if layer and layer not in GEOJSON_LAYERS:
        raise ValidationError(f"Okänt lager {layer!r}; välj {', '.join(GEOJSON_LAYERS)}.",
                              field="layer")
    return layer or None


def geojson_layer(body: bytes, layer: str | None) -> bytes:
    """Return the GeoJSON export ``body`` with only the features of ``layer`` (see LAYERS)."""
    if not check_layer(layer):
        return body
    data = json.loads(body)
    data["features"] = [f for f in data["features"] if f["properties"].get("layer") == layer]
    data["name"] = f"{data.get('name', 'lagesbild')}_{layer}"
    return json.dumps(data, ensure_ascii=False).encode()


def render(doc, fmt_: str) -> bytes:
    """Render ``doc`` in format ``fmt_`` (see :data:`FORMATS`) and return the bytes."""
    fmt_ = (fmt_ or "").lower()
    if fmt_ not in FORMATS:
        raise ValidationError(f"Okänt format {fmt_!r}; välj {', '.join(FORMATS)}.",
                              field="format")
    if fmt_ in ("csv", "geojson") and not isinstance(doc, Lagesbild):
        raise ValidationError("Formatet finns bara för lägesbilden.", field="format")
    if fmt_ == "xlsx":
        return to_xlsx(doc)
    if fmt_ == "html":
        return to_html(doc).encode()
    if fmt_ == "pdf":
        return to_pdf(doc)
    if fmt_ == "docx":
        return to_docx(doc)
    if fmt_ == "md":
        return to_markdown(doc).encode()
    if fmt_ == "csv":
        return to_csv(doc)
    return to_geojson(doc).encode()
