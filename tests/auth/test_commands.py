"""`flask users create-admin`: the first administrator, from the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole, User
from app.auth.passwords import verify_password
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD

ADMIN_PASSWORD = "a long and unguessable admin password"


@pytest.fixture(autouse=True)
def english_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the command as from an English shell without ADMIN_PASSWORD."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)


def all_users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def test_create_admin_with_admin_password(app, runner, client, login_as, monkeypatch):
    """Create an active administrator from ADMIN_PASSWORD who can then sign in."""
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = runner.invoke(args=["users", "create-admin", "Giulia.Ferraro@Example.org"])
    assert result.exit_code == 0, result.output
    assert "giulia.ferraro@example.org" in result.output

    [admin] = all_users()
    assert admin.email == "giulia.ferraro@example.org"
    assert admin.site_role == SiteRole.ADMIN
    assert admin.is_active_account
    assert verify_password(admin.password_hash, ADMIN_PASSWORD)

    login_as(admin, password=ADMIN_PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "spelling", ["giulia@example.org", "GIULIA@Example.ORG", "  Giulia@example.org "]
)
def test_existing_address_is_refused(app, runner, make_user, monkeypatch, spelling):
    """Refuse an address that already has an account, in any spelling, and change nothing."""
    existing = make_user(email="giulia@example.org", site_role=SiteRole.MEMBER)
    old_hash = existing.password_hash
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)

    result = runner.invoke(args=["users", "create-admin", spelling])

    assert result.exit_code != 0
    assert "already exists" in result.output
    [user] = all_users()
    assert user.site_role == SiteRole.MEMBER
    assert user.password_hash == old_hash
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_without_password_or_terminal_it_stops_with_a_message(app, runner):
    """Exit non-zero with a clear message, not a hang, when no password can be had."""
    result = runner.invoke(args=["users", "create-admin", "root@example.org"], input="")
    assert result.exit_code != 0
    assert "ADMIN_PASSWORD" in result.output
    assert all_users() == []


def test_too_short_password_is_refused(app, runner, monkeypatch):
    """Refuse a password shorter than the policy allows and create nobody."""
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    result = runner.invoke(args=["users", "create-admin", "root@example.org"])
    assert result.exit_code != 0
    minimum = app.config["PASSWORD_MIN_LENGTH"]
    assert f"Use between {minimum} and" in result.output
    assert all_users() == []


def test_not_an_address_is_refused(app, runner, monkeypatch):
    """Refuse something that is not an e-mail address and create nobody."""
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = runner.invoke(args=["users", "create-admin", "root"])
    assert result.exit_code != 0
    assert "not an e-mail address" in result.output
    assert all_users() == []


def test_messages_follow_the_shell_language(app, runner, make_user, monkeypatch):
    """Answer in Chinese when the shell runs in Chinese."""
    make_user(email="liu.fang@example.cn")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = runner.invoke(args=["users", "create-admin", "liu.fang@example.cn"])
    assert result.exit_code != 0
    assert "已存在" in result.output
