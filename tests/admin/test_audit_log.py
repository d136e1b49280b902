"""The audit log page: who may read it, what a row says, filters, menus, pages and query count."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.admin import services
from app.auth.models import SiteRole
from app.core.audit import ACTIONS, OBJECT_TYPES, AuditEvent
from app.documents.models import Document
from app.extensions import db
from app.groups.models import GroupRole
from app.meetings.models import Meeting
from tests.admin.conftest import post

#: A fixed moment the events are dated from (no test reads the clock).
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def add_event(app):
    """Return a factory of committed audit events at a chosen time and address."""

    def factory(action, *, actor=None, target=None, object_type=None, at=None, ip=None, **details):
        if target is not None:
            object_type = object_type or target.__tablename__.removesuffix("s")
        event = AuditEvent(
            action=action,
            actor_id=getattr(actor, "id", None),
            object_type=object_type,
            object_id=str(target.id) if target is not None else None,
            occurred_at=at or NOON,
            ip_address=ip,
            details=details,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return factory


@pytest.fixture
def make_document(app):
    def factory(group, title="Roadmap 2027"):
        document = Document(group_id=group.id, title=title)
        db.session.add(document)
        db.session.commit()
        return document

    return factory


@pytest.fixture
def make_meeting(app):
    def factory(group, title_en="Kick-off", title_zh=None):
        meeting = Meeting(
            group_id=group.id,
            title_en=title_en,
            title_zh=title_zh,
            starts_at=NOON,
            ends_at=NOON + timedelta(hours=1),
            timezone="Europe/Brussels",
        )
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return factory


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr[ >].*?</tr>", body, flags=re.S)


def actions_listed(page: str) -> list[str]:
    """Return the action code of each row, top to bottom."""
    return re.findall(r'data-action="([^"]+)"', "".join(rows(page)))


def text_of(fragment: str) -> str:
    """Return the visible text of some markup, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def options(page: str, name: str) -> dict[str, str]:
    """Return the options of a select of the filter form: value -> label."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, flags=re.S)
    assert select, name
    found = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select.group(1))
    return {value: html_lib.unescape(label) for value, label in found}


def get(client, **query) -> str:
    response = client.get("/admin/audit", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_coordinators_and_admins_read_the_log(client, make_user, login_as, add_event):
    """Coordinators may read the log (but not open account pages from it)."""
    person = make_user(name="Target Person")
    add_event("account.deactivated", target=person)
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    page = get(client)
    assert "Account deactivated" in page and "Target Person" in page
    assert f"/admin/users/{person.id}" not in page
    assert 'href="/admin/users"' not in page  # no account-management tab either


def test_members_and_leads_may_not_read_it(client, make_user, make_group, add_member, login_as):
    """A group lead gets 403; a visitor is sent to sign in."""
    assert client.get("/admin/audit").status_code == 302
    lead = make_user()
    add_member(lead, make_group(), GroupRole.LEAD)
    login_as(lead)
    assert client.get("/admin/audit").status_code == 403


def test_a_row_says_when_who_what_on_what_from_where(client, make_user, login_as, add_event):
    """A row: local time, the actor's name, the label, the object linked, labelled details."""
    reader = make_user(site_role=SiteRole.ADMIN, name="Ada Admin", timezone="Asia/Shanghai")
    login_as(reader)
    person = make_user(name="Luca Bianchi", name_zh="卢卡")
    add_event(
        "account.site_role_changed",
        actor=reader,
        target=person,
        ip="192.0.2.7",
        at=datetime(2026, 3, 2, 17, 30, tzinfo=UTC),
        old="member",
        new="coordinator",
    )
    [row] = rows(get(client, action="account.site_role_changed"))
    text = text_of(row)
    assert "Ada Admin" in text and "Site role changed" in text
    assert f'href="/admin/users/{person.id}"' in row and "Luca Bianchi" in text
    assert "Mar 3, 2026, 1:30:00" in text  # 17:30 UTC is 01:30 the next day in Shanghai
    assert "192.0.2.7" in text
    assert "Previous value: Member" in text and "New value: Coordinator" in text
    assert "account.site_role_changed" not in text and "old:" not in text
    assert f"#{person.id}" not in text


def test_details_are_labelled_and_formatted(client, as_admin, make_group, add_event):
    """Field names, lists, numbers, changes, enum codes and dates get words; nothing is dropped."""
    group = make_group(code="DAT", name_en="Data")
    add_event(
        "group.updated",
        actor=as_admin,
        target=group,
        code="DAT",
        changes={"name_en": ["Data", "Data and AI"]},
    )
    add_event("profile.updated", actor=as_admin, fields=["name_zh", "expertise"])
    add_event("membership.added", actor=as_admin, role="observer", size=1234567, known=True)
    add_event("action_item.added", actor=as_admin, due_on="2026-04-01", mystery_key="kept")
    page = text_of("".join(rows(get(client))))
    assert "Changes: Name (English): Data → Data and AI" in page
    assert "Changed: Name (Chinese), Expertise" in page
    assert "Group role: Observer" in page and "1,234,567" in page and "Known address: Yes" in page
    assert "Due date: Apr 1, 2026" in page
    assert "Mystery key: kept" in page  # an unknown key is shown in words, not dropped


