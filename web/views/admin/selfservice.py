"""The account pages: accept an invitation, forgotten password, reset link, own password.

Link tokens travel in the path; the pages answer with ``Cache-Control: no-store`` and carry
``<meta name="referrer" content="no-referrer">`` (the app-wide header is
``strict-origin-when-cross-origin``), so the token is neither cached nor sent on.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from est.errors import NotFound, ValidationError
from est.services import invites
from web.auth import current_actor, home_for, sign_in_session
from web.db import get_session
from web.extensions import limiter
from web.views.admin.mailer import send_staff_mail

bp = Blueprint("account", __name__)
EXPIRED = "Länken gäller inte längre (den är använd, för gammal eller fel). Be om en ny."


def _private(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_password_page(kind: str, token: str):
    session = get_session()
    user = invites.account_for_token(session, token, kind)
    if user is None:
        return _private(render_template("admin/set_password.html", kind=kind, user=None,
                                        errors={"token": EXPIRED}), 404)
    if request.method == "GET":
        return _private(render_template("admin/set_password.html", kind=kind, user=user,
                                        errors={}))
    try:
        actor = invites.use_token(session, token, kind, request.form.get("password", ""),
                                  request.form.get("repeat", ""))
    except NotFound:
        return _private(render_template("admin/set_password.html", kind=kind, user=None,
                                        errors={"token": EXPIRED}), 404)
    except ValidationError as exc:
        return _private(render_template("admin/set_password.html", kind=kind, user=user,
                                        errors=exc.errors), 400)
    sign_in_session(actor)
    flash("Ditt lösenord är sparat och du är inloggad.", "info")
    return redirect(home_for(actor))


@bp.route("/konto/aktivera/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_LOGIN_RATE_LIMIT"], methods=["POST"])
def accept_invite(token: str):
    """Let an invited person choose a password (single-use link) and sign them in."""
    return _set_password_page("invite", token)


@bp.route("/aterstall-losenord/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_LOGIN_RATE_LIMIT"], methods=["POST"])
def reset(token: str):
    """Choose a new password from a reset link (single use, one hour); all sessions end."""
    return _set_password_page("reset", token)


@bp.route("/glomt-losenord", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot():
    """Ask for a reset link; the answer is the same whether the address has an account."""
    if request.method == "GET":
        return render_template("admin/forgot.html", sent=False, email="", errors={})
    email = request.form.get("email", "").strip()[:254]
    if not email or "@" not in email:
        return render_template("admin/forgot.html", sent=False, email=email,
                               errors={"email": "Skriv din e-postadress."}), 400
    link = invites.request_reset(get_session(), email)
    response = make_response(render_template("admin/forgot.html", sent=True, email="",
                                             errors={}))
    if link is not None:  # sent after the answer, so its time does not tell the address exists
        send_staff_mail(link.user.email, "Nytt lösenord till EST lägesbild", "reset",
                        response=response, name=link.user.name, expires_at=link.expires_at,
                        url=url_for("account.reset", token=link.token, _external=True))
    return response


@bp.route("/konto/losenord", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the signed-in user's own password (the other sessions end)."""
    if request.method == "GET":
        return _private(render_template("admin/change_password.html", errors={}))
    try:
        actor = invites.change_own_password(
            get_session(), current_actor(), request.form.get("current", ""),
            request.form.get("password", ""), request.form.get("repeat", ""))
    except ValidationError as exc:
        return _private(render_template("admin/change_password.html", errors=exc.errors), 400)
    sign_in_session(actor)
    flash("Ditt lösenord är bytt. Andra inloggningar med kontot är avslutade.", "info")
    return redirect(url_for("account.change_password"))


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def profile():
    """The signed-in user's account: which notifications to get where, password change."""
    from est.services import notifications

    session, actor = get_session(), current_actor()
    assert actor is not None
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            notifications.set_preferences(session, actor, request.form.getlist("on_page"),
                                          request.form.getlist("by_mail"))
        except ValidationError as exc:
            errors, status = exc.errors, 400
        else:
            flash("Dina val är sparade.", "info")
            return redirect(url_for("account.profile"))
    on_page, by_mail = notifications.preferences(session, actor)
    return render_template("admin/profile.html", allowed=notifications.allowed_kinds(actor),
                           labels=notifications.KIND_LABELS, on_page=on_page, by_mail=by_mail,
                           errors=errors, mail_on=bool(current_app.config["EST_SETTINGS"]
                                                       .smtp_url)), status
