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
    from datetime import UTC, datetime

    from est.models.inputs import DigitalWalk

    area = municipality()
    walks = get_session().scalars(select(DigitalWalk).where(
        DigitalWalk.area_id == area.id, DigitalWalk.closes_at > datetime.now(UTC))
        .order_by(DigitalWalk.opens_at))
    return render_template("public/posters.html", area=area, walks=list(walks),
                           places=list_places(get_session(), area.id))


@bp.get("/affischer/plats-<int:place_id>.pdf")
@permission_required("aggregates.view")
def poster(place_id: int):
    """Return an A4 PDF poster for a place with a QR code to the form, the place chosen."""
    area = municipality()
    place = get_session().scalar(select(Place).where(Place.id == place_id,
                                                     Place.area_id == area.id))
    if place is None:
        raise NotFound("Platsen finns inte.")
    target = url_for("report_public.form", plats=place.id, _external=True)
    return _poster_pdf(target, f"affisch-plats-{place.id}.pdf",
                       heading="Känner du dig otrygg här?",
                       subtitle=f"{place.name}, {area.name}",
                       lead="Skanna koden och berätta för kommunen. Det tar en minut och du "
                            "behöver inte lämna namn.")


@bp.get("/affischer/vandring-<int:campaign_id>.pdf")
@permission_required("aggregates.view")
def walk_poster(campaign_id: int):
    """Return an A4 PDF poster with a QR code to a public digital trygghetsvandring."""
    from est.models.inputs import DigitalWalk

    area = municipality()
    campaign = get_session().scalar(select(DigitalWalk).where(
        DigitalWalk.id == campaign_id, DigitalWalk.area_id == area.id))
    if campaign is None:
        raise NotFound("Vandringen finns inte.")
    tz = current_app.config["EST_SETTINGS"].tz
    target = url_for("digital_walk.public", campaign_id=campaign.id, _external=True)
    return _poster_pdf(target, f"affisch-vandring-{campaign.id}.pdf",
                       heading="Var med i trygghetsvandringen!",
                       subtitle=f"{campaign.title}, {area.name}",
                       lead=f"Skanna koden och markera på kartan var du känner dig trygg och "
                            f"otrygg, {day(campaign.opens_at.astimezone(tz).date())} – "
                            f"{day(campaign.closes_at.astimezone(tz).date())}.")


def _poster_pdf(target: str, filename: str, **text: str) -> Response:
    import segno
    from weasyprint import HTML

    svg = segno.make(target, error="m").svg_inline(scale=10, border=2)
    html = render_template("public/poster.html", url=target,
                           qr_src="data:image/svg+xml;base64,"
                           + base64.b64encode(svg.encode()).decode(), **text)
    pdf = HTML(string=html).write_pdf()
    return Response(pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"'})