def test_objects_are_named_and_linked(
    client, as_admin, make_group, make_document, make_meeting, add_event
):
    """Groups, documents and meetings appear by name, linked to their pages."""
    group = make_group(code="GEN", name_en="Genomics", slug="genomics")
    document = make_document(group, title="Roadmap 2027")
    meeting = make_meeting(group, title_en="Kick-off")
    add_event("group.updated", actor=as_admin, target=group)
    add_event("document.uploaded", actor=as_admin, target=document)
    add_event("meeting.scheduled", actor=as_admin, target=meeting)
    page = get(client)
    assert f'href="/groups/genomics/documents/{document.id}">Roadmap 2027</a>' in page
    assert f'href="/groups/genomics/meetings/{meeting.id}/">Kick-off</a>' in page
    assert 'href="/groups/genomics/">GEN · Genomics</a>' in page
    assert "Document" in text_of(page) and f"#{document.id}" not in text_of("".join(rows(page)))


def test_an_object_gone_from_the_portal_says_so(
    client, as_admin, make_group, make_document, add_event
):
    """A deleted object is named by its kind and "no longer in the portal", not by an id."""
    document = make_document(make_group())
    add_event("document.purged", actor=as_admin, target=document, title="Old plan")
    db.session.delete(document)
    db.session.commit()
    [row] = rows(get(client, action="document.purged"))
    text = text_of(row)
    assert "Document no longer in the portal" in text and "Title: Old plan" in text
    assert "href" not in row and f"#{document.id}" not in text


def test_unknown_actions_and_missing_actors(client, as_admin, add_event):
    """An action not in the registry (an old row) is shown in words; no actor shows a dash."""
    add_event("legacy.something_new", ip="198.51.100.1")
    [row] = rows(get(client, address="198.51.100.1"))
    assert "Legacy something new" in text_of(row) and "—" in row


def test_newest_first(client, as_admin, add_event):
    """Events are listed from the newest to the oldest."""
    add_event("folder.renamed", at=NOON - timedelta(hours=2))
    add_event("folder.created", at=NOON - timedelta(hours=1))
    add_event("folder.deleted", at=NOON - timedelta(hours=3))
    listed = [a for a in actions_listed(get(client)) if a.startswith("folder.")]
    assert listed == [
        "folder.created",
        "folder.renamed",
        "folder.deleted",
    ]


def test_filter_by_action(client, as_admin, add_event):
    """An action keeps only the events of that action."""
    add_event("sign_in.succeeded")
    add_event("sign_out.succeeded")
    add_event("invitation.sent")
    assert set(actions_listed(get(client, action="sign_out.succeeded"))) == {"sign_out.succeeded"}


def test_filter_by_actor(client, as_admin, make_user, add_event):
    """The actor filter searches names (Chinese too) and e-mail addresses."""
    wang = make_user(name="Wang Lei", name_zh="王磊", email="wang@example.cn")
    other = make_user(name="Other")
    add_event("document.edited", actor=wang)
    add_event("document.moved", actor=other)
    for text in ("王", "WANG@", "lei"):
        assert actions_listed(get(client, actor=text)) == ["document.edited"], text


def test_filter_by_object_type(client, as_admin, make_user, make_group, add_event):
    """The object filter keeps events about that kind of object."""
    add_event("profile.updated", target=make_user())
    add_event("group.archived", target=make_group())
    add_event("invitation.imported")
    assert actions_listed(get(client, object_type="working_group")) == ["group.archived"]


def test_dates_are_days_in_the_readers_zone(client, make_user, login_as, add_event):
    """A day filter covers midnight to midnight where the reader is, not in UTC."""
    login_as(make_user(site_role=SiteRole.COORDINATOR, timezone="Asia/Shanghai"))
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai.
    add_event("minutes.saved", at=datetime(2024, 3, 1, 17, 30, tzinfo=UTC))
    add_event("minutes.approved", at=datetime(2024, 3, 1, 15, 30, tzinfo=UTC))  # 23:30 there

    def listed(**dates):
        return [a for a in actions_listed(get(client, **dates)) if a.startswith("minutes.")]

    assert listed(since="2024-03-02", until="2024-03-02") == ["minutes.saved"]
    assert listed(since="2024-03-01", until="2024-03-01") == ["minutes.approved"]
    assert listed(until="2024-03-01") == ["minutes.approved"]


def test_filter_by_address(client, as_admin, add_event):
    """The address filter matches the start of the address, so a network can be searched."""
    add_event("folder.created", ip="10.1.2.3")
    add_event("folder.renamed", ip="10.9.9.9")
    add_event("folder.deleted", ip="192.168.0.1")
    assert actions_listed(get(client, address="10.1.2.3")) == ["folder.created"]
    assert set(actions_listed(get(client, address="10."))) == {"folder.created", "folder.renamed"}


