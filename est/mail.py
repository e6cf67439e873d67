"""E-mail to reporters over SMTP (``EST_SMTP_URL``) and the unsubscribe tokens in it.

``EST_SMTP_URL`` looks like ``smtp://user:pass@host:587?starttls=1&from=est@kommun.se``
(``smtps://`` for TLS from the start). Without it nothing is sent. A failed send is logged
and never raised: mail is sent after the database commit and must not undo a report.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 10
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: host, port, login, STARTTLS or TLS, and the sender address."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    sender: str = "est@localhost"


def parse_smtp_url(url: str) -> SmtpConfig:
    """Parse ``smtp[s]://[user:pass@]host[:port][?starttls=1&from=addr]``; ValueError if bad."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("EST_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 "
                         "(or smtps://host:465), not a URL of scheme "
                         f"{parts.scheme[:10]!r}")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ValueError("EST_SMTP_URL has a port that is not a number from 1 to 65535") \
            from None
    query = parse_qs(parts.query)
    sender = (query.get("from") or ["est@" + parts.hostname])[0]
    if not _EMAIL.match(sender) or len(sender) > 254:
        raise ValueError("EST_SMTP_URL's from= must be one e-mail address, e.g. "
                         "from=est@kommun.se")
    return SmtpConfig(
        host=parts.hostname, port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=(query.get("starttls") or ["0"])[0].lower() in _TRUE,
        tls=parts.scheme == "smtps", sender=sender)


def is_email(contact: str | None) -> bool:
    """Return True if a report's contact field is an e-mail address (not a phone number)."""
    return bool(contact) and len(contact or "") <= 254 and bool(_EMAIL.match(contact or ""))


def send(config: SmtpConfig | None, to: str, subject: str, text: str,
         html: str | None = None, headers: dict[str, str] | None = None) -> bool:
    """Send one message; return False (and log) when not configured or the send fails."""
    if config is None:
        return False
    if not is_email(to):
        log.warning("not sending mail: the address is not a single e-mail address")
        return False
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[1])
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    try:
        if config.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=SMTP_TIMEOUT_S,
                context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_S)
        with client:
            if config.starttls:
                client.starttls(context=ssl.create_default_context())
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("sending mail to a reporter failed: %s", type(exc).__name__)
        return False
    return True


class MailNotSent(RuntimeError):
    """A queued message could not be sent (raised only on the job queue, so it is retried)."""


def deliver(smtp_url: str, to: str, subject: str, text: str, html: str | None = None,
            headers: dict[str, str] | None = None, *, raise_on_failure: bool = False) -> bool:
    """Send one composed message to ``EST_SMTP_URL`` (a job: every argument is a string).

    Returns whether it was sent; with ``raise_on_failure`` (on the job queue) a failed send
    raises :class:`MailNotSent` so the queue tries again later.
    """
    sent = send(parse_smtp_url(smtp_url), to, subject, text, html=html, headers=headers)
    if not sent and raise_on_failure:
        raise MailNotSent("the SMTP server did not take the message")
    return sent


def dispatch(smtp_url: str | None, to: str, subject: str, text: str, html: str | None = None,
             headers: dict[str, str] | None = None) -> bool:
    """Send a composed message through the job queue (inline without ``REDIS_URL``).

    Inline, the result is whether it was sent (a failure is logged, never raised); on the
    queue, True once it is queued (up to 3 retries with back-off).
    """
    if not smtp_url:
        return False
    from est import jobs

    inline = jobs.runs_inline()
    ref = jobs.enqueue(deliver, smtp_url, to, subject, text, html, headers,
                       raise_on_failure=not inline, retry=0 if inline else 3)
    if ref.done:
        return ref.status == "finished" and bool(ref.result)
    return True


def unsubscribe_token(secret: str, report_id: uuid.UUID, receipt_ref: str) -> str:
    """Return ``<receipt_ref>-<HMAC-SHA256 of the report id>`` (the id itself is not shown)."""
    digest = hmac.new(secret.encode(), f"unsubscribe:{report_id}".encode(),
                      hashlib.sha256).hexdigest()[:32]
    return f"{receipt_ref}-{digest}"


def split_token(token: str) -> tuple[str, str] | None:
    """Return (receipt_ref, digest) of a well-formed token, else None."""
    match = re.fullmatch(r"([0-9A-Z]{8})-([0-9a-f]{32})", token or "")
    return (match.group(1), match.group(2)) if match else None


def token_matches(secret: str, report_id: uuid.UUID, receipt_ref: str, token: str) -> bool:
    """Return True if ``token`` was made for this report with ``secret`` (constant time)."""
    return hmac.compare_digest(unsubscribe_token(secret, report_id, receipt_ref), token)
