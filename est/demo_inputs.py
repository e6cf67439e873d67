"""Demo step: every other input of the lägesbild for Hallsberg (1861).

Two trygghetsvandringar with observations and proposals, a closed digital walk with pins,
a medborgardialog and a medarbetardialog, survey results (Polisens trygghetsmätning and the
municipality's survey, this year and last year), Brå statistics, a Kolada value, the
municipality's population and the EST group's texts for the decided lägesbild's period.

Everything goes through the real services and importers (the files are generated here and
written to a temporary directory), so bounds and links are exercised. A re-run first removes
the demo's own inputs (recognised by their titles and file names), then loads them again.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.demo import DEMO_CODE
from est.inputs.bra import import_bra
from est.inputs.dialogues import create_dialogue
from est.inputs.kolada import import_kolada
from est.inputs.population import import_population
from est.inputs.surveys import import_survey
from est.lagesbild.group import save_draft
from est.models import Action, Area, DigitalWalk, Organisation, Report, User, Walk
from est.models.inputs import Dialogue, Survey, WalkObservation, WalkProposal
from est.services import moderation
from est.walks import digital, observations, proposals, store

COORDINATOR = "samordnare@hallsberg.example"
WALK_TITLES = ("Kvällsvandring: gångtunneln och stationsområdet",
               "Dagsvandring i Pålsboda centrum")
CAMPAIGN_TITLE = "Digital trygghetsvandring: Hallsbergs tätort"
DIALOGUE_TITLES = ("Medborgardialog om trygghet kring resecentrum",
                   "Medarbetardialog: fältassistenter, fritidsgård och trygghetsvärdar")
SURVEY_FILE_PREFIX = "demo-"


@dataclass(frozen=True)
class DemoInputsResult:
    """What the step stored."""

    walks: int
    observations: int
    pins: int
    dialogues: int
    surveys: int
    statistics: int
    start: date
    end: date


def lagesbild_period(today: date) -> tuple[date, date]:
    """Return the period of the demo's decided lägesbild: the 90 days before today."""
    end = today - timedelta(days=1)
    return end - timedelta(days=89), end


def demo_inputs(session: Session) -> str:
    """Demo step (``step(session) -> str``): load every lägesbild input of the demo."""
    from flask import current_app

    tz = current_app.config["EST_SETTINGS"].tz
    result = load_demo_inputs(session, today=datetime.now(tz).date(), tz=tz)
    return (f"Lägesbild inputs {result.start}–{result.end}: {result.walks} trygghetsvandringar "
            f"({result.observations} observations), a digital walk with {result.pins} pins, "
            f"{result.dialogues} dialogues, {result.surveys} surveys, "
            f"{result.statistics} statistics rows and the group's texts: /underlag")


def load_demo_inputs(session: Session, *, today: date, tz: ZoneInfo) -> DemoInputsResult:
    """Replace the demo's inputs (see the module docstring); return what was stored."""
    muni = session.scalar(select(Area).where(Area.code == DEMO_CODE,
                                             Area.kind == "municipality"))
    user = session.scalar(select(User).where(User.email == COORDINATOR))
    if muni is None or user is None:
        raise LookupError("Load the demo municipality and accounts first (est demo).")
    # Actor is a frozen snapshot; the services type their actor as the ActorLike protocol.
    actor = cast(access.ActorLike, access.actor_for(session, user))
    start, end = lagesbild_period(today)
    _remove_previous(session, muni)
    orgs = {o.name: o.id for o in session.scalars(
        select(Organisation).where(Organisation.area_id == muni.id))}
    districts = {a.name: a.id for a in session.scalars(
        select(Area).where(Area.parent_id == muni.id))}
    walks, n_obs = _walks(session, actor, muni, districts, orgs, today, tz)
    pins = _campaign(session, actor, muni, districts, today, tz)
    dialogues = _dialogues(session, actor, muni, districts, today)
    surveys = _surveys(session, end)
    stats = _statistics(session, end)
    _group_texts(session, actor, muni, start, end)
    session.commit()
    return DemoInputsResult(walks=walks, observations=n_obs, pins=pins, dialogues=dialogues,
                            surveys=surveys, statistics=stats, start=start, end=end)