@pytest.mark.parametrize(
    ("locale", "action_label", "type_label"),
    [("en", "Minutes approved", "Action item"), ("zh", "会议纪要已批准", "行动项")],
)
def test_menus_list_the_registries_with_labels(
    client, make_user, login_as, locale, action_label, type_label
):
    """The menus offer every registered action and object type, labelled, with no events."""
    login_as(make_user(site_role=SiteRole.ADMIN, locale=locale))
    page = get(client)
    actions = options(page, "action")
    types = options(page, "object_type")
    assert list(actions)[1:] == list(ACTIONS) and list(types)[1:] == list(OBJECT_TYPES)
    assert actions["minutes.approved"] == action_label
    assert types["action_item"] == type_label
    for code, label in [*actions.items(), *types.items()]:
        assert label and (not code or code not in label)  # a label, never the code


def test_menus_do_not_scan_the_log(client, as_admin, add_event):
    """Building the menus sends no statement that reads distinct values of the log."""
    add_event("sign_in.succeeded")
    statements: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        get(client)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert not [s for s in statements if "DISTINCT" in s.upper() and "audit_events" in s]


def test_the_chinese_page_speaks_chinese(client, make_user, make_group, login_as, add_event):
    """Column headings, action and object labels and detail labels are in Chinese."""
    reader = make_user(site_role=SiteRole.ADMIN, locale="zh")
    login_as(reader)
    group = make_group(code="ETH", name_en="Ethics", name_zh="伦理")
    add_event("group.archived", actor=reader, target=group, code="ETH")
    [row] = rows(get(client, action="group.archived"))
    text = text_of(row)
    assert "工作组已归档" in text and "工作组" in text and "ETH · 伦理" in text
    assert "代码：" in text and "ETH" in text
    assert "Working group" not in text and "Code" not in text


def test_pages_of_50_keep_the_filters(client, as_admin, add_event):
    """Fifty events a page; the link to the next page keeps the filters."""
    for n in range(60):
        add_event("document.downloaded", ip=f"203.0.113.{n}", at=NOON - timedelta(minutes=n))
    page = get(client, action="document.downloaded")
    assert len(rows(page)) == 50
    [link] = set(re.findall(r'href="(/admin/audit\?[^"]*page=2[^"]*)"', page))
    link = link.replace("&amp;", "&")
    assert "action=document.downloaded" in link
    assert len(rows(client.get(link).get_data(as_text=True))) == 10


def test_the_count_and_the_pages_are_bounded(client, as_admin, add_event, monkeypatch):
    """Past the bound the page says "more than", and no page beyond it is read."""
    monkeypatch.setattr(services, "MAX_COUNTED_EVENTS", 5)
    for n in range(8):
        add_event("document.previewed", at=NOON - timedelta(minutes=n))
    page = get(client, action="document.previewed")
    assert "More than 5 events" in page
    pagination = services.search_audit_events(services.AuditFilters(), page=99)
    assert pagination.page == 1 and pagination.total == 5


def _events_about_many_things(count, make_user, make_group, make_document, make_meeting, add):
    """Add `count` events by many actors about accounts, groups, documents and meetings."""
    for n in range(count):
        actor = make_user()
        group = make_group()
        target = [actor, group, make_document(group), make_meeting(group)][n % 4]
        add("document.edited", actor=actor, target=target, at=NOON - timedelta(minutes=n))


def test_the_statement_count_does_not_grow_with_the_events(
    client, as_admin, make_user, make_group, make_document, make_meeting, add_event, count_queries
):
    """A page of 10 events costs as many statements as a full page out of 300."""
    things = (make_user, make_group, make_document, make_meeting, add_event)
    _events_about_many_things(10, *things)
    edits = {"action": "document.edited"}
    get(client, **edits)  # the first request of a session loads what every later one reuses
    few = count_queries(lambda: get(client, **edits))
    _events_about_many_things(290, *things)
    assert len(rows(get(client, **edits))) == 50
    assert count_queries(lambda: get(client, **edits)) == few


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
    add_event("calendar_feed.issued")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert "calendar_feed.issued" in actions_listed(response.get_data(as_text=True))


def test_actions_done_in_the_portal_appear(client, as_admin, make_user):
    """A real admin action shows up in the log with its label."""
    person = make_user()
    post(client, f"/admin/users/{person.id}/deactivate")
    page = get(client)
    assert "Account deactivated" in page and "Signed in" in page


def test_the_table_stacks_on_a_narrow_screen(client, as_admin, add_event):
    """Rows become blocks below the md breakpoint; no horizontal scroller, no nowrap cells."""
    add_event("sign_in.failed", email="someone@example.org")
    page = get(client, action="sign_in.failed")
    [row] = rows(page)
    assert 'class="d-block d-md-table-row' in row
    assert row.count("d-block d-md-table-cell") == 6
    assert "table-responsive" not in page and "text-nowrap" not in row
