"""Demo trygghetsvandringar (with observations and proposals) and a digital walk."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from est import access
from est.models import Area, Report
from est.services import moderation
from est.walks import digital, observations, proposals, store

WALK_TITLES = ("Kvällsvandring: gångtunneln och stationsområdet",
               "Dagsvandring i Pålsboda centrum")
CAMPAIGN_TITLE = "Digital trygghetsvandring: Hallsbergs tätort"


def at(today: date, days_ago: int, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """Return the local time ``hour:minute`` ``days_ago`` days before ``today``."""
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=tz)


# -- trygghetsvandringar ---------------------------------------------------------------------

# (lon, lat, safety 1–5, CPTED ratings 0–3, reasons or incident category, note, safe place)
STATION_OBS: tuple[tuple[Any, ...], ...] = (
    (15.1158, 59.0639, 1, {"lighting": 0, "openness": 1, "visibility": 0, "people": 0,
                           "maintenance": 1}, ["belysning", "ode_plats"], None,
     "Gångtunneln under järnvägen: två av fyra armaturer trasiga, ingen sikt till "
     "utgången. Flera i gruppen säger att de går omvägen över bron efter mörkrets inbrott.",
     False),
    (15.1163, 59.0636, 2, {"lighting": 1, "openness": 0, "walkpath": 1},
     ["skymd_sikt"], None,
     "Buskage vid tunnelns södra mynning skymmer gångvägen mot Västra Storgatan.", False),
    (15.1125, 59.0652, 2, {"lighting": 2, "people": 1, "guardianship": 1, "transport": 3},
     ["folksamling", "tidigare_handelse"], None,
     "Resecentrums väntsal: grupper samlas kvällstid, personal finns bara till 18.", False),
    (15.1131, 59.0648, 2, {"lighting": 1, "maintenance": 0},
     [], "klotter",
     "Cykelgaraget vid spår 1: klotter och krossade glasrutor, låset till grinden saknas.",
     False),
    (15.1117, 59.0656, 4, {"lighting": 3, "openness": 3, "people": 2, "transport": 3},
     [], None,
     "Busshållplatsen framför stationshuset: ny belysning och kameraskylt, upplevs trygg.",
     True),
)
PALSBODA_OBS: tuple[tuple[Any, ...], ...] = (
    (15.3340, 59.0653, 3, {"lighting": 2, "openness": 2, "transport": 2, "maintenance": 1},
     ["otrygg_nedskrapning"], None,
     "Perrongen vid Pålsboda station: nedskräpat och trasig väderskyddsruta.", False),
    (15.3352, 59.0647, 2, {"walkpath": 1, "openness": 2}, ["trafikmiljo"], None,
     "Övergångsstället vid skolan saknar avsmalning; bilar håller hög fart.", False),
    (15.3361, 59.0655, 3, {"openness": 1, "visibility": 1, "maintenance": 1},
     ["skymd_sikt"], None,
     "Gångstigen bakom idrottshallen: igenvuxen häck, svårt att se vem som kommer.", False),
    (15.3345, 59.0643, 2, {"lighting": 2, "people": 1}, [], "skadegorelse",
     "Lekplatsen vid Storgatan: sönderslagen bänk och brännmärken på rutschkanan.", False),
    (15.3350, 59.0650, 5, {"lighting": 3, "people": 3, "mix": 3, "guardianship": 2},
     [], None, "Torget vid livsmedelsbutiken: folk i rörelse hela dagen, välskött.", True),
)


def load_walks(session: Session, actor: access.ActorLike, muni: Area, districts: dict[str, int],
               orgs: dict[str, int], today: date, tz: ZoneInfo) -> tuple[int, int]:
    """Store the two walks with observations and proposals; return (walks, observations)."""
    kommun = orgs.get("Hallsbergs kommun")
    polis = orgs.get("Polisen, lokalpolisområde Hallsberg")
    hallbo = orgs.get("Hallbo AB")
    plans = (
        (WALK_TITLES[0], districts.get("Hallsberg tätort", muni.id), 38, 19, "morker",
         "Kartlägga otrygghet kring gångtunneln och resecentrum efter mörkrets inbrott, "
         "inför medborgarlöftet.", "Uppehåll, 4 °C, blött underlag",
         {"total": 14, "residents": 8, "age": {"16-25": 3, "26-40": 4, "41-64": 5, "65+": 2},
          "gender": {"kvinna": 8, "man": 6}},
         [[15.1100, 59.0672], [15.1117, 59.0656], [15.1125, 59.0652], [15.1131, 59.0648],
          [15.1158, 59.0639], [15.1163, 59.0636], [15.1175, 59.0630]], STATION_OBS),
        (WALK_TITLES[1], districts.get("Pålsboda", muni.id), 17, 10, "dagsljus",
         "Följa upp synpunkter från föräldrar och pensionärer om skolvägen och stationen.",
         "Mulet, 7 °C",
         {"total": 9, "residents": 7, "age": {"under_16": 2, "41-64": 4, "65+": 3},
          "gender": {"kvinna": 5, "man": 4}},
         [[15.3340, 59.0653], [15.3345, 59.0643], [15.3352, 59.0647], [15.3350, 59.0650],
          [15.3361, 59.0655]], PALSBODA_OBS),
    )
    n_obs = 0
    for title, area_id, days_ago, hour, light, purpose, weather, people, route, obs in plans:
        starts = at(today, days_ago, hour, 0, tz)
        walk = store.create_walk(session, actor, {
            "title": title, "purpose": purpose, "weather": weather, "light": light,
            "participants": people, "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(), "area_id": area_id,
            "organiser_id": kommun,
            "organisation_ids": [o for o in (kommun, polis, hallbo) if o]}, tz=tz)
        store.set_route(session, actor, walk.id, route)
        made = []
        for k, (lon, lat, safety, ratings, reasons, category, note, safe) in enumerate(obs):
            made.append(observations.add_observation(session, actor, walk.id, {
                "lon": lon, "lat": lat, "safety": safety, "ratings": ratings,
                "reasons": reasons, "category": category, "note": note,
                "safe_place": safe,
                "observed_at": (starts + timedelta(minutes=15 + 18 * k)).isoformat()}, tz=tz))
        n_obs += len(made)
        store.finish_walk(session, actor, walk.id, now=starts + timedelta(hours=2))
        store.set_follow_up(session, actor, walk.id, {
            "feedback_sent_on": (starts.date() + timedelta(days=9)).isoformat(),
            "rewalk_on": (starts.date() + timedelta(days=180)).isoformat()})
        _proposals(session, actor, made, kommun, hallbo, today, title == WALK_TITLES[0])
    return len(plans), n_obs


def _proposals(session: Session, actor: access.ActorLike, made: list, kommun: int | None,
               hallbo: int | None, today: date, station: bool) -> None:
    items: tuple[tuple[Any, ...], ...]
    if station:
        items = (
            (made[0], "Byt trasiga armaturer i gångtunneln och sätt vandalsäker LED-belysning "
                      "längs hela tunneln.", "quick", 1, kommun, "action", None),
            (made[1], "Röj buskaget vid tunnelns södra mynning och håll det under 60 cm.",
             "quick", 2, kommun, "accepted", None),
            (made[2], "Kameraövervakning i väntsalen dygnet runt.", "long", 3, kommun,
             "rejected", "Kamerabevakning kräver tillstånd och prövas först efter att "
                         "belysning och bemanning har förbättrats; tas upp igen i nästa "
                         "lägesbild."),
        )
    else:
        items = (
            (made[1], "Bygg en avsmalning med upphöjt övergångsställe vid skolan.", "long", 1,
             kommun, "action", None),
            (made[2], "Klipp häcken bakom idrottshallen och sätt en belysningsstolpe.",
             "quick", 2, hallbo or kommun, "accepted", None),
        )
    for obs, measure, horizon, priority, org, outcome, reason in items:
        proposal = proposals.add_proposal(session, actor, obs.id, {
            "measure": measure, "horizon": horizon, "priority": priority,
            "organisation_id": org})
        if outcome == "action":
            proposals.proposal_to_action(session, actor, proposal.id, data={
                "due_on": (today + timedelta(days=60)).isoformat()}, today=today)
        else:
            proposals.update_proposal(session, actor, proposal.id,
                                      {"status": outcome, "reject_reason": reason or ""})


# -- digital trygghetsvandring ---------------------------------------------------------------

# (lon, lat, pin, reasons, text, publish)
PINS = (
    (15.1159, 59.0638, "unsafe", ["belysning", "ode_plats"],
     "Mörkt i tunneln under spåren, jag cyklar hellre runt.", True),
    (15.1124, 59.0653, "unsafe", ["folksamling"],
     "Gäng som hänger vid resecentrum på fredagskvällar.", True),
    (15.1000, 59.0621, "unsafe", ["narkotikahandel", "belysning"],
     "Folkets park: mörka gångar och man ser affärer göras vid scenen.", True),
    (15.1088, 59.0673, "unsafe", ["otrygg_nedskrapning"],
     "Mycket skräp och krossat glas vid torget på helgerna.", True),
    (15.1045, 59.0688, "unsafe", ["trafikmiljo"],
     "Bilar kör fort förbi Alléskolan när eleverna slutar.", True),
    (15.1135, 59.0660, "unsafe", ["skymd_sikt"],
     "Höga buskar längs gångvägen mot stationen.", True),
    (15.1070, 59.0640, "unsafe", ["ovrigt_otrygg"],
     "Känns otryggt här.", False),
    (15.1088, 59.0670, "safe", ["folkliv", "belysning"], "Torget dagtid.", False),
    (15.1040, 59.0692, "safe", ["overblick"], "Skolgården, bra överblick.", False),
    (15.1117, 59.0657, "safe", ["belysning", "valskott"], "Nya busshållplatsen.", False),
)


def load_campaign(session: Session, actor: access.ActorLike, muni: Area,
                  districts: dict[str, int], today: date, tz: ZoneInfo) -> int:
    """Store the closed digital walk and its pins (published through moderation)."""
    opens = at(today, 80, 8, 0, tz)
    closes = at(today, 52, 20, 0, tz)
    campaign = digital.create_campaign(session, actor, {
        "title": CAMPAIGN_TITLE, "opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
        "area_id": districts.get("Hallsberg tätort", muni.id),
        "description": "Markera platser där du känner dig otrygg eller trygg i Hallsbergs "
                       "tätort. Markeringarna används när vi planerar kvällsvandringen."},
        tz=tz)
    for k, (lon, lat, pin, reasons, note, publish) in enumerate(PINS):
        now = opens + timedelta(days=2 * k + 1, hours=k % 5)
        data = {"pin": pin, "lon": lon, "lat": lat}
        if pin == "unsafe":
            data.update(reasons=reasons, description=note)
        else:
            data.update(safe_reasons=reasons, note=note)
        made = digital.add_pin(session, campaign.id, data, tz=tz, now=now)
        if publish and isinstance(made, Report):
            moderation.publish(session, made.id, actor)
    return len(PINS)
