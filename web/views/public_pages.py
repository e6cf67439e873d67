"""Pages a municipality can link from its website: medborgarlöften, how the public map is
made, and QR posters that open the report form with a place chosen."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, current_app, render_template, url_for
from sqlalchemy import select

from est.errors import NotFound
from est.format import day, number, period
from est.models import Place
from est.services import resident
from est.services.reports import list_places
from web.auth import permission_required
from web.db import get_session
from web.views.report_public import municipality

bp = Blueprint("public_pages", __name__)


@bp.app_template_global()
def est_number(value, decimals=None) -> str:
    """The one number formatter (est.format.number) for templates."""
    return number(value, decimals)


@bp.get("/medborgarloften")
def promises():
    """Show the published medborgarlöften with their latest follow-up, in plain Swedish."""
    area = municipality()
    found = resident.published_promises(get_session(), area.id)
    return render_template("public/promises.html", area=area, promises=found, day=day,
                           period=period)


@bp.get("/om-kartan")
def about_map():
    """Explain how and why the public map and figures are aggregated (the legend in words)."""
    settings = current_app.config["EST_SETTINGS"]
    return render_template("public/about_map.html", area=municipality(), s=settings)


@bp.get("/affischer")
@permission_required("aggregates.view")
def posters():
    """List the named places with a link to each place's QR poster (staff)."""
    area = municipality()
    return render_template("public/posters.html", area=area,
                           places=list_places(get_session(), area.id))


@bp.get("/affischer/plats-<int:place_id>.pdf")
@permission_required("aggregates.view")
def poster(place_id: int):
    """Return an A4 PDF poster for a place with a QR code to the form, the place chosen."""
    import segno
    from weasyprint import HTML

    area = municipality()
    place = get_session().scalar(select(Place).where(Place.id == place_id,
                                                     Place.area_id == area.id))
    if place is None:
        raise NotFound("Platsen finns inte.")
    target = url_for("report_public.form", plats=place.id, _external=True)
    svg = segno.make(target, error="m").svg_inline(scale=10, border=2)
    html = render_template("public/poster.html", area=area, place=place, url=target,
                           qr_src="data:image/svg+xml;base64,"
                           + base64.b64encode(svg.encode()).decode())
    pdf = HTML(string=html).write_pdf()
    return Response(pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="affisch-plats-{place.id}.pdf"'})