def _remove_previous(session: Session, muni: Area) -> None:
    ids = [muni.id, *session.scalars(select(Area.id).where(Area.parent_id == muni.id))]
    with transaction(session):
        walk_ids = list(session.scalars(select(Walk.id).where(
            Walk.area_id.in_(ids), Walk.title.in_(WALK_TITLES))))
        if walk_ids:
            obs = select(WalkObservation.id).where(WalkObservation.walk_id.in_(walk_ids))
            action_ids = list(session.scalars(select(WalkProposal.action_id).where(
                WalkProposal.observation_id.in_(obs), WalkProposal.action_id.is_not(None))))
            report_ids = list(session.scalars(select(WalkObservation.report_id).where(
                WalkObservation.walk_id.in_(walk_ids), WalkObservation.report_id.is_not(None))))
            session.execute(delete(Walk).where(Walk.id.in_(walk_ids)))
            if action_ids:
                session.execute(delete(Action).where(Action.id.in_(action_ids)))
            if report_ids:
                session.execute(delete(Report).where(Report.id.in_(report_ids)))
        campaign_ids = list(session.scalars(select(DigitalWalk.id).where(
            DigitalWalk.area_id.in_(ids), DigitalWalk.title == CAMPAIGN_TITLE)))
        if campaign_ids:
            session.execute(delete(Report).where(Report.campaign_id.in_(campaign_ids)))
            session.execute(delete(DigitalWalk).where(DigitalWalk.id.in_(campaign_ids)))
        session.execute(delete(Dialogue).where(Dialogue.area_id.in_(ids),
                                               Dialogue.title.in_(DIALOGUE_TITLES)))
        session.execute(delete(Survey).where(Survey.area_id == muni.id,
                                             Survey.source_file.like(f"{SURVEY_FILE_PREFIX}%")))


def _at(today: date, days_ago: int, hour: int, minute: int, tz: ZoneInfo) -> datetime:
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


def _walks(session: Session, actor: access.ActorLike, muni: Area, districts: dict[str, int],
           orgs: dict[str, int], today: date, tz: ZoneInfo) -> tuple[int, int]:
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
        starts = _at(today, days_ago, hour, 0, tz)
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


def _campaign(session: Session, actor: access.ActorLike, muni: Area, districts: dict[str, int],
              today: date, tz: ZoneInfo) -> int:
    opens = _at(today, 80, 8, 0, tz)
    closes = _at(today, 52, 20, 0, tz)
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


# -- dialogues -------------------------------------------------------------------------------

def _dialogues(session: Session, actor: access.ActorLike, muni: Area, districts: dict[str, int],
               today: date) -> int:
    town = districts.get("Hallsberg tätort", muni.id)
    forms = (
        {"kind": "medborgardialog", "title": DIALOGUE_TITLES[0],
         "held_on": (today - timedelta(days=45)).isoformat(), "area": str(town),
         "participant_group": ["Boende i centrala Hallsberg", "Pendlare",
                               "Elever åk 8–9, Alléskolan", "Företagare vid torget"],
         "participant_count": ["18", "7", "12", "5"],
         "theme_category": ["", "ordningsstorning", "narkotika", ""],
         "theme_free": ["Belysning i gångtunneln", "", "", "Vuxennärvaro på kvällar"],
         "theme_mentions": ["14", "9", "6", "8"],
         "quote": ["Jag tar bilen till stationen fast jag bor tio minuter bort, för "
                   "tunneln känns inte okej när det är mörkt.",
                   "Det vore tryggare om det fanns någon vuxen i väntsalen på kvällen.",
                   "Torget är mysigt på dagen men på helgnätterna är det glas överallt."],
         "place_label": ["Gångtunneln vid järnvägen", "Hallsbergs resecentrum",
                         "Torget, Hallsberg"],
         "place_lat": ["59.0638", "59.0651", "59.0672"],
         "place_lon": ["15.1160", "15.1122", "15.1088"]},
        {"kind": "medarbetardialog", "title": DIALOGUE_TITLES[1],
         "held_on": (today - timedelta(days=24)).isoformat(), "area": str(muni.id),
         "participant_group": ["Fältassistenter", "Fritidsledare", "Trygghetsvärdar",
                               "Kommunpoliser"],
         "participant_count": ["4", "6", "5", "2"],
         "theme_category": ["ungdomar_riskmiljo", "langning", "", ""],
         "theme_free": ["", "", "Unga från andra orter kommer med tåget fredagkvällar",
                        "Otydligt vem som ansvarar för belysningen vid stationen"],
         "theme_mentions": ["7", "3", "5", "4"],
         "quote": ["Vi ser samma grupp på 14–16-åringar vid resecentrum varje fredag, "
                   "och de är inte alltid härifrån.",
                   "Belysningen i tunneln anmäls av oss varannan vecka."],
         "place_label": ["Hallsbergs resecentrum", "Folkets park, Hallsberg",
                         "Pålsboda station"],
         "place_lat": ["59.0651", "59.0620", "59.0654"],
         "place_lon": ["15.1122", "15.1000", "15.3338"]},
    )
    for form in forms:
        create_dialogue(session, actor, form)
    return len(forms)


