"""``est hotspots evaluate`` and ``backtest``: planted-data evaluation and backtests."""

from __future__ import annotations

import json
import math

import click
import numpy as np

from web.cli.hotspots.common import _crs, _tz, group


@group.command("evaluate")
@click.option("--scales", default="town,city,metropolis", show_default=True,
              help="Comma-separated scales (town, city, metropolis) or point counts.")
@click.option("--seeds", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--methods", default=",".join(("default", "dbscan", "hdbscan", "kde", "gistar",
                                             "plain-dbscan")), show_default=True)
@click.option("--crs", help="Place the planted data in this projected CRS (via WGS84), "
                            "e.g. EPSG:26916; default: local metres.")
def evaluate_cmd(scales: str, seeds: int, methods: str, crs: str | None) -> None:
    """Score every method on seeded planted hot spots: recall and precision, no parameters."""
    from geo.evaluation import EVAL_METHODS, SCALES, evaluate, summarise

    scale_list: list[str | int] = []
    for s in (v.strip() for v in scales.split(",") if v.strip()):
        if s in SCALES:
            scale_list.append(s)
        elif s.replace("_", "").isdigit() and int(s) >= 100:
            scale_list.append(int(s))
        else:
            raise click.BadParameter(f"{s!r}: use {', '.join(SCALES)} or a number >= 100",
                                     param_hint="--scales")
    method_list = [m.strip() for m in methods.split(",") if m.strip()]
    for m in method_list:
        if m not in EVAL_METHODS:
            raise click.BadParameter(f"{m!r}: choose from {', '.join(EVAL_METHODS)}",
                                     param_hint="--methods")
    code = _crs(crs) if crs else None
    rows = evaluate(scale_list, range(seeds), method_list, crs=code)
    where = f" in EPSG:{code}" if code else ""
    click.echo(f"Planted hot spots{where}, {seeds} seed(s) per scale; recall and precision "
               "pooled.")
    click.echo(f"{'scale':11} {'points':>8} {'method':13} {'recall':>6} {'precision':>9} "
               f"{'found':>7} {'detected':>8} {'s/run':>7}")
    for s in summarise(rows):
        if s["error"]:
            click.echo(f"{s['scale']:11} {s['n_points']:>8,} {s['method']:13} "
                       f"{'—':>6} {'—':>9} {'':>7} {'':>8} {'':>7}  ({s['error']})")
            continue
        click.echo(f"{s['scale']:11} {s['n_points']:>8,} {s['method']:13} {s['recall']:>6.2f} "
                   f"{s['precision']:>9.2f} {s['found']:>3}/{s['planted']:<3} "
                   f"{s['detected']:>8} {s['seconds']:>7.2f}")
    if "default" not in method_list:
        return
    from geo.evaluation import evaluate_classes

    click.echo("")
    click.echo("Classes of the default method: places over all 13 weeks, the last week's "
               "activity in them (emerging classes, the 12 weeks before).")
    click.echo(f"{'scale':11} {'steady → persistent':>20} {'recent → new':>13} "
               f"{'unmatched':>9}  all places")
    for r in evaluate_classes(scale_list, range(seeds)):
        classes = ", ".join(f"{k} {v}" for k, v in sorted(r["classes"].items()))
        click.echo(f"{r['scale']:11} {r['steady_ok']:>10}/{r['steady']:<9} "
                   f"{r['recent_ok']:>6}/{r['recent']:<6} {r['unmatched']:>9}  {classes}")


@group.command("backtest")
@click.option("--db", "use_db", is_flag=True,
              help="Backtest on the database's own reports, month by month.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Backtest on a CSV week by week instead of the database.")
@click.option("--area", "area_code", help="Municipality code (kommunkod), with --db.")
@click.option("--coverage", type=click.FloatRange(0, 0.5), default=None,
              help="Operating point: flag the strongest places up to this share of the "
                   "study area (--db default 0.02); 0 = the significance point.")
@click.option("--months", type=click.IntRange(1, 60), default=6, show_default=True,
              help="Test months replayed with --db (the most recent whole months).")
@click.option("--train-months", type=click.IntRange(1, 60), default=12, show_default=True,
              help="Months before each test month that it is flagged from (--db).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--columns", help="Map columns, e.g. lon=X,lat=Y,time=T.")
@click.option("--crs", help="Projected CRS in metres, e.g. EPSG:26916 for Chicago.")
@click.option("--tz", help="Time zone of naive times in the file and of the months.")
@click.option("--train-weeks", type=click.IntRange(1, 520), default=52, show_default=True)
@click.option("--test-weeks", type=click.IntRange(1, 520), default=52, show_default=True,
              help="Number of most recent weeks replayed (CSV).")
@click.option("--cell-m", type=click.FloatRange(min=10), default=150.0, show_default=True,
              help="Cell of the study grid and of the prior-counts baseline, metres (CSV).")
