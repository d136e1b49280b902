"""`flask demo load`: the demo consortium for trying the portal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import SiteRole, User
from app.auth.passwords import verify_password
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def english_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the commands as from an English shell (their messages follow LANG)."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")


def count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts() -> dict[str, int]:
    """Return the number of rows of every table."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {
            table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def load(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def test_load_fills_an_empty_database(app, runner):
    """Load three bilingual groups, about fifteen people, an admin, a coordinator, and leads."""
    assert count(User) == 0
    load(runner)

    groups = db.session.scalars(sa.select(WorkingGroup)).all()
    assert len(groups) == 3
    for group in groups:
        assert group.name_en and group.name_zh
        assert group.name_en != group.name_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in group.name_zh), group.name_zh

    users = db.session.scalars(sa.select(User)).all()
    assert 12 <= len(users) <= 20
    roles = [u.site_role for u in users]
    assert SiteRole.ADMIN in roles
    assert SiteRole.COORDINATOR in roles
    assert all(u.is_active_account for u in users)
    assert {u.locale for u in users} >= {"en", "zh"}

    for group in groups:
        group_roles = db.session.scalars(
            sa.select(Membership.role).where(Membership.group_id == group.id)
        ).all()
        assert GroupRole.LEAD in group_roles, group.code


def test_load_prints_the_sign_ins_and_the_password(app, runner):
    """Print every demo sign-in and the shared demo password."""
    result = load(runner)
    password = app.config["DEMO_PASSWORD"]
    assert password in result.output
    for email in db.session.scalars(sa.select(User.email)):
        assert email in result.output


def test_second_load_adds_nothing_but_prints_the_sign_ins(app, runner):
    """Leave the database as it is on a second run and still print the sign-ins."""
    load(runner)
    before = counts()
    result = load(runner)
    assert counts() == before
    assert "not loaded again" in result.output
    assert app.config["DEMO_PASSWORD"] in result.output
    for email in db.session.scalars(sa.select(User.email)):
        assert email in result.output


def test_load_refuses_in_production(app, database_url):
    """Refuse to load under ProductionConfig, exit non-zero and change nothing."""
    before = counts()
    production = create_app("production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="p" * 48)
    assert production.config["PORTAL_PRODUCTION"] is True
    # The command runs in the app context already pushed, so push the production one.
    with production.app_context():
        try:
            result = production.test_cli_runner().invoke(args=["demo", "load"])
        finally:
            db.session.remove()
            db.engine.dispose()
    assert result.exit_code != 0
    assert "production" in result.output
    assert app.config["DEMO_PASSWORD"] not in result.output
    assert counts() == before


def test_every_demo_person_has_the_demo_password(app, runner):
    """Give every demo account the printed demo password."""
    load(runner)
    password = app.config["DEMO_PASSWORD"]
    users = db.session.scalars(sa.select(User)).all()
    assert users
    for user in users:
        assert verify_password(user.password_hash, password), user.email


@pytest.mark.parametrize("site_role", [SiteRole.ADMIN, SiteRole.MEMBER])
def test_demo_people_sign_in_through_the_form(app, runner, site_role):
    """Sign a demo admin and a demo member in through the real sign-in form."""
    load(runner)
    user = db.session.scalars(
        sa.select(User).where(User.site_role == site_role).order_by(User.id)
    ).first()
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": user.email, "password": app.config["DEMO_PASSWORD"], "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    home = client.get("/")
    assert home.status_code == 200
    assert user.name in home.get_data(as_text=True)


def test_load_adds_every_domains_content(app, runner):
    """Organisations, pending invitations, documents, meetings and deliverables all arrive."""
    from app.deliverables.models import Deliverable, DeliverableStatus
    from app.documents.models import Document
    from app.invitations.models import Invitation, InvitationState
    from app.meetings.models import Meeting
    from app.organisations.models import Organisation

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    assert count(Organisation) >= 10
    invitations = db.session.scalars(sa.select(Invitation)).all()
    assert len(invitations) == 2
    assert all(i.state is InvitationState.PENDING and i.groups for i in invitations)
    assert count(Document) > 0
    assert count(Meeting) > 0
    statuses = set(db.session.scalars(sa.select(Deliverable.status)))
    assert {DeliverableStatus.APPROVED, DeliverableStatus.RETURNED} <= statuses
