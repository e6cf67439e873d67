"""``est hotspots``: detect (database or CSV), evaluate on planted data, backtest on a CSV."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import numpy as np
import shapely
from flask import current_app

from web.cli.base import EstGroup

group = EstGroup("hotspots", help="Hot spot detection, evaluation and backtests.")

METHOD_CHOICES = ("default", "scan", "dbscan", "hdbscan", "kde", "gistar")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _crs(value: str | None) -> int:
    from geo.projection import validate_projected_crs

    try:
        return validate_projected_crs(value if value else _settings().projected_crs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crs") from None


def _tz(value: str | None) -> str:
    tz = value or _settings().timezone
    try:
        ZoneInfo(tz)
    except (KeyError, ValueError):
        raise click.BadParameter(f"{tz!r} is not an IANA time zone", param_hint="--tz") from None
    return tz


def _when(value: str | None, tz: str, option: str, *, end: bool = False) -> datetime | None:
    """Parse a date or date-time; a date-only ``--to`` includes that whole day."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or date-time",
                                 param_hint=option) from None
    if end and len(value.strip()) == 10:
        d += timedelta(days=1)
    if d.tzinfo is None:
        d = d.replace(tzinfo=ZoneInfo(tz))
    return d.astimezone(UTC)


def _params(method: str, eps_m: float | None, min_samples: int | None,
            extra: tuple[str, ...]) -> dict:
    params: dict = {}
    if eps_m is not None or min_samples is not None:
        if method not in ("dbscan",):
            raise click.UsageError("--eps-m and --min-samples apply to --method dbscan")
        if eps_m is not None:
            params["eps_m"] = eps_m
        if min_samples is not None:
            params["min_samples"] = min_samples
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


@group.command("detect")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Read points from this CSV or CSV.gz instead of the database.")
@click.option("--columns", help="Map columns, e.g. lon=X,lat=Y,time=T,category=C,kind=K.")
@click.option("--from", "date_from", help="Start of the review window (date or date-time, "
              "local time). Default: 7 days before --to.")
@click.option("--to", "date_to", help="End of the window; a date includes that day. "
              "Default: today 00:00 (database) or the day after the last report (CSV).")
@click.option("--area", "area_code", help="Municipality code (kommunkod), database mode.")
@click.option("--method", type=click.Choice(METHOD_CHOICES), default="default",
              show_default=True)
@click.option("--eps-m", type=click.FloatRange(min=0, min_open=True),
              help="DBSCAN radius in metres.")
@click.option("--min-samples", type=click.IntRange(min=1), help="DBSCAN minimum samples.")
@click.option("--param", "extra", multiple=True, metavar="KEY=VALUE",
              help="Other method parameter, e.g. --param cell_m=50 (repeatable).")
@click.option("--baseline-weeks", type=click.IntRange(0, 260), default=12, show_default=True,
              help="Least whole weeks before the window that places are found on (extended "
                   "while the data are sparse); 0 = the window only, no classes.")
@click.option("--save", is_flag=True, help="Store the run (database mode) or reuse a stored "
              "identical one.")
@click.option("--format", "fmt", type=click.Choice(["table", "geojson"]), default="table",
              show_default=True)
@click.option("--crs", help="Projected CRS for the maths, e.g. EPSG:3006 (default from "
              "settings).")
@click.option("--tz", help="Time zone of naive times and of weekday/hour statistics.")
@click.option("--coverage", type=click.FloatRange(0, 0.5, min_open=True),
              help="Coverage mode: flag the strongest places up to this share of the area "
                   "(e.g. 0.02); default: significance mode.")
def detect_cmd(csv_path, columns, date_from, date_to, area_code, method, eps_m, min_samples,
               extra, baseline_weeks, save, fmt, crs, tz, coverage) -> None:
    """Detect hot spots in a review window and classify them against the weeks before."""
    code = _crs(crs)
    tz = _tz(tz)
    params = _params(method, eps_m, min_samples, extra)
    start = _when(date_from, tz, "--from")
    end = _when(date_to, tz, "--to", end=True)
    if csv_path:
        if area_code or save:
            raise click.UsageError("--area and --save need the database; drop --csv")
        title, features = _detect_csv(csv_path, columns, start, end, method, params,
                                      baseline_weeks, code, tz, coverage)
    else:
        if columns:
            raise click.UsageError("--columns only applies with --csv")
        title, features = _detect_db(area_code, start, end, method, params, baseline_weeks,
                                     code, tz, save, coverage)
    _emit(title, features, fmt)


def _detect_db(area_code, start, end, method, params, baseline_weeks, crs, tz, save,
               coverage=None):
    from est.services import hotspots as svc
    from web.db import get_session

    fn = svc.get_or_detect if save else svc.preview
    run = fn(get_session(), area_code=area_code, start=start, end=end,
             baseline_weeks=baseline_weeks, method=method, params=params, crs=crs, tz=tz,
             coverage=coverage)
    stored = f"run {run.id}" if run.id is not None else "not saved (use --save to store)"
    win = (run.parameters or {}).get("window") or {}
    prec = (run.parameters or {}).get("precision") or {}
    mode = (f"coverage {100 * run.parameters['coverage']:g} % of the area"
            if (run.parameters or {}).get("coverage") else "significance")
    title = (f"{len(run.hotspots)} hot spots, {run.method} ({mode}), "
             f"{_fmt_window(run.window_start, run.window_end, tz)}, {run.n_reports} reports "
             f"in the window, places from {win.get('weeks_before', run.baseline_weeks)} weeks "
             f"before + the window ({win.get('reports', '?')} reports); date-only "
             f"{prec.get('date_only', 0)}, month-only {prec.get('month_only', 0)} (left out); "
             f"{stored}")
    return title, [svc.hotspot_feature(h) for h in run.hotspots]


