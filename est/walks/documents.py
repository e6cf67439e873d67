"""The walk report as a printed map (PNG), an HTML document for PDF (WeasyPrint) and a DOCX.

The map is drawn with matplotlib in Web Mercator: the route as a line, each observation as a
numbered dot (red: problem place, green: safe place), on the tile server's basemap when a
:class:`~est.printmap.TileSource` is given (cached; a note on the map when unreachable).
All user text is escaped (HTML) or written as plain runs (DOCX).
"""

from __future__ import annotations

import base64
import io
from html import escape

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from est import format as sv
from est.printmap import NOTE_UNREACHABLE, TileSource
from est.printmap.tiles import mercator
from est.walks import rules
from est.walks.summary import WalkReport

WIDTH_IN, HEIGHT_IN, DPI = 7.0, 5.0, 150
ROUTE_COLOUR = "#1f3a93"
PROBLEM_COLOUR = "#b03a2e"
SAFE_COLOUR = "#1e8449"
MIN_SPAN_M = 400.0
CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages);
  font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1b1b1b; }
h1 { font-size: 17pt; color: #1f3a93; margin-bottom: 2pt; }
h2 { font-size: 12.5pt; color: #1f3a93; border-bottom: 1px solid #c9d1e0; margin-top: 14pt; }
table { border-collapse: collapse; margin: 4pt 0 10pt; font-size: 8pt; }
th, td { border: 1px solid #c9d1e0; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eef2f8; }
td.num { text-align: right; }
figure { margin: 6pt 0; page-break-inside: avoid; }
figure img { width: 100%; }
figcaption, p.note { font-size: 8pt; color: #555; }
"""


def draw_walk_map(report: WalkReport, source: TileSource | None = None,
                  attribution: str = "") -> tuple[bytes, str | None]:
    """Return the walk's printed map as PNG bytes and a note (basemap unreachable) or None."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    route = [mercator(lon, lat) for lon, lat in report.route]
    dots = [(o, mercator(o.lon, o.lat)) for o in report.observations]
    xs = [p[0] for p in route] + [p[0] for _, p in dots]
    ys = [p[1] for p in route] + [p[1] for _, p in dots]
    if not xs:
        return b"", None
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    aspect = WIDTH_IN / HEIGHT_IN
    half_w = max((max(xs) - min(xs)) * 0.6, (max(ys) - min(ys)) * 0.6 * aspect, MIN_SPAN_M / 2)
    half_h = half_w / aspect
    x0, x1, y0, y1 = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    note = None
    mosaic = source.mosaic((x0, y0, x1, y1), int(WIDTH_IN * DPI)) if source else None
    if source is not None and mosaic is None:
        note = NOTE_UNREACHABLE
    if mosaic is not None:
        mx0, my0, mx1, my1 = mosaic.extent
        ax.imshow(mosaic.image, extent=(mx0, mx1, my0, my1), interpolation="bilinear", zorder=0)
    else:
        ax.fill([x0, x1, x1, x0], [y0, y0, y1, y1], color="#f4f6f7", lw=0, zorder=0)
    if len(route) >= 2:
        ax.plot([p[0] for p in route], [p[1] for p in route], color=ROUTE_COLOUR, lw=3,
                alpha=0.8, zorder=2)
    for o, (x, y) in dots:
        colour = SAFE_COLOUR if o.safe_place else PROBLEM_COLOUR
        ax.annotate(str(o.number), (x, y), ha="center", va="center", fontsize=7, weight="bold",
                    color="white", zorder=4,
                    bbox={"boxstyle": "circle,pad=0.3", "fc": colour, "ec": "white", "lw": 1})
    handles = [Line2D([], [], color=ROUTE_COLOUR, lw=3, label="Rutt"),
               Line2D([], [], marker="o", ls="", color=PROBLEM_COLOUR, label="Problemplats"),
               Line2D([], [], marker="o", ls="", color=SAFE_COLOUR, label="Trygg plats")]
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    if mosaic is not None and attribution:
        ax.text(x0 + 0.01 * (x1 - x0), y0 + 0.015 * (y1 - y0), attribution, fontsize=6,
                zorder=5, bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})
    if note:
        ax.text(0.5, 0.97, note, transform=ax.transAxes, ha="center", va="top", fontsize=9,
                color="#7b241c", zorder=6, bbox={"fc": "#fdedec", "ec": "#7b241c", "pad": 4})
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue(), note


def _facts(report: WalkReport) -> list[tuple[str, str]]:
    walk = report.walk
    return [
        ("Område", report.area_name), ("Tid", report.when),
        ("Ljus", rules.LIGHT_LABELS.get(walk.light, walk.light)),
        ("Väder", walk.weather or "saknas"), ("Arrangör", report.organiser or "saknas"),
        ("Deltagande organisationer", ", ".join(report.organisations) or "saknas"),
        ("Deltagare", "; ".join(report.participant_lines)),
        ("Tillgänglighet", walk.accessibility_notes or "saknas"),
        ("Syfte", walk.purpose or "saknas"),
        ("Status", rules.STATUS_LABELS.get(walk.status, walk.status)),
        ("Återkoppling till deltagarna", sv.day(walk.feedback_sent_on)
         if walk.feedback_sent_on else "inte skickad"),
        ("Ny vandring planerad", sv.day(walk.rewalk_on) if walk.rewalk_on else "ingen"),
    ]


def rating_cells(report: WalkReport) -> list[list[str]]:
    """Return the ratings summary rows (parameter, n, mean, count per score 0–3)."""
    # Nobody rated it: no distribution to show, so "–" rather than a row of zeros.
    return [[r.label, sv.number(r.n), r.mean_text if r.n else "saknas",
             *((sv.number(c) for c in r.counts) if r.n else ("–",) * 4)]
            for r in report.ratings]


def observation_cells(report: WalkReport) -> list[list[str]]:
    """Return the observation table rows."""
    return [[str(o.number), report.local(o.observed_at)[11:], o.problem,
             sv.number(o.safety) if o.safety else "saknas", o.note or "",
             "ja" if o.has_photo else "nej"] for o in report.observations]


def proposal_cells(report: WalkReport) -> list[list[str]]:
    """Return the proposal table rows with status (and the action's status)."""
    rows = []
    for p in report.proposals:
        status = rules.PROPOSAL_STATUS_LABELS.get(p.status, p.status)
        if p.status == "rejected" and p.reject_reason:
            status += f": {p.reject_reason}"
        if p.action_id:
            status += f" (åtgärd {p.action_id}: {p.action_status or 'saknas'})"
        rows.append([str(p.observation_number), p.measure,
                     rules.HORIZON_LABELS.get(p.horizon, p.horizon), p.organisation or "saknas",
                     rules.PRIORITY_LABELS.get(p.priority, str(p.priority)), status])
    return rows


OBS_HEAD = ["Nr", "Tid", "Plats", "Trygghet (1–5)", "Anteckning", "Foto"]
RATING_HEAD = ["Bedömning", "Antal", "Medel (0–3)", "0", "1", "2", "3"]
PROPOSAL_HEAD = ["Obs.", "Förslag", "Typ", "Ansvarig", "Prioritet", "Status"]


def _table(head: list[str], rows: list[list[str]],
           numeric: frozenset[int] | set[int] = frozenset()) -> str:
    num = ' class="num"'
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(
            f"<td{num if i in numeric else ''}>{escape(c)}</td>"
            for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def to_html(report: WalkReport, png: bytes, note: str | None) -> str:
    """Return the walk report as a standalone HTML document (the PDF's source)."""
    walk = report.walk
    parts = [f"<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
             f"<title>{escape(walk.title)}</title><style>{CSS}</style></head><body>",
             f"<h1>Trygghetsvandring: {escape(walk.title)}</h1>",
             "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>"
                                 for k, v in _facts(report)) + "</table>"]
    parts.append("<h2>Karta</h2>")
    if png:
        caption = "Rutt och observationer, numrerade som i tabellen"
        if note:
            caption += f". {note}"
        parts.append(f"<figure><img alt=\"Karta över rutten\" src=\"data:image/png;base64,"
                     f"{base64.b64encode(png).decode()}\"><figcaption>{escape(caption)}"
                     "</figcaption></figure>")
    else:
        parts.append("<p class=\"note\">Ingen rutt och inga observationer ännu.</p>")
    parts.append(f"<h2>Observationer ({sv.number(len(report.observations))})</h2>")
    parts.append(f"<p>Problemplatser: {sv.number(report.problem_count)} (räknas som rapporter "
                 f"av källan trygghetsvandring). Trygga platser: {sv.number(report.safe_count)}"
                 ".</p>")
    parts.append(_table(OBS_HEAD, observation_cells(report), {0, 3}))
    parts.append("<h2>Sammanställning av bedömningarna</h2>")
    parts.append(f"<p>Upplevd trygghet 1–5: medel {escape(sv.number(report.safety_mean, 1))} "
                 f"av {sv.number(report.safety_n)} bedömda platser. Bedömningarna 0–3: "
                 "0 = dåligt, 3 = bra.</p>")
    parts.append(_table(RATING_HEAD, rating_cells(report), {1, 2, 3, 4, 5, 6}))
    parts.append(f"<h2>Åtgärdsförslag ({sv.number(len(report.proposals))})</h2>")
    parts.append(_table(PROPOSAL_HEAD, proposal_cells(report), {0}) if report.proposals
                 else "<p class=\"note\">Inga förslag ännu.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(report: WalkReport, png: bytes, note: str | None) -> bytes:
    """Return the walk report as an A4 PDF (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=to_html(report, png, note)).write_pdf()


def to_docx(report: WalkReport, png: bytes, note: str | None) -> bytes:
    """Return the walk report as a DOCX (python-docx; user text as plain runs)."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    doc.add_heading(f"Trygghetsvandring: {report.walk.title}", level=1)
    _docx_table(doc, ["Uppgift", "Värde"], [list(r) for r in _facts(report)])
    doc.add_heading("Karta", level=2)
    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc.add_paragraph("Rutt och observationer, numrerade som i tabellen"
                          + (f". {note}" if note else ""))
    else:
        doc.add_paragraph("Ingen rutt och inga observationer ännu.")
    doc.add_heading(f"Observationer ({sv.number(len(report.observations))})", level=2)
    doc.add_paragraph(f"Problemplatser: {sv.number(report.problem_count)}. "
                      f"Trygga platser: {sv.number(report.safe_count)}.")
    _docx_table(doc, OBS_HEAD, observation_cells(report))
    doc.add_heading("Sammanställning av bedömningarna", level=2)
    doc.add_paragraph(f"Upplevd trygghet 1–5: medel {sv.number(report.safety_mean, 1)} av "
                      f"{sv.number(report.safety_n)} bedömda platser. 0 = dåligt, 3 = bra.")
    _docx_table(doc, RATING_HEAD, rating_cells(report))
    doc.add_heading(f"Åtgärdsförslag ({sv.number(len(report.proposals))})", level=2)
    if report.proposals:
        _docx_table(doc, PROPOSAL_HEAD, proposal_cells(report))
    else:
        doc.add_paragraph("Inga förslag ännu.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_table(doc, head: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = _docx_safe(text)


def _docx_safe(text: str) -> str:
    """Drop control characters XML 1.0 cannot hold (python-docx would raise)."""
    return "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32)
