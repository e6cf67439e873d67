"""``est notify send``: the daily notification e-mail to staff who asked for it."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app, render_template, url_for

from est import access, mail
from est.services import notifications
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("notify", help="Staff notifications by e-mail (moderation, actions, agenda).")


@group.command("send")
@click.option("--base-url", envvar="EST_BASE_URL", default=None,
              help="The service's address for the links, e.g. https://est.kommun.se "
                   "(or EST_BASE_URL).")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send nothing.")
def send(base_url: str | None, dry_run: bool) -> None:
    """Mail each person who chose e-mail notifications what is waiting today (run daily)."""
    if not base_url or not base_url.startswith(("http://", "https://")):
        raise click.UsageError("give --base-url https://… (or set EST_BASE_URL): the links in "
                               "the mail need the service's address")
    settings = current_app.config["EST_SETTINGS"]
    if not settings.smtp_url and not dry_run:
        raise click.UsageError("EST_SMTP_URL is not set: no mail can be sent (try --dry-run)")
    session = get_session()
    today = datetime.now(settings.tz).date()
    sent = skipped = 0
    with current_app.test_request_context(base_url=base_url.rstrip("/")):
        for user, kinds in notifications.mail_subscribers(session):
            actor = access.actor_for(session, user)
            found = notifications.notices(session, actor, kinds, today=today,
                                          tz=settings.timezone)
            if not found:
                skipped += 1
                continue
            if dry_run:
                click.echo(f"{user.email}: " + "; ".join(n.title for n in found))
                sent += 1
                continue
            links = {n.kind: url_for(n.endpoint, _external=True, **n.args)
                     for n in found if n.endpoint}
            text = render_template("mail/notify.txt", name=user.name, notices=found,
                                   links=links,
                                   account_url=url_for("account.profile", _external=True))
            html = render_template("mail/message.html", body=text, ref="EST lägesbild")
            subject = f"EST lägesbild: {len(found)} saker att titta på i dag"
            if mail.dispatch(settings.smtp_url, user.email, subject, text, html=html):
                notifications.mark_mailed(session, user.id)
                sent += 1
            else:
                click.echo(f"not sent to {user.email} (see the log)", err=True)
    verb = "would mail" if dry_run else "mailed"
    click.echo(f"{verb} {sent} people; {skipped} had nothing today.")
