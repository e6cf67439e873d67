"""``est users``: staff accounts (the first admin is made here)."""

from __future__ import annotations

import click

from est import public
from est.access import PERMISSIONS, permissions_of
from est.demo import DEMO_CODE, DEMO_PLACES
from est.models import ROLES
from est.services import users
from est.services.reports import replace_places
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("users", help="Staff accounts, roles and organisations.")


@group.command("create")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice(ROLES),
              help="admin, coordinator (EST samordnare), reporter or viewer.")
@click.option("--org", "organisation", default=None,
              help="Organisation name or id (required for reporters; see `est users orgs`).")
@click.option("--password", default=None,
              help="Password (at least 10 characters, not a common one); prompted for when "
                   "left out.")
@click.option("--permissions", default=None,
              help="Permissions instead of the role's defaults, comma-separated: "
                   + ", ".join(PERMISSIONS) + " (e.g. report,review for a partner).")
def create(email: str, name: str, role: str, organisation: str | None,
           password: str | None, permissions: str | None) -> None:
    """Create a staff account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = users.create_user(get_session(), email=email, name=name, role=role,
                             organisation=organisation, password=password,
                             permissions=permissions)
    click.echo(f"Created {user.email} ({user.role}; {_permission_text(user)}).")


@group.command("password")
@click.argument("email")
@click.option("--password", default=None, help="The new password; prompted for when left out.")
def password(email: str, password: str | None) -> None:
    """Set a new password; lifts a lock and signs the account out everywhere."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    ended = users.set_password(get_session(), email, password)
    click.echo(f"New password for {email.strip().lower()}; {ended} session(s) ended.")


@group.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Deactivate an account and end all its sessions."""
    ended = users.set_active(get_session(), email, False)
    click.echo(f"Deactivated {email.strip().lower()}; {ended} session(s) ended.")


@group.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Activate a deactivated account again."""
    users.set_active(get_session(), email, True)
    click.echo(f"Activated {email.strip().lower()}.")


@group.command("permissions")
@click.argument("email")
@click.argument("permissions", required=False, default="")
def permissions(email: str, permissions: str) -> None:
    """Set an account's permissions (comma-separated); none given: the role's defaults."""
    user = users.set_permissions(get_session(), email, permissions)
    click.echo(f"{user.email} ({user.role}): {_permission_text(user)}.")


def _permission_text(user) -> str:
    names = sorted(permissions_of(user), key=PERMISSIONS.index)
    source = "role defaults" if user.permissions is None else "set for the account"
    return f"permissions {'+'.join(names) or 'none'} ({source})"


@group.command("orgs")
def orgs() -> None:
    """List organisations (id, kind, name; "public" when its reports count publicly)."""
    for org in users.list_organisations(get_session()):
        click.echo(f"{org.id:4} {org.kind:13} {org.name}"
                   + ("  [public]" if org.public_opt_in else ""))


@group.command("public")
@click.argument("organisation")
@click.option("--on/--off", "opt_in", required=True,
              help="Let the organisation's reports count on the public map and Open311 "
                   "(aggregated, see the public privacy model), or stop them.")
def public_opt_in(organisation: str, opt_in: bool) -> None:
    """Opt an organisation (name or id) in to or out of the public outputs."""
    org = public.set_public_opt_in(get_session(), organisation, opt_in)
    state = "count on" if org.public_opt_in else "no longer count on"
    click.echo(f"{org.name}: reports {state} the public outputs.")


def demo_reporting(session) -> str:
    """Demo step: the Hallsberg place list and one demo account per role."""
    places = replace_places(session, DEMO_CODE, DEMO_PLACES)
    made = users.ensure_demo_accounts(session)
    return (f"{places} named places for reporting without a map; demo accounts (password "
            f"{users.DEMO_PASSWORD!r}): " + ", ".join(made))

