"""The "Annan information" figures as tables for the lägesbild document.

Each table is a plain JSON dict ``{"title", "columns", "rows", "note"}`` (cells are text,
whole numbers or None for "saknas"), the shape :mod:`est.lagesbild.law` turns into document
tables; a table is left out when it would have no rows.
"""

from __future__ import annotations

from est import format as sv

SURVEY_NAMES = {"polisens_trygghetsmatning": "Polisens trygghetsmätning",
                "ntu": "NTU", "kommun": "Kommunens enkät"}
SHARES = ("share", "share_agree")


def _value(measure: str, value: float | None) -> str | None:
    if value is None:
        return None
    return sv.percent(value, 1) if measure in SHARES else sv.number(value, 1)


def _margin(measure: str, margin: float | None) -> str:
    if margin is None:
        return sv.MISSING if measure in SHARES else sv.NOT_APPLICABLE
    return f"±{sv.number(margin, 1)}" + (" procentenheter" if measure in SHARES else "")


def as_tables(info: dict) -> dict[str, dict]:
    """Return the tables of an :func:`est.inputs.summary.other_information` result."""
    out: dict[str, dict] = {}
    dlg = info.get("dialogues") or {}
    if dlg.get("themes"):
        out["dialogue_themes"] = {
            "title": "Teman i dialoger per område",
            "columns": ["Område", "Tema", "Nämnt", "Dialoger", "Deltagare (n)"],
            "rows": [[t["area"], t["theme"], t["mentions"], t["dialogues"], t["participants"]]
                     for t in dlg["themes"]],
            "note": f"{sv.number(dlg.get('n_dialogues'))} dialoger, "
                    f"{sv.number(dlg.get('participants'))} deltagare; inga namn."}
    surveys = info.get("surveys") or []
    if surveys:
        out["surveys"] = {
            "title": "Enkätresultat",
            "columns": ["Undersökning", "Period", "Område", "Fråga", "Värde",
                        "Felmarginal (95 %)", "n", "Förändring sedan förra mätningen"],
            "rows": [[SURVEY_NAMES.get(r["kind"], r["kind"]),
                      sv.period(r["period_start"], r["period_end"]), r["area"], r["question"],
                      _value(r["measure"], r["value"]), _margin(r["measure"],
                                                                r["margin_of_error"]),
                      r["n"],
                      (f"{sv.signed(r['change'], 1)} (mot {r['previous']['period_end'].year})"
                       if r["previous"] else "ingen tidigare mätning")]
                     for r in surveys],
            "note": "Sammanställda resultat, aldrig enskilda svar. Felmarginalen för andelar "
                    "beräknas ur n när källan inte anger den."}
    stats = info.get("statistics") or {}
    if stats.get("crimes"):
        out["crime_rates"] = {
            "title": "Anmälda brott per 1 000 invånare (Brå)",
            "columns": ["Brottstyp", "Antal i kommunen", "Kommunen per 1 000",
                        "Länet per 1 000", "Riket per 1 000"],
            "rows": [[c["crime_type"], c["municipality"]["count"],
                      sv.number(c["municipality"]["per_1000"]),
                      sv.number((c.get("county") or {}).get("per_1000")),
                      sv.number((c.get("country") or {}).get("per_1000"))]
                     for c in stats["crimes"]],
            "note": "Per 1 000 invånare ur Brås tal per 100 000 eller SCB:s befolkning."}
    if stats.get("kpis"):
        out["kpis"] = {
            "title": "Nyckeltal (Kolada)",
            "columns": ["Nyckeltal", "År", "Kommunen", "Länet", "Riket"],
            "rows": [[f"{k.get('title') or k['kpi']} ({k['kpi']})", str(k["year"]),
                      sv.number(k.get("municipality")), sv.number(k.get("county")),
                      sv.number(k.get("country"))] for k in stats["kpis"]],
            "note": ""}
    if stats.get("areas"):
        out["area_rates"] = {
            "title": "Rapporter per 1 000 invånare per DeSO/RegSO",
            "columns": ["Område", "Invånare", "Rapporter", "Per 1 000 invånare"],
            "rows": [[a["name"], a["population"], a["reports"], sv.number(a["per_1000"])]
                     for a in stats["areas"]],
            "note": f"Befolkning 31 dec {stats.get('population_year')} (SCB)."}
    events = info.get("police_events") or {}
    if events.get("by_type"):
        out["police_events"] = {
            "title": "Polisens händelser per typ",
            "columns": ["Typ", "Antal"],
            "rows": [[t["type"], t["count"]] for t in events["by_type"]],
            "note": events.get("precision_sv", "")}
    return out
