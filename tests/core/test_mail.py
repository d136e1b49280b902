"""The mail outbox: enqueue in the caller's transaction, deliver over real SMTP, retry."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from app.auth.services import send_reset_link
from app.core.database import utcnow
from app.core.mail import OutboxEmail, send_pending
from app.extensions import db
from tests.conftest import free_port


def outbox_rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def queue_reset_mail(user) -> OutboxEmail:
    """Enqueue the password-reset e-mail for `user` and commit it."""
    send_reset_link(user, actor=user)
    db.session.commit()
    [row] = outbox_rows()
    return row


def refuse_connections(app) -> int:
    """Point the outbox at a port where nothing listens; return the port it used before."""
    previous = app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    return previous


def test_enqueue_adds_nothing_when_the_caller_rolls_back(app, make_user):
    """Roll back the caller's transaction and find no queued message."""
    user = make_user()
    send_reset_link(user, actor=user)
    assert [m for m in db.session.new if isinstance(m, OutboxEmail)], "nothing was enqueued"
    db.session.rollback()
    assert outbox_rows() == []


def test_enqueue_is_stored_when_the_caller_commits(app, make_user):
    """Commit the caller's transaction and find one unsent message in the outbox."""
    user = make_user()
    row = queue_reset_mail(user)
    assert row.recipient == user.email
    assert row.sent_at is None
    assert row.attempts == 0


def test_send_pending_delivers_a_chinese_message_over_smtp(app, make_user, smtp_server):
    """Deliver a queued Chinese message with text and HTML parts, then mark it sent."""
    user = make_user(email="wang.lei@example.cn", locale="zh")
    row = queue_reset_mail(user)
    assert row.locale == "zh"

    assert send_pending() == (1, 0)

    [message] = smtp_server.messages
    assert message["To"] == "wang.lei@example.cn"
    assert message["Subject"] == "重置您的 IC2PerMed 门户密码"
    assert message["Content-Language"] == "zh-Hans"
    assert message.is_multipart()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "/reset-password/" in text
    assert "您好" in text
    assert '<a href="http' in html and "/reset-password/" in html
    assert "设置新密码" in html

    [row] = outbox_rows()
    assert row.sent_at is not None
    assert row.attempts == 1
    assert row.last_error is None


def test_send_pending_delivers_an_english_message_in_english(app, make_user, smtp_server):
    """Deliver a message for an English reader with an English subject and language."""
    user = make_user(locale="en")
    queue_reset_mail(user)
    assert send_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["Subject"] == "Reset your IC2PerMed portal password"
    assert message["Content-Language"] == "en"
    assert "Hello" in message.get_body(preferencelist=("plain",)).get_content()


def test_second_run_sends_nothing_twice(app, make_user, smtp_server):
    """Run the delivery twice and receive each message once."""
    queue_reset_mail(make_user())
    assert send_pending() == (1, 0)
    assert send_pending() == (0, 0)
    assert len(smtp_server.messages) == 1


def test_failed_delivery_backs_off_and_is_retried_later(app, make_user, smtp_server):
    """Record a refused connection, wait out the back-off, then deliver once a server listens."""
    queue_reset_mail(make_user())
    server_port = refuse_connections(app)

    before = utcnow()
    assert send_pending() == (0, 1)
    [row] = outbox_rows()
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > before + timedelta(seconds=30)
    retry_at = row.next_attempt_at

    # Immediately again: nothing is tried, so nothing more is counted.
    assert send_pending() == (0, 0)
    [row] = outbox_rows()
    assert row.attempts == 1

    app.config["MAIL_PORT"] = server_port
    with time_machine.travel(retry_at - timedelta(seconds=5), tick=False):
        assert send_pending() == (0, 0)
    assert smtp_server.messages == []

    with time_machine.travel(retry_at + timedelta(seconds=1), tick=False):
        assert send_pending() == (1, 0)
    assert len(smtp_server.messages) == 1
    [row] = outbox_rows()
    assert row.sent_at is not None
    assert row.attempts == 2
    assert row.last_error is None


def test_rows_past_max_attempts_are_not_tried_again(app, make_user, smtp_server):
    """Leave a message that used up its attempts alone, while one attempt short is sent."""
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    given_up = queue_reset_mail(make_user(email="given.up@example.org"))
    given_up.attempts = max_attempts
    given_up.last_error = "ConnectionRefusedError: earlier failure"
    last_try = make_user(email="last.try@example.org")
    send_reset_link(last_try, actor=last_try)
    db.session.commit()
    last_try_row = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.recipient == "last.try@example.org")
    ).one()
    last_try_row.attempts = max_attempts - 1
    db.session.commit()

    assert send_pending() == (1, 0)
    assert [m["To"] for m in smtp_server.messages] == ["last.try@example.org"]
    db.session.expire_all()
    assert given_up.attempts == max_attempts
    assert given_up.sent_at is None


def test_cli_send_pending_prints_the_counts(app, runner, make_user, smtp_server):
    """Run `flask mail send-pending` and see what it sent."""
    queue_reset_mail(make_user())
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert len(smtp_server.messages) == 1
    [row] = outbox_rows()
    assert row.sent_at is not None


def test_cli_send_pending_exits_non_zero_when_some_failed(app, runner, make_user):
    """Run `flask mail send-pending` with no server listening and get a failing exit status."""
    queue_reset_mail(make_user())
    refuse_connections(app)
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code != 0
    assert "sent 0, failed 1" in result.output
    [row] = outbox_rows()
    assert row.sent_at is None
    assert row.attempts == 1


def test_console_transport_prints_the_message(app, runner, make_user):
    """Print the message with the console transport instead of connecting to a server."""
    user = make_user(email="claire@example.fr", locale="en")
    queue_reset_mail(user)
    refuse_connections(app)
    app.config["MAIL_TRANSPORT"] = "console"
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "To: claire@example.fr" in result.output
    assert "Subject: Reset your IC2PerMed portal password" in result.output
    assert "/reset-password/" in result.output
    assert "sent 1, failed 0" in result.output
    [row] = outbox_rows()
    assert row.sent_at is not None
