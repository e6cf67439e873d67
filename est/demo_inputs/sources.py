"""Demo dialogues, surveys, official statistics and the EST group's texts."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from est import access
from est.demo import DEMO_CODE
from est.inputs.bra import import_bra
from est.inputs.dialogues import create_dialogue
from est.inputs.kolada import import_kolada
from est.inputs.population import import_population
from est.inputs.surveys import import_survey
from est.lagesbild.group import save_draft
from est.models import Area

DIALOGUE_TITLES = ("Medborgardialog om trygghet kring resecentrum",
                   "Medarbetardialog: fältassistenter, fritidsgård och trygghetsvärdar")
SURVEY_FILE_PREFIX = "demo-"


# -- dialogues -------------------------------------------------------------------------------

def load_dialogues(session: Session, actor: access.ActorLike, muni: Area,
                   districts: dict[str, int], today: date) -> int:
    """Store a medborgardialog and a medarbetardialog; return how many."""
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
    "Otrygg i området sent en kväll": (1.7, 2.0),
    "Bilar som körs på ett störande sätt": (2.6, 2.3),
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


def load_surveys(session: Session, end: date) -> int:
    """Import both surveys for the year of ``end`` and the year before; return how many."""
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


def load_statistics(session: Session, end: date) -> int:
    """Import Brå, Kolada and population figures for two years; return the rows stored."""
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


def save_group_texts(session: Session, actor: access.ActorLike, muni: Area, start: date,
                     end: date) -> None:
    """Save the EST group's texts and planned changes for the period."""
    save_draft(session, actor, muni, start, end, dict(GROUP_TEXTS), list(PLANNED_CHANGES))