# -- surveys ---------------------------------------------------------------------------------

# question -> (last year, this year): problem index 0–6 (police) or share agreeing (municipality)
POLICE_QUESTIONS = {
    "Nedskräpning": (2.4, 2.1), "Skadegörelse": (1.9, 1.8),
    "Personer som är påverkade av alkohol eller narkotika": (1.6, 1.9),
    "Otrygg i området sent en kväll": (1.7, 2.0), "Bilar som körs på ett störande sätt": (2.6, 2.3),
}
MUNICIPAL_QUESTIONS = {
    "Jag känner mig trygg i mitt bostadsområde på kvällen": (71.0, 68.0),
    "Jag undviker vissa platser på grund av otrygghet": (24.0, 29.0),
    "Belysningen i mitt område är bra": (58.0, 61.0),
}
# Areas that do not overlap (respondents are summed over areas) with their share of the n:
# the police measure the whole municipality, the municipality's survey reports per town.
SURVEY_AREAS = {
    True: (("Hallsberg", 1.0, 0.0),),
    False: (("Hallsberg tätort", 0.6, 0.0), ("Pålsboda", 0.15, -4.0),
            ("Vretstorp", 0.1, 3.0), ("Östansjö", 0.08, 5.0), ("Sköllersta", 0.07, 6.0)),
}


def _survey_csv(questions: dict[str, tuple[float, float]], which: int, base_n: int,
                police: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Område", "Fråga", "Problemindex" if police else "Andel (%)", "Antal svar",
                     "Svarsfrekvens (%)"])
    for area, share, shift in SURVEY_AREAS[police]:
        for k, (question, values) in enumerate(questions.items()):
            value = values[which] + (shift if k % 2 == 0 else -shift / 2)
            writer.writerow([area, question, f"{value:.1f}".replace(".", ","),
                             int(base_n * share), "41" if police else "36"])
    return buffer.getvalue()


def _surveys(session: Session, end: date) -> int:
    made = 0
    with tempfile.TemporaryDirectory(prefix="est-demo-") as tmp:
        for which, year in enumerate((end.year - 1, end.year)):
            for kind, questions, base_n in (("polisens_trygghetsmatning", POLICE_QUESTIONS, 620),
                                            ("kommun", MUNICIPAL_QUESTIONS, 940)):
                name = f"{SURVEY_FILE_PREFIX}{kind}-{year}.csv"
                path = Path(tmp) / name
                path.write_text(_survey_csv(questions, which, base_n,
                                            kind == "polisens_trygghetsmatning"),
                                encoding="utf-8")
                import_survey(session, path, kind=kind, period=str(year), area_code=DEMO_CODE,
                              source_name=name)
                made += 1
    return made


# -- official statistics ---------------------------------------------------------------------

# crime type -> counts (last year, this year) for Hallsberg; county and country are scaled.
BRA_CRIMES = {"Skadegörelsebrott": (412, 389), "Misshandel": (96, 104),
              "Narkotikabrott": (131, 158), "Stöld och tillgrepp": (688, 651)}
REGIONS = (("1861 Hallsberg", 1), ("Örebro län", 20), ("Riket", 690))
POPULATION = {"1861": (16_280, 16_340), "18": (306_800, 308_100), "00": (10_551_700, 10_587_700)}


