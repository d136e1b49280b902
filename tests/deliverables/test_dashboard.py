"""The coordinator dashboard and the group pages: counts on a known data set, filters, order."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from app.auth.models import SiteRole
from app.deliverables import tracking
from app.deliverables.models import DeliverableStatus
from app.extensions import db
from app.groups.models import GroupRole

S = DeliverableStatus
#: "Today" in these tests: 15 June 2021, in M18 of a project that began in January 2020.
TODAY = datetime(2021, 6, 15, 10, 0)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield date(2021, 6, 15)


@pytest.fixture
def data(make_group, make_deliverable, make_milestone, frozen):
    """Two groups and nine deliverables whose counts are worked out by hand."""
    a = make_group(code="WG1", slug="wg1", name_en="Alpha")
    b = make_group(code="WG2", slug="wg2", name_en="Beta")
    empty = make_group(code="WG3", slug="wg3", name_en="Gamma")
    rows = {
        "a1": (a, "D1.1", "WP1", date(2021, 5, 31), S.IN_PROGRESS),  # 15 days late
        "a2": (a, "D1.2", "WP1", date(2021, 6, 30), S.PLANNED),  # due in 15 days
        "a3": (a, "D2.1", "WP2", date(2021, 6, 10), S.SUBMITTED),  # handed in: not late
        "a4": (a, "D2.2", "WP2", date(2020, 12, 31), S.APPROVED),
        "a5": (a, "D3.1", "WP3", date(2021, 9, 30), S.RETURNED),  # still owed, not soon
        "b1": (b, "D1.3", "WP1", date(2021, 3, 31), S.RETURNED),  # 76 days late
        "b2": (b, "D2.3", "WP2", date(2021, 7, 10), S.IN_REVIEW),  # due in 25 days
        "b3": (b, "D3.2", "WP3", date(2021, 7, 20), S.PLANNED),  # due in 35 days
        "b4": (b, "D10.1", "WP10", date(2021, 6, 15), S.IN_PROGRESS),  # due today
    }
    made = {
        key: make_deliverable(group, code=code, work_package=wp, due_on=due, status=status)
        for key, (group, code, wp, due, status) in rows.items()
    }
    make_milestone(a, code="MS1", due_on=date(2021, 3, 31), achieved_on=date(2021, 3, 25))
    make_milestone(a, code="MS2", due_on=date(2021, 5, 31))  # late
    make_milestone(b, code="MS3", due_on=date(2021, 7, 1))  # due soon
    make_milestone(b, code="MS4", due_on=date(2022, 1, 31))
    return {"a": a, "b": b, "empty": empty, **made}


@pytest.fixture
def coordinator(make_user):
    return make_user(site_role=SiteRole.COORDINATOR)


def codes_in(html: str) -> list[str]:
    """Return the deliverable codes of the table, in its order."""
    return re.findall(r'<th scope="row" class="text-nowrap"><a href="[^"]+">([^<]+)</a></th>', html)


def test_summary_counts_the_known_data_set(data, frozen):
    """By status, late, due soon: overall, per group (only groups with some), per package."""
    summary = tracking.summarise(today=frozen)
    overall = summary.overall
    assert overall.total == 9
    assert overall.overdue == 2
    assert overall.max_days_overdue(frozen) == 76
    assert overall.due_soon == 3
    assert overall.open == 7
    assert overall.by_status == {
        S.PLANNED: 2,
        S.IN_PROGRESS: 2,
        S.IN_REVIEW: 1,
        S.SUBMITTED: 1,
        S.APPROVED: 1,
        S.RETURNED: 2,
    }
    groups = {group.code: tally for group, tally in summary.by_group}
    assert list(groups) == ["WG1", "WG2"]
    assert (groups["WG1"].total, groups["WG1"].overdue, groups["WG1"].due_soon) == (5, 1, 1)
    assert groups["WG1"].max_days_overdue(frozen) == 15
    assert (groups["WG2"].total, groups["WG2"].overdue, groups["WG2"].due_soon) == (4, 1, 2)
    assert groups["WG2"].max_days_overdue(frozen) == 76
    packages = dict(summary.by_work_package)
    assert list(packages) == ["WP1", "WP2", "WP3", "WP10"]
    assert (packages["WP1"].total, packages["WP1"].overdue, packages["WP1"].due_soon) == (3, 2, 1)
    assert (packages["WP2"].total, packages["WP2"].overdue, packages["WP2"].due_soon) == (3, 0, 1)
    assert (packages["WP3"].total, packages["WP3"].overdue) == (2, 0)
    assert (packages["WP10"].total, packages["WP10"].due_soon) == (1, 1)


def test_summary_of_one_group(data, frozen):
    """A group's page counts only its own deliverables."""
    summary = tracking.summarise(today=frozen, group=data["b"])
    assert (summary.overall.total, summary.overall.overdue, summary.overall.due_soon) == (4, 1, 2)
    assert [g.code for g, _tally in summary.by_group] == ["WG2"]


