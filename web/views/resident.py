"""Residents: a report's status by receipt reference, mail to reporters and unsubscribing."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from est import mail
from est.models import Report
from est.services import resident
from est.services.actions import ACTIONS_DONE
from est.services.moderation import REJECT_REASONS
from web.db import get_session
from web.extensions import limiter

bp = Blueprint("resident", __name__)
log = logging.getLogger(__name__)

DEFAULT_STATUS_RATE_LIMIT = "10 per minute;50 per hour"
MAIL_EVENTS = {
    "receipt": "Vi har tagit emot din rapport {ref}",
    "published": "Din rapport {ref} är publicerad",
    "rejected": "Din rapport {ref} är avvisad",
    "closed": "Din rapport {ref} är åtgärdad",
}


def _status_limit() -> str:
    return current_app.config.get("EST_STATUS_RATE_LIMIT", DEFAULT_STATUS_RATE_LIMIT)


@bp.get("/rapportera/status")
@limiter.limit(_status_limit, exempt_when=lambda: "ref" not in request.args)
def status():
    """Show the state of a report by its receipt reference (the same page shape for any)."""
    text = request.args.get("ref")
    found = None
    error = None
    if text is not None:
        if resident.parse_reference(text) is None:
            error = _("Skriv referensnumret som EST- och åtta tecken, till exempel EST-7KQ2M9XA.")
        else:
            found = resident.status_by_reference(
                get_session(), text, current_app.config["EST_SETTINGS"].tz)
    return render_template(
        "report/status.html", asked=text is not None and error is None, found=found,
        error=error, value=(text or "")[:20], states=resident.STATES,
        explanations=resident.EXPLANATIONS, reasons=REJECT_REASONS,
    ), 400 if error else 200


@bp.route("/rapportera/avprenumerera/<token>", methods=["GET", "POST"])
@limiter.limit(_status_limit)
def unsubscribe(token: str):
    """Confirm (GET) and stop (POST) further e-mail about one report."""
    session = get_session()
    report = resident.report_for_token(session, current_app.config["SECRET_KEY"], token)
    if report is None:
        abort(404)
    done = report.mail_opt_out
    if request.method == "POST" and not done:
        resident.unsubscribe(session, report.id)
        done = True
    return render_template("report/unsubscribe.html", token=token, done=done)


def notify(report: Report, event: str) -> bool:
    """E-mail the reporter of ``report`` about ``event`` (see MAIL_EVENTS), after the commit.

    Sends nothing without ``EST_SMTP_URL``, without an e-mail address or after unsubscribing;
    a failed send is logged and reported as False, never raised.
    """
    to = resident.mail_recipient(report)
    smtp_url = current_app.config["EST_SETTINGS"].smtp_url
    if to is None or not smtp_url or report.receipt_ref is None:
        return False
    try:
        ref = f"EST-{report.receipt_ref}"
        token = mail.unsubscribe_token(current_app.config["SECRET_KEY"], report.id,
                                       report.receipt_ref)
        context = {
            "ref": ref,
            "status_url": url_for("resident.status", ref=ref, _external=True),
            "unsubscribe_url": url_for("resident.unsubscribe", token=token, _external=True),
            "reason": REJECT_REASONS.get(report.reject_reason or "", ""),
        }
        text = render_template(f"mail/{event}.txt", **context)
        html = render_template("mail/message.html", body=text, **context)
        return mail.dispatch(smtp_url, to, MAIL_EVENTS[event].format(ref=ref), text, html=html,
                             headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"})
    except Exception:  # mail must never undo or break the request that triggered it
        log.exception("composing mail to a reporter failed")
        return False


@bp.after_app_request
def _mail_actions_done(response):
    """Mail "åtgärdad" to the reporters whose reports an action set done in this request covers.

    Runs after the view committed (est.services.actions records the action ids in the
    session); each report is mailed once per action, a failure is logged and never raised.
    """
    session = g.get("db_session")
    done = session.info.pop(ACTIONS_DONE, None) if session is not None else None
    for action_id in done or ():
        try:
            sent = [report.id for report in resident.closed_recipients(session, action_id)
                    if notify(report, "closed")]
            resident.mark_mailed(session, sent, "closed", action_id)
        except Exception:  # mail must never break the request that triggered it
            log.exception("mailing reporters about a done action failed")
            session.rollback()
    return response