def _detect_csv(path, columns, start, end, method, params, baseline_weeks, crs, tz,
                coverage=None):
    from est.pointsio import PointsFileError, read_points_csv
    from geo.hotspots import PointSet, detect
    from geo.hotspots.emerging import emerging

    try:
        table = read_points_csv(path, columns, tz=tz)
        points = PointSet.from_lonlat(table.lon, table.lat, crs=crs, t=table.t,
                                      category=table.category, kind=table.kind)
    except (PointsFileError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if points.t is None:
            if start or end:
                raise click.UsageError(f"{path} has no time column; --from/--to need one "
                                       "(map it with --columns time=NAME)")
            result = detect(points, method, params, tz=tz)
            hotspots, window = result.hotspots, "all reports (no time column)"
            n_window = len(points)
        else:
            if end is None:
                last = points.t.max().astype("datetime64[s]").astype(int)
                local = datetime.fromtimestamp(int(last), UTC).astimezone(ZoneInfo(tz))
                end = (local.replace(hour=0, minute=0, second=0, microsecond=0)
                       + timedelta(days=1)).astimezone(UTC)
            if start is None:
                # Seven local days: across a DST change that is 167 or 169 hours.
                local_end = end.astimezone(ZoneInfo(tz))
                start = (local_end.replace(tzinfo=None) - timedelta(days=7)).replace(
                    tzinfo=ZoneInfo(tz)).astimezone(UTC)
            if end <= start:
                raise click.UsageError("--to must be after --from")
            s64 = np.datetime64(start.replace(tzinfo=None), "s")
            e64 = np.datetime64(end.replace(tzinfo=None), "s")
            n_window = int(((points.t >= s64) & (points.t < e64)).sum())
            if n_window == 0:
                raise click.ClickException(
                    f"Inga rapporter i {path} mellan {_fmt_window(start, end, tz)} "
                    f"(filen har datum {str(points.t.min())[:10]} – {str(points.t.max())[:10]})"
                )
            timed = None if table.date_only is None else ~np.asarray(table.date_only)
            if timed is not None:
                points.timed = timed
            from geo.hotspots.coverage import coverage_flagger

            result = emerging(points, s64, e64, prior_weeks=None if baseline_weeks else 0,
                              method=method, params=params, tz=tz,
                              flagger=coverage_flagger(coverage, params) if coverage else None)
            hotspots = result.hotspots
            window = (f"{_fmt_window(start, end, tz)}, places from "
                      f"{result.prior_weeks} weeks before + the window "
                      f"({result.n_window} reports)")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    title = f"{len(hotspots)} hot spots, {method}, {window}, {n_window} reports in the window"
    return title, [_geo_feature(rank, h) for rank, h in enumerate(hotspots, start=1)]


def _geo_feature(rank: int, h) -> dict:
    prof = h.profile
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(h.polygon),
        "properties": {
            "rank": rank, "lineage_id": None, "class": h.klass, "count": h.count,
            "area_m2": round(h.area_m2, 1),
            "score": None if not math.isfinite(h.score) else h.score,
            "z": None if not math.isfinite(h.z) else h.z,
            "centroid": [round(h.centroid[0], 6), round(h.centroid[1], 6)],
            "by_category": h.by_category, "by_kind": h.by_kind,
            "weekly": h.extra.get("weekly", []),
            "busiest_weekdays": prof["busiest_weekdays"], "busiest_hours": prof["busiest_hours"],
            "weekdays": prof["weekdays"], "hours": prof["hours"],
            "first": prof["first"].isoformat() if prof["first"] else None,
            "last": prof["last"].isoformat() if prof["last"] else None,
        },
    }


def _fmt_window(start: datetime, end: datetime, tz: str) -> str:
    z = ZoneInfo(tz)
    return f"{start.astimezone(z):%Y-%m-%d %H:%M} – {end.astimezone(z):%Y-%m-%d %H:%M} {tz}"


def _emit(title: str, features: list[dict], fmt: str) -> None:
    if fmt == "geojson":
        click.echo(json.dumps({"type": "FeatureCollection", "features": features},
                              ensure_ascii=False))
        return
    click.echo(title)
    if not features:
        return
    click.echo(f"{'#':>3} {'class':12} {'count':>5} {'wk avg':>6} {'area m²':>8} {'score':>6} "
               f"{'lon,lat':21} {'days':9} {'hours':9} {'top categories':28} lineage")
    for f in features:
        p = f["properties"]
        cats = ", ".join(f"{k} {v}" for k, v in list(p["by_category"].items())[:2])
        score = "" if p["score"] is None else f"{p['score']:.1f}"
        lineage = (p["lineage_id"] or "")[:8]
        weekly = p["weekly"]
        avg = f"{sum(weekly) / len(weekly):.1f}" if weekly else ""
        click.echo(
            f"{p['rank']:>3} {p['class'] or '-':12} {p['count']:>5} {avg:>6} "
            f"{p['area_m2']:>8.0f} "
            f"{score:>6} {p['centroid'][0]:>10.5f},{p['centroid'][1]:<10.5f} "
            f"{'/'.join(p['busiest_weekdays']):9} "
            f"{'/'.join(str(h) for h in p['busiest_hours']):9} {cats[:28]:28} {lineage}"
        )


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
            else "signifikansläge (den yta de signifikanta platserna täcker)")
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