def test_milestones_are_counted(data, frozen):
    """Achieved, late and due-soon milestones, and the pressing ones in date order."""
    tally = tracking.tally_milestones(today=frozen)
    assert (tally.total, tally.achieved, tally.late, tally.due_soon) == (4, 1, 1, 1)
    assert [m.code for m in tracking.pressing_milestones(today=frozen)] == ["MS2", "MS3"]


def test_dashboard_shows_the_counts(client, login_as, data, coordinator, frozen):
    """The headline numbers, the late days and each group's row are on the page."""
    login_as(coordinator)
    html = client.get("/deliverables/").get_data(as_text=True)
    assert re.search(r'id="count-overdue">2<', html)
    assert re.search(r'id="count-due-soon">3<', html)
    assert re.search(r'id="count-open">7<', html)
    assert re.search(r'id="count-submitted">1<', html)
    assert re.search(r'id="count-approved">1<', html)
    assert re.search(r'id="count-total">9<', html)
    assert "up to 76 days late" in html
    assert "Overdue by 15 days" in html and "Overdue by 76 days" in html
    assert "Due today" in html and "Due in 25 days" in html
    assert "WG1 Alpha" in html and "WG2 Beta" in html and "Gamma" not in html
    assert codes_in(html) == [
        "D2.2",
        "D1.3",
        "D1.1",
        "D2.1",
        "D10.1",
        "D1.2",
        "D2.3",
        "D3.2",
        "D3.1",
    ]
    assert "MS2" in html and "MS3" in html and "MS4" not in html


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("state=overdue", ["D1.3", "D1.1"]),
        ("state=due_soon", ["D10.1", "D1.2", "D2.3"]),
        ("state=done", ["D2.2", "D2.1"]),
        ("state=open&group=wg2", ["D1.3", "D10.1", "D2.3", "D3.2"]),
        ("work_package=WP1", ["D1.3", "D1.1", "D1.2"]),
        ("status=returned", ["D1.3", "D3.1"]),
        ("group=wg1&sort=code", ["D1.1", "D1.2", "D2.1", "D2.2", "D3.1"]),
        ("sort=code", ["D1.1", "D1.2", "D1.3", "D2.1", "D2.2", "D2.3", "D3.1", "D3.2", "D10.1"]),
        ("sort=due_desc&group=wg2", ["D3.2", "D2.3", "D10.1", "D1.3"]),
        ("sort=status&group=wg1", ["D1.2", "D1.1", "D3.1", "D2.1", "D2.2"]),
        ("sort=group&state=overdue", ["D1.1", "D1.3"]),
        # Values the filters do not offer are ignored, never an error.
        ("group=nope&status=lost&state=x&sort=random&work_package=WP99", None),
        ("page=-4", None),
        ("page=abc", None),
    ],
)
def test_dashboard_filters_and_sorts(client, login_as, data, coordinator, frozen, query, codes):
    """Each filter narrows the table; each order sorts it; bad values are left out."""
    login_as(coordinator)
    response = client.get(f"/deliverables/?{query}")
    assert response.status_code == 200
    expected = codes or [
        "D2.2", "D1.3", "D1.1", "D2.1", "D10.1", "D1.2", "D2.3", "D3.2", "D3.1"
    ]  # fmt: skip
    assert codes_in(response.get_data(as_text=True)) == expected


def test_group_page_shows_only_its_own(client, login_as, data, make_user, add_member, frozen):
    """A member sees their group's deliverables and counts, not another group's."""
    member = make_user()
    add_member(member, data["a"], GroupRole.MEMBER)
    login_as(member)
    html = client.get("/groups/wg1/deliverables/").get_data(as_text=True)
    assert codes_in(html) == ["D2.2", "D1.1", "D2.1", "D1.2", "D3.1"]
    assert re.search(r'id="count-overdue">1<', html)
    assert re.search(r'id="count-total">5<', html)
    html = client.get("/groups/wg1/deliverables/?state=overdue").get_data(as_text=True)
    assert codes_in(html) == ["D1.1"]


