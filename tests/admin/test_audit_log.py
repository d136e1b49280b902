"""The audit log page: who may read it, what a row says, filters, pages and query count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.extensions import db
from app.groups.models import GroupRole
from tests.admin.conftest import post


@pytest.fixture
def add_event(app):
    """Return a factory of committed audit events at a chosen time and address."""

    def factory(action, *, actor=None, target=None, at=None, ip=None, **details):
        event = AuditEvent(
            action=action,
            actor_id=getattr(actor, "id", None),
            object_type="user" if target is not None else None,
            object_id=str(target.id) if target is not None else None,
            occurred_at=at or datetime.now(UTC),
            ip_address=ip,
            details=details,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return factory


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>.*?</tr>", body, flags=re.S)


def codes(html: str) -> list[str]:
    """Return the action code of each row, top to bottom."""
    return re.findall(r"<code>([^<]+)</code>", "".join(rows(html)))


def test_coordinators_and_admins_read_the_log(client, make_user, login_as, add_event):
    """Coordinators may read the log (but not open account pages from it)."""
    person = make_user(name="Target Person")
    add_event("admin.user_deactivated", target=person)
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    response = client.get("/admin/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Account deactivated" in html and "Target Person" in html
    assert f"/admin/users/{person.id}" not in html
    assert 'href="/admin/users"' not in html  # no account-management tab either


def test_members_and_leads_may_not_read_it(client, make_user, make_group, add_member, login_as):
    """A group lead gets 403; a visitor is sent to sign in."""
    assert client.get("/admin/audit").status_code == 302
    lead = make_user()
    add_member(lead, make_group(), GroupRole.LEAD)
    login_as(lead)
    assert client.get("/admin/audit").status_code == 403


def test_a_row_says_when_who_what_on_what_from_where(client, as_admin, make_user, add_event):
    """Each row has the time, the actor's name, a human label, the object, address, details."""
    person = make_user(name="Luca Bianchi", name_zh="卢卡")
    add_event(
        "admin.site_role_changed",
        actor=as_admin,
        target=person,
        ip="192.0.2.7",
        old="member",
        new="coordinator",
    )
    html = client.get("/admin/audit?action=admin.site_role_changed").get_data(as_text=True)
    [row] = rows(html)
    assert "Ada Admin" in row and "Site role changed" in row
    assert f'href="/admin/users/{person.id}"' in row and "Luca Bianchi" in row
    assert "192.0.2.7" in row and "old" in row and "coordinator" in row


def test_unknown_actions_and_missing_actors(client, as_admin, add_event):
    """An action without a label shows its code; an event without an actor shows a dash."""
    add_event("documents.something_new", ip="198.51.100.1")
    [row] = rows(client.get("/admin/audit?address=198.51.100.1").get_data(as_text=True))
    assert row.count("documents.something_new") == 2  # as label and as code
    assert "—" in row


def test_newest_first(client, as_admin, add_event):
    """Events are listed from the newest to the oldest."""
    now = datetime.now(UTC)
    add_event("test.middle", at=now - timedelta(hours=2))
    add_event("test.newest", at=now - timedelta(hours=1))
    add_event("test.oldest", at=now - timedelta(hours=3))
    html = client.get("/admin/audit?action=test.").get_data(as_text=True)
    assert codes(html) == ["test.newest", "test.middle", "test.oldest"]


def test_filter_by_action_and_by_family(client, as_admin, add_event):
    """An exact action keeps that action; a prefix like "auth." keeps the whole family."""
    add_event("auth.login")
    add_event("auth.logout")
    add_event("invitation.sent")
    exact = client.get("/admin/audit?action=auth.logout").get_data(as_text=True)
    assert set(codes(exact)) == {"auth.logout"}
    family = client.get("/admin/audit?action=auth.").get_data(as_text=True)
    assert set(codes(family)) >= {"auth.login", "auth.logout"}
    assert "invitation.sent" not in codes(family)