def _statistics(session: Session, end: date) -> int:
    years = (end.year - 1, end.year)
    with tempfile.TemporaryDirectory(prefix="est-demo-") as tmp:
        book = Workbook()
        sheet = book.active
        sheet.append(["Anmälda brott, totalt antal (demo)"])
        sheet.append([])
        sheet.append(["Brottstyp", "Region", "Enhet", *[str(y) for y in years]])
        for crime, counts in BRA_CRIMES.items():
            for region, scale in REGIONS:
                sheet.append([crime, region, "Antal", *[c * scale for c in counts]])
        xlsx = Path(tmp) / f"{SURVEY_FILE_PREFIX}bra.xlsx"
        book.save(xlsx)
        bra = import_bra(session, xlsx)
        kolada = Path(tmp) / f"{SURVEY_FILE_PREFIX}kolada.json"
        kolada.write_text(json.dumps({"count": 6, "next_page": None, "values": [
            {"kpi": "N07403", "municipality": region, "period": year,
             "values": [{"gender": "T", "status": "", "value": value, "count": 1}]}
            for region, by_year in (("1861", (21.4, 19.8)), ("0018", (18.9, 18.2)),
                                    ("0000", (17.6, 17.1)))
            for year, value in zip(years, by_year, strict=True)]}), encoding="utf-8")
        kpi = import_kolada(session, kolada,
                            title="Demo: anmälda brott om skadegörelse, antal per 1 000 inv")
        population = Path(tmp) / f"{SURVEY_FILE_PREFIX}befolkning.csv"
        population.write_text(
            "region;" + ";".join(str(y) for y in years) + "\n"
            + "".join(f"{code};{a};{b}\n" for code, (a, b) in POPULATION.items()),
            encoding="utf-8")
        people = import_population(session, population)
    return bra.rows + kpi.values + people.rows


# -- the EST group's texts -------------------------------------------------------------------

GROUP_TEXTS = {
    "consequences": (
        "Otryggheten samlas kring resecentrum och gångtunneln under järnvägen. Pendlare, "
        "framför allt kvinnor och äldre, väljer bort tunneln efter mörkrets inbrott och tar "
        "bilen eller går omvägen över bron. Handlare vid torget beskriver glaskross och "
        "nedskräpning efter helgnätter, och föräldrar i Pålsboda oroar sig för skolvägen."),
    "costs": (
        "Sanering av klotter och skadegörelse vid stationen kostade kommunen och Hallbo "
        "omkring 180 000 kr det senaste året; bevakning av resecentrum fredagar och lördagar "
        "kostar ungefär 25 000 kr i månaden."),
    "patterns": (
        "Rapporterna om otrygghet toppar fredag och lördag kväll mellan 21 och 01 vid "
        "resecentrum och i Folkets park. Kvällsvandringen, den digitala vandringen och "
        "medborgardialogen pekar ut samma platser: tunneln, väntsalen och cykelgaraget. "
        "Polisens trygghetsmätning visar att problemen med påverkade personer har ökat "
        "sedan förra året, medan nedskräpning har minskat."),
    "causes": (
        "Trasig och otillräcklig belysning i tunneln, skymd sikt från buskage, få vuxna i "
        "rörelse efter att väntsalen stänger bemanningen klockan 18, och att unga från "
        "andra orter kommer med tåget och samlas vid stationen."),
    "conclusions": (
        "Gruppen prioriterar belysning och röjning vid tunneln (snabba åtgärder), "
        "vuxennärvaro med fältassistenter och trygghetsvärdar vid resecentrum fredag–lördag, "
        "och en trafiksäker skolväg i Pålsboda. Kamerabevakning prövas först när de andra "
        "åtgärderna har följts upp i nästa lägesbild."),
    "source_gaps": (
        "NTU redovisas inte på kommunnivå och polisens händelser är inte hämtade för "
        "perioden; slutsatserna om brott bygger därför på Brås årsstatistik och på de "
        "egna rapporterna, som underskattar händelser som ingen anmäler. Befolkning per "
        "DeSO saknas, så tätorterna jämförs i antal och inte per invånare."),
}
PLANNED_CHANGES = (
    {"kind": "byggnation", "text": "Ombyggnad av resecentrums väntsal och ny gång- och "
     "cykelbro över spåren.", "place": "Hallsbergs resecentrum", "when": "2027"},
    {"kind": "verksamhet", "text": "Fritidsgården flyttar till lokaler vid torget med "
     "öppet fredag och lördag kväll.", "place": "Torget, Hallsberg", "when": "våren 2027"},
    {"kind": "befolkning", "text": "Cirka 120 nya bostäder i kvarteret norr om stationen.",
     "place": "Hallsberg tätort", "when": "2027–2028"},
)


def _group_texts(session: Session, actor: access.ActorLike, muni: Area, start: date,
                 end: date) -> None:
    save_draft(session, actor, muni, start, end, dict(GROUP_TEXTS), list(PLANNED_CHANGES))