def test_other_groups_and_the_dashboard_are_closed_to_members(
    client, login_as, data, make_user, add_member, frozen
):
    """Another group's deliverables are not found; the dashboard is for coordinators."""
    lead = make_user()
    add_member(lead, data["a"], GroupRole.LEAD)
    login_as(lead)
    b1 = data["b1"]
    for path in (
        "/groups/wg2/deliverables/",
        f"/groups/wg2/deliverables/{b1.id}",
        "/groups/wg2/deliverables/export.csv",
        "/groups/wg2/deliverables/export.xlsx",
        "/groups/wg2/deliverables/timeline",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("/deliverables/", "/deliverables/export.csv", "/deliverables/timeline"):
        assert client.get(path).status_code == 403, path


def test_administrators_see_the_dashboard_too(client, login_as, data, make_user, frozen):
    """Administrators track deliverables like coordinators."""
    login_as(make_user(site_role=SiteRole.ADMIN))
    assert client.get("/deliverables/").status_code == 200
    assert client.get("/groups/wg2/deliverables/").status_code == 200


def test_the_table_is_paginated(client, login_as, make_group, make_deliverable, coordinator):
    """Fifty deliverables a page; the next page has the rest."""
    group = make_group()
    for n in range(1, 56):
        make_deliverable(group, code=f"D1.{n}", work_package="WP1")
    login_as(coordinator)
    first = client.get("/deliverables/?sort=code").get_data(as_text=True)
    second = client.get("/deliverables/?sort=code&page=2").get_data(as_text=True)
    assert len(codes_in(first)) == 50
    assert codes_in(second) == [f"D1.{n}" for n in range(51, 56)]
    assert "Page 1 of 2" in first


@contextmanager
def counted_queries():
    """Count the SQL statements run inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _fill(make_group, make_deliverable, make_milestone, make_user, add_member, organisation, n):
    for _ in range(2):
        group = make_group()
        for i in range(n):
            person = make_user()
            person.organisation = organisation
            add_member(person, group, GroupRole.MEMBER)
            make_deliverable(
                group,
                due_month=1 + i % 30,
                responsible=person,
                lead_organisation=organisation,
                status=list(S)[i % 6],
            )
            make_milestone(group, due_month=1 + i % 30)


@pytest.mark.parametrize(
    "path",
    ["/deliverables/", "/deliverables/timeline", "/deliverables/export.csv"],
)
def test_queries_do_not_grow_with_the_data(
    client, login_as, make_group, make_deliverable, make_milestone, make_user, add_member,
    coordinator, path,
):  # fmt: skip
    """The dashboard, the timeline and the export run as many queries for 4 rows as for 24."""
    from app.organisations.models import Organisation

    organisation = Organisation(name_en="Same everywhere", country="IT")
    db.session.add(organisation)
    db.session.commit()
    login_as(coordinator)
    _fill(make_group, make_deliverable, make_milestone, make_user, add_member, organisation, 2)
    with counted_queries() as few:
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("D9.") >= 4
    _fill(make_group, make_deliverable, make_milestone, make_user, add_member, organisation, 10)
    with counted_queries() as many:
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("D9.") >= 24
    assert len(many) == len(few), (len(few), len(many))


def test_group_page_queries_do_not_grow_with_the_data(
    client, login_as, make_group, make_deliverable, make_milestone, make_user, add_member
):
    """A group's page runs as many queries for 2 deliverables as for 12."""
    group = make_group()
    lead = make_user()
    add_member(lead, group, GroupRole.LEAD)
    login_as(lead)

    def add(n):
        for i in range(n):
            person = make_user()
            add_member(person, group, GroupRole.MEMBER)
            make_deliverable(group, responsible=person, due_month=1 + i, status=list(S)[i % 6])
            make_milestone(group, due_month=1 + i)

    add(2)
    with counted_queries() as few:
        client.get(f"/groups/{group.slug}/deliverables/")
    add(10)
    with counted_queries() as many:
        client.get(f"/groups/{group.slug}/deliverables/")
    assert len(many) == len(few)