def test_filter_by_actor(client, as_admin, make_user, add_event):
    """The actor filter searches names (Chinese too) and e-mail addresses."""
    wang = make_user(name="Wang Lei", name_zh="王磊", email="wang@example.cn")
    other = make_user(name="Other")
    add_event("test.by_wang", actor=wang)
    add_event("test.by_other", actor=other)
    for text in ("王", "WANG@", "lei"):
        html = client.get("/admin/audit", query_string={"actor": text, "action": "test."})
        assert codes(html.get_data(as_text=True)) == ["test.by_wang"], text


def test_filter_by_object_type(client, as_admin, make_user, add_event):
    """The object filter keeps events about that kind of object."""
    add_event("test.about_user", target=make_user())
    add_event("test.about_nothing")
    html = client.get("/admin/audit?object_type=user&action=test.").get_data(as_text=True)
    assert codes(html) == ["test.about_user"]


def test_dates_are_days_in_the_readers_zone(client, make_user, login_as, add_event):
    """A day filter covers midnight to midnight where the reader is, not in UTC."""
    reader = make_user(site_role=SiteRole.COORDINATOR, timezone="Asia/Shanghai")
    login_as(reader)
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai.
    add_event("test.late_utc", at=datetime(2024, 3, 1, 17, 30, tzinfo=UTC))
    add_event("test.early_utc", at=datetime(2024, 3, 1, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai

    def listed(**dates):
        response = client.get("/admin/audit", query_string={"action": "test.", **dates})
        return codes(response.get_data(as_text=True))

    assert listed(since="2024-03-02", until="2024-03-02") == ["test.late_utc"]
    assert listed(since="2024-03-01", until="2024-03-01") == ["test.early_utc"]
    assert listed(since="2024-03-02") == ["test.late_utc"]
    assert listed(until="2024-03-01") == ["test.early_utc"]


def test_filter_by_address(client, as_admin, add_event):
    """The address filter matches the start of the address, so a network can be searched."""
    add_event("test.from_a", ip="10.1.2.3")
    add_event("test.from_b", ip="10.9.9.9")
    add_event("test.from_c", ip="192.168.0.1")
    assert codes(client.get("/admin/audit?address=10.1.2.3").get_data(as_text=True)) == [
        "test.from_a"
    ]
    html = client.get("/admin/audit?address=10.&action=test.").get_data(as_text=True)
    assert set(codes(html)) == {"test.from_a", "test.from_b"}


def test_pages_of_50_keep_the_filters(client, as_admin, add_event):
    """Fifty events a page; the link to the next page keeps the filters."""
    for n in range(60):
        add_event("test.paged", ip=f"203.0.113.{n}")
    html = client.get("/admin/audit?action=test.paged").get_data(as_text=True)
    assert len(rows(html)) == 50
    [link] = set(re.findall(r'href="(/admin/audit\?[^"]*page=2[^"]*)"', html))
    link = link.replace("&amp;", "&")
    assert "action=test.paged" in link
    assert len(rows(client.get(link).get_data(as_text=True))) == 10


def test_the_query_count_does_not_grow(client, as_admin, make_user, add_event, count_queries):
    """A full page of events by and about many people costs as much as a page of one."""
    first = make_user()
    add_event("test.counted", actor=first, target=first)
    few = count_queries(lambda: client.get("/admin/audit"))
    for _ in range(20):
        person = make_user()
        add_event("test.counted", actor=person, target=make_user())
    assert count_queries(lambda: client.get("/admin/audit")) == few


@pytest.mark.parametrize(
    "query",
    [
        "action=no.such.action",
        "object_type=spaceship",
        "since=yesterday",
        "until=2024-02-30",
        "page=0",
        "page=lots",
        "actor=%00",
        "address=" + "9" * 100,
    ],
)
def test_bad_filters_never_break_the_page(client, as_admin, add_event, query):
    """A filter value that is not valid is ignored, with a 200."""
    add_event("test.always")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert "test.always" in codes(response.get_data(as_text=True))


def test_actions_done_in_the_portal_appear(client, as_admin, make_user):
    """A real admin action shows up in the log with its label."""
    person = make_user()
    post(client, f"/admin/users/{person.id}/deactivate")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Account deactivated" in html and "Signed in" in html
