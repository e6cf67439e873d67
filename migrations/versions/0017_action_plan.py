"""Seed the activity library (``activity_pattern``) from real medborgarlöften and Brå.

The table itself came with 0011. This revision adds the built-in patterns (``builtin`` =
true) that promise drafts and åtgärdsplan rows pick from; users add their own in the app.
The texts are the activities of the five medborgarlöften in ``shared/reference`` (Hallsberg
2019–2021, Kungsör 2020, Hällefors 2020, Hässleholm 2016) and of Brå's guidance on
lägesbild and åtgärdsplan (Lag 2023:196). ``indicator`` is a spec the app computes:
``count_per_month[:codes]`` (reports per month, optionally of category codes or ``otrygghet``),
``share_public_moderated:<days>`` or ``actions_done``. Downgrade removes the built-ins only.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HALLSBERG = "Medborgarlöften Hallsberg 2019–2021"
KUNGSOR = "Medborgarlöften Kungsör 2020"
HALLEFORS = "Medborgarlöften Hällefors 2020"
HASSLEHOLM = "Medborgarlöfte Hässleholm 2016"
BRA = "Brå: Lokal lägesbild och åtgärdsplan (Lag 2023:196)"

# code, theme, text (continues "… lovar att" / "… ska"), parties, indicator, fits, source
PATTERNS = [
    ("narkotika_ungdomar", "Narkotika",
     "arbeta med insatser mot narkotikabrottsligheten med fokus på ungdomar, i ordinarie "
     "verksamhet och genom riktade insatser i samverkan med skola och socialtjänst",
     ["polis", "skola", "socialtjanst"], "count_per_month:narkotika,narkotikahandel",
     ["narkotika", "narkotikahandel", "ungdomar_riskmiljo"], HALLSBERG),
    ("informationstraffar_skolor", "Narkotika",
     "erbjuda elev- och föräldrainriktade informationsträffar i samtliga grundskolor, med "
     "syfte att öka kunskapen om narkotika", ["kommun", "skola", "polis"],
     "count_per_month:narkotika", ["narkotika", "langning", "ungdomar_riskmiljo"], HALLSBERG),
    ("grannsamverkan", "Bostadsinbrott",
     "aktivt arbeta med grannsamverkan och utöka antalet grannsamverkansområden, som en del "
     "i arbetet att förebygga bostadsinbrott", ["polis", "kommun", "bostadsbolag"],
     "count_per_month:inbrott,stold", ["inbrott", "stold"], HALLSBERG),
    ("hotspot_besok", "Hot spots",
     "genomföra besök och samtal med berörda i ett identifierat hot spot",
     ["polis", "kommun"], "count_per_month", ["hotspot"], KUNGSOR),
    ("hotspot_samverkan", "Hot spots",
     "i samband med identifierade hot spots samverka genom att kartlägga, analysera, vidta "
     "lämpliga aktiviteter och följa upp dessa", ["polis", "kommun"], "count_per_month",
     ["hotspot", "skadegorelse", "ordningsstorning"], KUNGSOR),
    ("skola_samverkan", "Skolor och skolmiljö",
     "kontinuerligt samverka och arbeta brottsförebyggande och trygghetsskapande mot "
     "skolorna, och vid behov planera och genomföra aktiviteter i skolmiljön",
     ["polis", "skola", "socialtjanst", "kommun"], "count_per_month:skadegorelse,klotter,"
     "vald_hot,ungdomar_riskmiljo", ["ungdomar_riskmiljo", "vald_hot", "skola"], KUNGSOR),
    ("lokal_lagesbild_est", "Lokal lägesbild och EST",
     "löpande upprätta en samlad lokal lägesbild enligt EST – effektiv samordning för "
     "trygghet – och arbeta mot aktuella problembilder systematiskt", ["kommun", "polis"],
     "share_public_moderated:7", ["est"], HALLEFORS),
    ("strategiskt_mote", "Lokal lägesbild och EST",
     "minst en gång under perioden genomföra ett strategiskt möte med aktörer på "
     "ledningsnivå om samverkan och brottsförebyggande arbete", ["kommun", "polis"],
     "actions_done", ["est"], KUNGSOR),
    ("trygghetsvandringar", "Otrygghet i offentlig miljö",
     "genomföra trygghetsvandringar och dialoger i samverkan med medborgare, föreningar och "
     "näringsidkare, med särskilt fokus på otrygghet i offentliga miljöer",
     ["kommun", "polis", "bostadsbolag"], "count_per_month:otrygghet",
     ["otrygghet", "belysning", "skymd_sikt", "ode_plats"], HALLEFORS),
    ("narkotika_trafik_ordning", "Narkotika, trafik och ordning",
     "i samverkan med andra parter vidareutveckla arbetet med att förebygga och ingripa mot "
     "narkotikabrott, trafikbrott och ordningsstörningar", ["polis", "kommun"],
     "count_per_month:narkotika,trafik,ordningsstorning",
     ["narkotika", "trafik", "ordningsstorning"], HALLEFORS),
    ("brottsutsatta_kontakt", "Brottsutsatta",
     "förbättra dialogen med människor som drabbas av brott: kontakt inom en vecka efter att "
     "en utredare tilldelats ärendet", ["polis"], "actions_done", ["vald_hot", "inbrott"],
     HALLEFORS),
    ("andt_samverkan", "ANDT",
     "samverka med brottsförebyggande insatser gällande alkohol-, narkotika-, dopnings- och "
     "tobaksfrågor (ANDT)", ["kommun", "polis", "skola"],
     "count_per_month:narkotika,langning", ["narkotika", "langning"], HASSLEHOLM),
    ("situationsanpassade_insatser", "Annan brottslighet som skapar otrygghet",
     "samverka vid situationsanpassade insatser mot brottslighet som skapar otrygghet, som "
     "stölder, villainbrott och skadegörelse", ["kommun", "polis"],
     "count_per_month:stold,inbrott,skadegorelse", ["stold", "inbrott", "skadegorelse"],
     HASSLEHOLM),
    ("belysning_rojning", "Fysisk miljö",
     "åtgärda belysning, buskage och skymd sikt på de platser som pekats ut som otrygga",
     ["kommun", "bostadsbolag"], "count_per_month:belysning,skymd_sikt,ode_plats",
     ["belysning", "skymd_sikt", "ode_plats"], BRA),
    ("klotter_sanering", "Skadegörelse och klotter",
     "sanera klotter och åtgärda skadegörelse inom 24 timmar på utpekade platser",
     ["kommun", "bostadsbolag"], "count_per_month:klotter,skadegorelse",
     ["klotter", "skadegorelse"], BRA),
    ("vuxennarvaro", "Ungdomar",
     "öka vuxennärvaron kvällar och helger (fältassistenter, nattvandrare) där ungdomar "
     "samlas", ["kommun", "fritid", "socialtjanst"],
     "count_per_month:ungdomar_riskmiljo,ordningsstorning,folksamling",
     ["ungdomar_riskmiljo", "folksamling", "ordningsstorning"], BRA),
]

_table = sa.table(
    "activity_pattern",
    sa.column("code", sa.String), sa.column("theme", sa.String), sa.column("text", sa.Text),
    sa.column("parties", ARRAY(sa.String)), sa.column("indicator", sa.String),
    sa.column("fits", ARRAY(sa.String)), sa.column("source", sa.String),
    sa.column("builtin", sa.Boolean), sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(_table, [
        {"code": code, "theme": theme, "text": text, "parties": parties, "indicator": ind,
         "fits": fits, "source": source, "builtin": True, "active": True}
        for code, theme, text, parties, ind, fits, source in PATTERNS])


def downgrade() -> None:
    op.execute("DELETE FROM activity_pattern WHERE builtin")
