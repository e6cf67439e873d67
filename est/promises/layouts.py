"""Document layouts of real medborgarlöften, so a draft can follow the one a municipality uses.

Each layout lists its sections in the order of the real document it was taken from (the five
documents in ``shared/reference/medborgarloften``). Section kinds:

- ``text``: fixed paragraphs (with the municipality, police area and period filled in);
- ``lagesbild``: the lägesbild paragraph (figures and the walks, dialogues and surveys held);
- ``loften``: every commitment as a list (``numbered`` for Hällefors);
- ``teman``: one section per theme, its cause as text and its commitments as a list
  (Kungsör); ``problembild``: the same under one heading (Hässleholm);
- ``giltighet``: the period; ``underskrifter``: place, date and signature lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionSpec:
    """One section of a layout: key, heading (``{…}`` filled in), kind and fixed text."""

    key: str
    title: str
    kind: str = "text"
    text: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A document layout: name, where it came from, the verb of a commitment, the sections."""

    key: str
    label: str
    source: str
    verb: str  # "lovar att" or "ska"
    sections: tuple[SectionSpec, ...]
    numbered: bool = False


INLEDNING = ("{kommun} och {polis} har kommit överens om att arbeta med medborgarlöften. "
             "Medborgarlöften innebär att den lokala lägesbilden är utgångspunkt för de mål som "
             "polisen och kommunen arbetar med lokalt, och är en beskrivning av vad polisen och "
             "kommunen lovar att åstadkomma tillsammans.",)
SYFTE = ("Syftet med medborgarlöftet är att polisen och kommunen ska komma närmare "
         "medborgarna genom att medborgar- och medarbetarperspektiven tas tillvara, och att "
         "genom samverkan öka tryggheten och minska brottsligheten i kommunen.",)
UPPFOLJNING = ("Arbetet med medborgarlöftena följs upp kontinuerligt i det brottsförebyggande "
               "rådet (BRÅ) med indikatorerna nedan, räknade i EST lägesbild. Den slutliga "
               "uppföljningen sker när medborgarlöftena förnyas inför nästa period.",)

LAYOUTS: dict[str, Layout] = {
    "hallsberg": Layout(
        "hallsberg", "Inledning–Syfte–Lägesbild–Löften–Effekter–Uppföljning",
        "Hallsberg 2019–2021 (polisens mall)", "lovar att", (
            SectionSpec("inledning", "Inledning", text=INLEDNING),
            SectionSpec("syfte", "Syfte", text=SYFTE),
            SectionSpec("lagesbild", "Lägesbild {basis_year}", "lagesbild"),
            SectionSpec("loften", "Medborgarlöften under perioden {start} - {end}", "loften"),
            SectionSpec("effekter", "Effekter", "effekter"),
            SectionSpec("uppfoljning", "Uppföljning", text=UPPFOLJNING),
            SectionSpec("underskrifter", "Underskrifter", "underskrifter"),
        )),
    "nyhet": Layout(
        "nyhet", "Kort nyhet på webben", "Hallsberg 2019–2021, kommunens nyhet", "lovar att", (
            SectionSpec("ingress", "Medborgarlöften för {period_years} nu beslutade för "
                        "{kommun}", "ingress"),
            SectionSpec("loften", "Medborgarlöftena", "loften"),
            SectionSpec("om", "Om medborgarlöften", "om"),
            SectionSpec("kontakt", "Kontakta säkerhetssamordnaren", text=(
                "Säkerhetssamordnare: […] Telefon: […] E-post: […]",)),
        )),
    "hassleholm": Layout(
        "hassleholm", "Överenskommelse med problembild", "Hässleholm 2016", "ska", (
            SectionSpec("ingress", "Medborgarlöfte i {kommun}", text=(
                "Medborgarlöftet är {kommun}s och {polis}s gemensamma överenskommelse för ökad "
                "trygghet och säkerhet {period_years}.",)),
            SectionSpec("syfte", "Syfte och mål", text=SYFTE),
            SectionSpec("beslut", "Beslut", text=(
                "Kommunstyrelsen i {kommun} och {polis} beslutar om medborgarlöftet.",)),
            SectionSpec("giltighet", "Medborgarlöftets gällande", "giltighet"),
            SectionSpec("tillvagagangssatt", "Tillvägagångssätt", "lagesbild"),
            SectionSpec("samverkan", "Samverkansorganisation", text=(
                "Brottsförebyggande rådet (BRÅ) ansvarar för att arbetet drivs framåt, "
                "sammankallar till möten och följer upp arbetet.",)),
            SectionSpec("budget", "Budget", text=("Respektive organisation bekostar sina "
                                                  "resurser.",)),
            SectionSpec("uppfoljning", "Uppföljning och utvärdering", "effekter"),
            SectionSpec("problembild", "Problembild", "problembild"),
            SectionSpec("arbetssatt", "Arbetssätt", text=(
                "Arbetet bedrivs både med generella insatser och riktade insatser till "
                "specifika platser och målgrupper, i samverkan och i de egna "
                "organisationerna.",)),
            SectionSpec("underskrifter", "Underskrifter", "underskrifter"),
        )),
    "kungsor": Layout(
        "kungsor", "Teman med löften under varje tema", "Kungsör 2020", "ska", (
            SectionSpec("ingress", "Medborgarlöften i {kommun} - {period_years}", text=(
                "Samverkan mellan polis och kommun är en nödvändighet för att arbeta "
                "effektivt med brottsförebyggande arbete. Medborgarlöften handlar om konkreta "
                "aktiviteter som kommunen och polisen tillsammans kommit överens om för att öka "
                "tryggheten och minska brottsligheten.",)),
            SectionSpec("ska", "Medborgarlöften ska", "ska"),
            SectionSpec("teman", "{theme}", "teman"),
            SectionSpec("giltighet", "Medborgarlöftet gäller under tiden {start} -- {end}",
                        "giltighet"),
            SectionSpec("underskrifter", "Underskrifter", "underskrifter"),
        )),
    "hallefors": Layout(
        "hallefors", "Numrerade löften, sedan analysen", "Hällefors 2020", "ska", (
            SectionSpec("ingress", "Medborgarlöften för {kommun}", text=INLEDNING),
            SectionSpec("loften", "Löften", "loften"),
            SectionSpec("lagesbild", "Analys", "lagesbild", (
                "Under {season} har polisen och {kommun} analyserat den aktuella "
                "brottssituationen och kommuninvånarnas upplevda trygghet.",)),
            SectionSpec("uppfoljning", "Uppföljning", "effekter", (
                "I syfte att utveckla medborgarlöftena över tiden kommer fortsatta "
                "undersökningar, otrygghetsrapporteringar och uppföljningar av genomförda "
                "insatser att genomföras och redovisas i det lokala brottsförebyggande rådet, "
                "BRÅ.",)),
            SectionSpec("trygghet", "Trygghet och hälsa", text=(
                "Det finns samband mellan trygghet och en god hälsa. Att vara trygg i sitt "
                "boende och närområde påverkar möjligheten att delta i ideella, sociala och "
                "kulturella aktiviteter.",)),
        ), numbered=True),
}
DEFAULT_LAYOUT = "hallsberg"
