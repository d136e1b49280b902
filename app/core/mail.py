"""The mail outbox.

Services call `enqueue()` in the same transaction as the change that causes the message, so
a message exists exactly when its cause does. `flask mail send-pending` (run it from cron or a
systemd timer) delivers what is due over SMTP and retries failures with back-off. In
development (`MAIL_DELIVER_AFTER_REQUEST`) the outbox is also delivered at the end of each
request that enqueued mail, and the "console" transport prints messages instead of sending.
"""

from __future__ import annotations

import contextlib
import smtplib
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app, g, render_template, url_for
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import UTCDateTime, utcnow
from app.extensions import db


class OutboxEmail(db.Model):
    """A message waiting to be sent, or the record of one that was."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    #: The language the message was written in (the recipient's).
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this time (back-off after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def external_url(endpoint: str, **values: Any) -> str:
    """Return an absolute URL for a link in an e-mail, with or without a request."""
    from flask import has_request_context

    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def enqueue(
    recipient: str, locale: str, template: str, subject: str, **context: Any
) -> OutboxEmail:
    """Render `mail/<template>.txt` (and `.html`) in `locale` and add it to the outbox.

    `subject` must be a lazy string (`_l`) or a callable so it is translated in `locale`.
    The caller commits.
    """
    with force_locale(locale):
        subject_text = str(subject() if callable(subject) else subject)
        context = {**context, "locale": locale, "subject": subject_text}
        body_text = render_template(f"mail/{template}.txt", **context)
        body_html = render_template(f"mail/{template}.html", **context)
    message = OutboxEmail(
        recipient=recipient,
        locale=locale,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
    )
    db.session.add(message)
    g.mail_enqueued = True
    return message


def _build_message(row: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain="ic2permed.portal")
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    # After set_content, which drops every Content-* header set before it.
    message["Content-Language"] = "zh-Hans" if row.locale == "zh" else row.locale
    return message


def _open_smtp() -> smtplib.SMTP:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def backoff(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 h."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Deliver the messages that are due; return (sent, failed).

    Rows are claimed with SKIP LOCKED on PostgreSQL so two runners never send one twice.
    """
    now = utcnow()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    query = (
        sa.select(OutboxEmail)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.attempts < max_attempts,
            OutboxEmail.next_attempt_at <= now,
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(db.session.scalars(query))
    if not rows:
        db.session.commit()
        return 0, 0
    sent = failed = 0
    transport = current_app.config["MAIL_TRANSPORT"]
    smtp: smtplib.SMTP | None = None
    try:
        for row in rows:
            try:
                if transport == "console":
                    _print_message(row)
                else:
                    if smtp is None:
                        smtp = _open_smtp()
                    smtp.send_message(_build_message(row))
            except (OSError, smtplib.SMTPException) as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                row.next_attempt_at = utcnow() + backoff(row.attempts)
                failed += 1
                smtp = None
            else:
                row.attempts += 1
                row.sent_at = utcnow()
                row.last_error = None
                sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
        db.session.commit()
    return sent, failed


def _print_message(row: OutboxEmail) -> None:
    out = sys.stdout
    out.write("\n" + "-" * 72 + "\n")
    out.write(f"To: {row.recipient}\nSubject: {row.subject}\n\n{row.body_text}\n")
    out.write("-" * 72 + "\n")
    out.flush()


def register(app: Flask) -> None:
    """In development, deliver the outbox at the end of each request that enqueued mail."""

    @app.after_request
    def _deliver_after_request(response):
        if app.config.get("MAIL_DELIVER_AFTER_REQUEST") and g.get("mail_enqueued"):
            send_pending()
        return response


mail_cli = AppGroup("mail", help="The outgoing mail queue.")


@mail_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True, help="Send at most this many.")
def send_pending_command(limit: int) -> None:
    """Deliver the queued e-mails that are due (run it every minute from cron)."""
    sent, failed = send_pending(limit=limit)
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        sys.exit(1)
