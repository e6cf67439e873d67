"""``est hotspots detect``: hot spots of a window, from the database or a CSV file."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import numpy as np
import shapely

from web.cli.hotspots.common import METHOD_CHOICES, _crs, _params, _tz, _when, group


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
