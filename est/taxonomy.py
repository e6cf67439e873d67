"""The default Swedish EST taxonomy: incident categories and otrygghet reasons."""

from __future__ import annotations

# (code, kind, Swedish label, English label). Codes are stable identifiers used in
# exports, the API and imports; labels can be edited in the database later.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("skadegorelse", "incident", "Skadegörelse", "Vandalism"),
    ("klotter", "incident", "Klotter", "Graffiti"),
    ("nedskrapning", "incident", "Nedskräpning", "Littering"),
    ("ordningsstorning", "incident", "Ordningsstörning", "Public disorder"),
    ("narkotika", "incident", "Narkotika", "Drugs"),
    ("inbrott", "incident", "Inbrott", "Burglary"),
    ("stold", "incident", "Stöld", "Theft"),
    ("brand", "incident", "Brand och anlagd brand", "Fire and arson"),
    ("vald_hot", "incident", "Våld och hot", "Violence and threats"),
    ("trafik", "incident", "Trafikfarligt beteende", "Dangerous driving"),
    ("langning", "incident", "Langning av alkohol", "Supplying alcohol to minors"),
    ("ungdomar_riskmiljo", "incident", "Ungdomar i riskmiljö", "Young people at risk"),
    ("ovrigt", "incident", "Övrigt", "Other"),
    ("belysning", "otrygghet", "Dålig belysning", "Poor lighting"),
    ("skymd_sikt", "otrygghet", "Skymd sikt, buskage", "Blocked view, bushes"),
    ("folksamling", "otrygghet", "Folksamling, gäng", "Crowds, groups"),
    ("otrygg_nedskrapning", "otrygghet", "Nedskräpning och förfall", "Litter and decay"),
    ("ode_plats", "otrygghet", "Öde plats, få människor", "Deserted place"),
    ("trafikmiljo", "otrygghet", "Otrygg trafikmiljö", "Unsafe traffic"),
    ("narkotikahandel", "otrygghet", "Synlig narkotikahandel", "Visible drug dealing"),
    ("tidigare_handelse", "otrygghet", "Tidigare händelse på platsen", "Earlier incident here"),
    ("ovrigt_otrygg", "otrygghet", "Annat som känns otryggt", "Something else"),
)
