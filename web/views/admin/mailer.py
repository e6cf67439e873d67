"""E-mail to staff (invitations, reset links, notifications) from templates in mail/."""

from __future__ import annotations

import logging

from flask import current_app, render_template

from est import mail

log = logging.getLogger(__name__)


def mail_configured() -> bool:
    """Return True if ``EST_SMTP_URL`` is set (otherwise no mail is sent at all)."""
    return bool(current_app.config["EST_SETTINGS"].smtp_url)


def send_staff_mail(to: str, subject: str, template: str, *, response=None,
                    **context) -> bool:
    """Render ``mail/<template>.txt`` (+ the HTML part) and send it; False if not sent.

    With ``response`` the mail goes out once that response has been sent (its timing then
    says nothing about the mail; True means "composed"). Never raises: a failed send is
    logged, the change that triggered it stays made.
    """
    smtp_url = current_app.config["EST_SETTINGS"].smtp_url
    if not smtp_url:
        return False
    try:
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template("mail/message.html", body=text, ref=subject)
    except Exception:  # mail must never break the request that triggered it
        log.exception("composing mail to staff failed")
        return False
    if response is not None:
        response.call_on_close(lambda: _dispatch(smtp_url, to, subject, text, html))
        return True
    return _dispatch(smtp_url, to, subject, text, html)


def _dispatch(smtp_url: str, to: str, subject: str, text: str, html: str) -> bool:
    try:
        return mail.dispatch(smtp_url, to, subject, text, html=html)
    except Exception:
        log.exception("sending mail to staff failed")
        return False