@click.option("--methods", default="default,dbscan,kde", show_default=True)
def backtest_cmd(use_db, csv_path, area_code, coverage, months, train_months, fmt, columns,
                 crs, tz, train_weeks, test_weeks, cell_m, methods) -> None:
    """Replay past months (--db) or weeks (--csv): hit rate, PAI, PEI beside grids and a KDE."""
    if bool(use_db) == bool(csv_path):
        raise click.UsageError("choose one of --db (the database) or --csv FILE")
    if use_db:
        if columns:
            raise click.UsageError("--columns only applies with --csv")
        _backtest_db(area_code, 0.02 if coverage is None else coverage, months, train_months,
                     _crs(crs), _tz(tz), fmt)
        return
    if area_code:
        raise click.UsageError("--area needs --db")
    _backtest_csv(csv_path, columns, crs, tz, train_weeks, test_weeks, cell_m, methods,
                  coverage or None, fmt)


METHOD_SV = {"default": "standard (platser)", "grid 25 m": "rutnät 25 m",
             "grid 150 m": "rutnät 150 m", "KDE 200 m": "KDE 200 m"}


def _backtest_db(area_code, coverage, months, train_months, code, tz, fmt) -> None:
    from est.errors import DomainError
    from est.format import number
    from est.services import hotspots as svc
    from web.db import get_session

    try:
        res = svc.backtest(get_session(), area_code=area_code, coverage=coverage or None,
                           months=months, train_months=train_months, crs=code, tz=tz)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(_json_safe(res), ensure_ascii=False))
        return

    def num(v, d):
        return number(v if v is not None and math.isfinite(v) else None, d)

    area = res["area"]
    where = f"{area['name']} ({area['code']})" if area else "alla rapporter"
    mode = (f"täckningsläge {num(100 * res['share'], 1)} % av ytan" if res["share"]
            else "signifikansläge (så stor yta som de signifikanta platserna täcker, fylld "
                 "med de högst rankade rutorna)")
    click.echo(f"Prövning på egna data, {where}: {len(res['months'])} månader "
               f"{res['first_month']} – {res['last_month']}, varje månad utpekad från de "
               f"{res['train_months']} månaderna före; {mode}.")
    click.echo(f"Studieyta {num(res['study_area_m2'] / 1e6, 2)} km² (150 m-rutor med "
               f"rapporter); {number(res['reports'])} rapporter; jämförelserna pekar ut samma "
               "yta som standardmetoden varje månad.")
    click.echo(f"{'metod':20} {'yta %':>7} {'träffandel':>10} {'PAI':>7} {'PEI':>5} "
               f"{'Jaccard mån–mån':>16}")
    for r in res["rows"]:
        click.echo(f"{METHOD_SV[r['method']]:20} {num(100 * r['area_share'], 2):>7} "
                   f"{num(r['hit_rate'], 3):>10} {num(r['pai'], 1):>7} {num(r['pei'], 2):>5} "
                   f"{num(r['jaccard'], 2):>16}")
    click.echo("Träffandel = nästa månads rapporter inom den utpekade ytan; PAI = träffandel ÷ "
               "ytandel; PEI = träffar ÷ det mesta samma yta i 25 m-rutor kunde ha fångat; "
               "Jaccard = hur mycket ytorna två månader i rad överlappar.")


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.integer | np.floating):
        return _json_safe(value.item())
    return value


def _backtest_csv(csv_path, columns, crs, tz, train_weeks, test_weeks, cell_m, methods,
                  coverage, fmt) -> None:
    from est.pointsio import PointsFileError, read_points_csv
    from geo.evaluation import EVAL_METHODS, backtest
    from geo.projection import to_projected

    code = _crs(crs)
    tz = _tz(tz)
    method_list = [m.strip() for m in methods.split(",") if m.strip()]
    for m in method_list:
        if m not in EVAL_METHODS:
            raise click.BadParameter(f"{m!r}: choose from {', '.join(EVAL_METHODS)}",
                                     param_hint="--methods")
    try:
        table = read_points_csv(csv_path, columns, tz=tz)
        if table.t is None:
            raise click.ClickException(f"{csv_path} has no time column (map one with "
                                       "--columns time=NAME)")
        x, y = to_projected(table.lon, table.lat, code)
        per_method, baselines = backtest(x, y, table.t, method_list, train_weeks=train_weeks,
                                         test_weeks=test_weeks, cell_m=cell_m,
                                         coverage=coverage)
    except (PointsFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(_json_safe({"methods": per_method, "grid": baselines,
                                          "coverage": coverage}), ensure_ascii=False))
        return
    mode = f"default at coverage {100 * coverage:g} %" if coverage else "significance"
    click.echo(f"{len(table):,} reports; train {train_weeks} weeks, score the next week, "
               f"{test_weeks} test weeks; study area = {cell_m:g} m cells with any report; "
               f"EPSG:{code}; {mode}")
    click.echo(f"{'method':24} {'area %':>7} {'hit rate':>8} {'PAI':>7} {'PEI*':>6} "
               f"{'grid hit':>8} {'grid PAI':>8} {'s/week':>7}")
    for r in per_method:
        click.echo(f"{r['method']:24} {100 * r['area_share']:>7.3f} {r['hit_rate']:>8.3f} "
                   f"{r['pai']:>7.2f} {r['pei_star']:>6.2f} {r['base_hit_rate']:>8.3f} "
                   f"{r['base_pai']:>8.2f} {r['seconds']:>7.2f}")
    for b in baselines:
        click.echo(f"{'prior-counts grid':24} {100 * b['share']:>7.3f} {b['hit_rate']:>8.3f} "
                   f"{b['pai']:>7.2f} {b['pei_star']:>6.2f}")
