"""``est worker`` (an RQ worker on queue "est") and ``est jobs status|list``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from est import jobs
from web.cli.base import EstCommand, EstGroup


def _configure(url: str | None) -> str | None:
    """Point :mod:`est.jobs` at ``url`` (or REDIS_URL) and the app's database."""
    from web.db import database

    redis_url = url or current_app.config["EST_SETTINGS"].redis_url
    jobs.configure(redis_url, database().sessions())
    return redis_url


@click.command("worker", cls=EstCommand)
@click.option("--url", help="Redis URL (default: REDIS_URL).")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--with-scheduler", is_flag=True,
              help="Also move due scheduled jobs (retries, the Monday precompute) to the queue "
                   "and keep the next weekly precompute scheduled.")
@with_appcontext
def worker(url: str | None, burst: bool, with_scheduler: bool) -> None:
    """Run an RQ worker on the queue "est" (jobs stay in Redis across restarts)."""
    from rq import Worker

    redis_url = _configure(url)
    if not redis_url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis every job runs inline in the process that "
            "asks for it, so there is nothing for a worker to do")
    try:
        conn = jobs.connection()
        conn.ping()
    except Exception as exc:
        raise click.ClickException(f"Redis at {redis_url} is unreachable: {exc}") from None
    if with_scheduler:
        from est.jobs import schedule

        ref = schedule.schedule_next_precompute()
        click.echo(f"Veckans förberäkning schemalagd: {ref.id} ({ref.status})")
    Worker([jobs.QUEUE], connection=conn).work(burst=burst, with_scheduler=with_scheduler)


@click.group("jobs", cls=EstGroup)
def group() -> None:
    """Background jobs: queue status, job status, weekly precompute."""


@group.command("status")
@click.argument("job_id", required=False)
@click.option("--url", help="Redis URL (default: REDIS_URL).")
@with_appcontext
def status(job_id: str | None, url: str | None) -> None:
    """Show the queue (counts per state and workers) or the job JOB_ID."""
    redis_url = _configure(url)
    if job_id:
        ref = jobs.get(job_id)
        if ref is None:
            raise click.ClickException(f"job {job_id}: unknown (or expired)")
        click.echo(f"{ref.id}  {ref.status}  {ref.func}" + (f"  {ref.error}" if ref.error else ""))
        return
    if not redis_url:
        click.echo("REDIS_URL är inte satt: jobb körs direkt (inline) i den process som "
                   "startar dem.")
        return
    for name, count in jobs.queue_counts().items():
        click.echo(f"{name:<10} {count}")


@group.command("list")
@click.option("--state", type=click.Choice(jobs.STATUSES), default=None,
              help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--url", help="Redis URL (default: REDIS_URL).")
@with_appcontext
def list_jobs(state: str | None, limit: int, url: str | None) -> None:
    """List recent jobs of the queue, newest state first."""
    if not _configure(url):
        raise click.ClickException("REDIS_URL is not set: inline jobs are not kept in a queue")
    refs = jobs.recent(state=state, limit=limit)
    if not refs:
        click.echo("Inga jobb.")
    for ref in refs:
        error = f"  {ref.error}" if ref.error else ""
        click.echo(f"{ref.id}  {ref.status:<8}  {ref.func}{error}")


@group.command("precompute-week")
@click.option("--all", "all_", is_flag=True,
              help="Every municipality in the database (default: EST_MUNICIPALITY).")
@click.option("--area", help="One municipality (kommunkod).")
@click.option("--week", "week_slug", help="ISO week, e.g. 2026-W47 (default: the last whole "
              "week).")
@click.option("--url", help="Redis URL (default: REDIS_URL).")
@with_appcontext
def precompute_week(all_: bool, area: str | None, week_slug: str | None,
                    url: str | None) -> None:
    """Precompute the last week: hot spot run, review cache, lägesbild (one job per kommun)."""
    from est.review.precompute import precompute_all
    from est.weeks import Week

    settings = current_app.config["EST_SETTINGS"]
    if all_ and area:
        raise click.UsageError("give --all or --area, not both")
    if week_slug:
        try:
            Week.parse(week_slug, settings.timezone)
        except Exception as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    _configure(url)
    refs = precompute_all(week_slug, codes=None if all_ else [area or settings.municipality])
    failed = 0
    for ref in refs:
        if ref.status == "finished" and isinstance(ref.result, dict):
            r = ref.result
            if "error" in r:
                failed += 1
                click.echo(f"{r['area']} {r['week']}: {r['error']}", err=True)
                continue
            c = r["coordinator"]
            lb = r["lagesbild"]
            lb_text = (f"{lb['seconds']} s" if "seconds" in lb else f"misslyckades ({lb['error']})")
            click.echo(f"{r['area']} {r['week']}: {c['reports']} rapporter, "
                       f"{c['hotspots']} hot spots, granskning {r['review_s']} s, "
                       f"lägesbild {lb_text}")
        elif ref.status == "failed":
            failed += 1
            click.echo(f"{ref.id}: misslyckades: {ref.error}", err=True)
        else:
            click.echo(f"{ref.id}: {ref.status} (körs av `est worker`)")
    if failed:
        raise click.ClickException(f"{failed} av {len(refs)} kommuner misslyckades")
