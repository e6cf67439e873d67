"""Administration in the browser (permission ``admin``): accounts and the audit trail.

The signed-in user's own pages (password change, invitation and reset links) are in
:mod:`web.views.admin.selfservice`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from est import access
from est.errors import ValidationError
from est.services import invites, users
from web.auth import current_actor, permission_required
from web.db import get_session
from web.views.admin.mailer import mail_configured, send_staff_mail

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_LABELS = {"admin": "administratör", "coordinator": "samordnare", "reporter": "rapportör",
               "viewer": "läsare"}


@bp.app_context_processor
def _admin_labels():
    return {"role_labels": ROLE_LABELS, "permission_labels": access.PERMISSION_LABELS}


@bp.get("/")
@permission_required("users.manage")
def index():
    """Start page of the administration: the accounts."""
    return redirect(url_for("admin.accounts"))


def _form_values() -> dict:
    form = request.form
    perms = form.getlist("permissions")
    return {"email": form.get("email", "")[:254].strip(), "name": form.get("name", "")[:300],
            "role": form.get("role", ""), "organisation": form.get("organisation", ""),
            "permissions": perms if form.get("custom") == "1" else None,
            "custom": form.get("custom") == "1"}


def _render_list(errors=None, values=None, status=200):
    session = get_session()
    actor = current_actor()
    accounts = invites.list_accounts(session, actor)
    return render_template(
        "admin/accounts.html", accounts=accounts, errors=errors or {},
        values=values or {"role": "reporter", "custom": False, "permissions": None},
        organisations=users.list_organisations(session), roles=ROLE_LABELS,
        permissions=access.PERMISSIONS, invited=invites.is_invited,
        events=invites.account_events(session, actor, limit=30),
        mail_on=mail_configured()), status


@bp.get("/konton")
@permission_required("users.manage")
def accounts():
    """List accounts with the invitation form and the newest audit events."""
    return _render_list()


def _send_link(link: invites.Link, kind: str) -> bool:
    if kind == "invite":
        url = url_for("account.accept_invite", token=link.token, _external=True)
        return send_staff_mail(link.user.email, "Inbjudan till EST lägesbild", "invite",
                               name=link.user.name, url=url, expires_at=link.expires_at)
    url = url_for("account.reset", token=link.token, _external=True)
    return send_staff_mail(link.user.email, "Nytt lösenord till EST lägesbild", "reset",
                           name=link.user.name, url=url, expires_at=link.expires_at)


def _link_notice(link: invites.Link, kind: str, sent: bool) -> None:
    if sent:
        flash(f"En länk har skickats till {link.user.email}.", "info")
    else:
        endpoint = "account.accept_invite" if kind == "invite" else "account.reset"
        flash("Ingen e-post kunde skickas (EST_SMTP_URL saknas eller servern svarar inte). "
              "Ge personen länken på ett säkert sätt; den visas bara nu: "
              + url_for(endpoint, token=link.token, _external=True), "info")


@bp.post("/konton/bjud-in")
@permission_required("users.manage")
def invite():
    """Invite a new account by e-mail (the invitee chooses a password from the link)."""
    values = _form_values()
    try:
        link = invites.invite_user(get_session(), current_actor(), email=values["email"],
                                   name=values["name"], role=values["role"],
                                   organisation=values["organisation"],
                                   permissions=values["permissions"])
    except ValidationError as exc:
        return _render_list(exc.errors, values, 400)
    _link_notice(link, "invite", _send_link(link, "invite"))
    return redirect(url_for("admin.account", user_id=link.user.id))


@bp.route("/konton/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def account(user_id: int):
    """Show and change one account: name, role, organisation, permissions."""
    session = get_session()
    actor = current_actor()
    user = invites.get_account(session, user_id)
    errors: dict[str, str] = {}
    values = {"name": user.name, "role": user.role,
              "organisation": str(user.organisation_id or ""),
              "permissions": user.permissions, "custom": user.permissions is not None}
    status = 200
    if request.method == "POST":
        values = _form_values()
        try:
            invites.update_account(session, actor, user_id, name=values["name"],
                                   role=values["role"], organisation=values["organisation"],
                                   permissions=values["permissions"])
            flash("Ändringarna är sparade.", "info")
            return redirect(url_for("admin.account", user_id=user_id))
        except ValidationError as exc:
            errors, status = exc.errors, 400
    effective = access.permissions_of(user)
    return render_template(
        "admin/account.html", user=user, values=values, errors=errors,
        organisations=users.list_organisations(session), roles=ROLE_LABELS,
        permissions=access.PERMISSIONS, effective=effective,
        invited=invites.is_invited(user), is_self=user.id == actor.id if actor else False,
        events=invites.account_events(session, actor, user_id=user_id)), status


@bp.post("/konton/<int:user_id>/aktiv")
@permission_required("users.manage")
def set_active(user_id: int):
    """Deactivate (ends every session and open link) or activate an account."""
    active = request.form.get("active") == "1"
    try:
        ended = invites.set_account_active(get_session(), current_actor(), user_id, active)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("admin.account", user_id=user_id))
    flash("Kontot är aktiverat." if active else
          f"Kontot är inaktiverat; {ended} inloggning(ar) avslutades.", "info")
    return redirect(url_for("admin.account", user_id=user_id))


@bp.post("/konton/<int:user_id>/aterstall")
@permission_required("users.manage")
def send_reset(user_id: int):
    """Mail the account a link to choose a new password (single use, one hour)."""
    try:
        link = invites.admin_reset(get_session(), current_actor(), user_id)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("admin.account", user_id=user_id))
    _link_notice(link, "reset", _send_link(link, "reset"))
    return redirect(url_for("admin.account", user_id=user_id))


@bp.post("/konton/<int:user_id>/bjud-in-igen")
@permission_required("users.manage")
def reinvite(user_id: int):
    """Send a new invitation link (the earlier one stops working)."""
    try:
        link = invites.resend_invite(get_session(), current_actor(), user_id)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("admin.account", user_id=user_id))
    _link_notice(link, "invite", _send_link(link, "invite"))
    return redirect(url_for("admin.account", user_id=user_id))


from web.views.admin import catalog, setup  # noqa: E402,F401  (routes on bp)
