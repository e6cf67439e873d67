"""Demo step: a saved lägesbild version that the BRÅ council decided, so ``/lagesbild/publik``
shows the public lägesbild of the demo (the last full quarter before today)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from est import access
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.versions import decide, save_version
from est.models import Area, LagesbildVersion, User

DEMO_CODE = "1861"
COORDINATOR = "samordnare@hallsberg.example"
NOTE = "Demo: lägesbilden inför medborgarlöftet."


def decided_lagesbild(session: Session) -> str:
    """Save the lägesbild of the 90 days before yesterday and record the council's decision."""
    settings = current_app.config["EST_SETTINGS"]
    user = session.scalar(select(User).where(User.email == COORDINATOR))
    if user is None:
        return "No decided lägesbild: the demo coordinator account is missing."
    actor = access.actor_for(session, user)
    today = datetime.now(settings.tz).date()
    end = today - timedelta(days=1)
    start = end - timedelta(days=89)
    # The demo's data are replaced on every `est demo`, and so is the version it decided.
    area_id = session.scalar(select(Area.id).where(Area.code == DEMO_CODE,
                                                   Area.kind == "municipality"))
    session.execute(delete(LagesbildVersion).where(
        LagesbildVersion.area_id == area_id, LagesbildVersion.decision_note == NOTE))
    cache = LagesbildCache(Path(settings.var_dir) / "cache" / "lagesbild")
    version = save_version(session, actor, cache, area_code=DEMO_CODE, start=start.isoformat(),
                           end=end.isoformat(), min_cell=settings.min_cell,
                           tz=settings.timezone, crs=settings.projected_crs)
    decide(session, actor, version, decided_by="BRÅ-rådet", decided_on=today,
           note=NOTE, today=today)
    session.commit()
    return (f"Lägesbild version {version.number} ({start}–{end}) decided by BRÅ-rådet "
            f"{date.isoformat(today)}: /lagesbild/publik")
