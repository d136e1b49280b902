"""The timeline: deliverables and milestones over the project months, as server-drawn SVG."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine

from app.auth.models import SiteRole
from app.core.project import Project
from app.deliverables import timeline
from app.deliverables.models import DeliverableStatus
from app.extensions import db
from app.groups.models import GroupRole

S = DeliverableStatus


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2021, 6, 15, 10, 0), tick=False):
        yield date(2021, 6, 15)


@pytest.fixture
def items(make_group, make_deliverable, make_milestone, frozen):
    a = make_group(code="WG1", slug="wg1")
    b = make_group(code="WG2", slug="wg2")
    return {
        "a": a,
        "b": b,
        "approved": make_deliverable(a, code="D1.1", due_month=6, status=S.APPROVED),
        "late": make_deliverable(a, code="D1.2", due_month=17, status=S.IN_PROGRESS),
        "submitted": make_deliverable(b, code="D2.1", due_month=18, status=S.SUBMITTED),
        "returned": make_deliverable(b, code="D2.2", due_month=20, status=S.RETURNED),
        "planned": make_deliverable(b, code="D2.3", due_month=30, title_en="Later on"),
        "achieved": make_milestone(a, code="MS1", due_month=15, achieved_on=date(2021, 3, 20)),
        "missed": make_milestone(b, code="MS2", due_month=16),
    }


MARK = re.compile(r'class="timeline-item timeline-\w+ state-(\w+)" data-code="([^"]+)"')


def marks_in(html: str) -> dict[str, str]:
    """Return each drawn item's state, by code."""
    return {code: state for state, code in MARK.findall(html)}


def test_the_timeline_draws_every_item_with_its_state(client, login_as, items, make_user):
    """Late items are red and marked, approved and achieved green, a line shows today."""
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    response = client.get("/deliverables/timeline")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert marks_in(html) == {
        "D1.1": "approved",
        "D1.2": "late",
        "D2.1": "submitted",
        "D2.2": "returned",
        "D2.3": "open",
        "MS1": "approved",
        "MS2": "late",
    }
    assert html.count("<svg") >= 1 and 'role="img"' in html
    assert 'class="timeline-today"' in html
    assert html.count("<polygon") >= 2  # the milestones are diamonds
    assert "late by 15 days" in html  # D1.2, due 31 May 2021
    assert "late by 46 days" in html  # MS2, due 30 April 2021
    assert "Today" in html


def test_the_page_obeys_the_content_security_policy(client, login_as, items, make_user):
    """No style attribute, no <style> element and no inline script: the CSP would block them."""
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    html = client.get("/deliverables/timeline").get_data(as_text=True)
    assert " style=" not in html
    assert "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_a_groups_timeline_shows_only_its_items(client, login_as, items, make_user, add_member):
    """A member sees their own group's items only."""
    member = make_user()
    add_member(member, items["b"], GroupRole.OBSERVER)
    login_as(member)
    html = client.get("/groups/wg2/deliverables/timeline").get_data(as_text=True)
    assert set(marks_in(html)) == {"D2.1", "D2.2", "D2.3", "MS2"}


def test_layout_positions(project, items, frozen):
    """A month's end sits at the next month's line; today between; late bars end at today."""
    deliverables = [items[k] for k in ("approved", "late", "submitted", "returned", "planned")]
    milestones = [items["achieved"], items["missed"]]
    drawing = timeline.build(
        project, deliverables, milestones, today=frozen, deliverable_url=lambda d: f"/d/{d.id}"
    )
    assert drawing.months == 48
    left, width = drawing.chart_left, drawing.month_width
    marks = {mark.code: mark for mark in drawing.marks}
    assert marks["D1.1"].x == pytest.approx(left + 6 * width, abs=0.1)  # end of M6
    assert drawing.today_x == pytest.approx(left + (17 + 15 / 30) * width, abs=0.1)
    assert marks["D1.2"].late_until_x == drawing.today_x
    assert marks["D2.1"].late_until_x is None
    assert marks["D1.1"].url == f"/d/{items['approved'].id}"
    assert drawing.end_x is None  # nothing after the project's end
    assert [lane.label.split()[0] for lane in drawing.lanes] == ["WG1", "WG2"]
    rows = [mark.code for mark in drawing.marks]
    assert rows == ["D1.1", "MS1", "D1.2", "MS2", "D2.1", "D2.2", "D2.3"]
    assert [m.y for m in drawing.marks] == sorted(m.y for m in drawing.marks)


def test_items_after_the_end_widen_the_timeline(project, make_group, make_deliverable, frozen):
    """Something due after M48 widens the drawing and the project's end is marked."""
    late_one = make_deliverable(make_group(), due_month=60)
    drawing = timeline.build(project, [late_one], [], today=frozen, deliverable_url=lambda d: "/")
    assert drawing.months == 60
    assert drawing.end_x == pytest.approx(drawing.chart_left + 48 * drawing.month_width, abs=0.1)


def test_today_outside_the_project_is_said(make_group, make_deliverable, project):
    """Before M1, or after the last month once all work is done, no today line: a note."""
    deliverable = make_deliverable(make_group(), due_month=3, status=S.APPROVED)
    before = timeline.build(
        project, [deliverable], [], today=date(2019, 5, 1), deliverable_url=lambda d: "/"
    )
    after = timeline.build(
        project, [deliverable], [], today=date(2030, 5, 1), deliverable_url=lambda d: "/"
    )
    assert before.today_x is None and "not begun" in before.today_note
    assert after.today_x is None and "after the last month" in after.today_note


@pytest.mark.parametrize("day", [date(2030, 5, 1), date(2030, 5, 21), date(2030, 5, 31)])
def test_open_work_past_the_last_due_month_draws_up_to_today(
    make_group, make_deliverable, make_milestone, project, day
):
    """A deliverable still open after its month: the chart runs on to today's month."""
    group = make_group()
    late = make_deliverable(group, due_on=date(2030, 4, 10), status=S.IN_REVIEW)
    drawing = timeline.build(project, [late], [], today=day, deliverable_url=lambda d: "/")
    assert drawing.months == late.due_month + 1
    assert drawing.today_x is not None and drawing.today_note is None
    assert drawing.marks[0].late_until_x == drawing.today_x
    done = make_deliverable(group, due_on=date(2030, 4, 10), status=S.APPROVED)
    reporting = timeline.build(project, [done], [], today=day, deliverable_url=lambda d: "/")
    assert reporting.today_x is not None  # the final report is not due yet
    missed = make_milestone(group, due_month=late.due_month)
    with_milestone = timeline.build(
        project, [], [missed], today=day, deliverable_url=lambda d: "/"
    )
    assert with_milestone.today_x is not None


def test_without_project_or_items_the_page_says_so(client, login_as, make_user):
    """No project settings, then no items: a message instead of a drawing."""
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert "start date is not set" in client.get("/deliverables/timeline").get_data(as_text=True)
    db.session.add(Project(name="P", start_on=date(2020, 1, 1), duration_months=48))
    db.session.commit()
    html = client.get("/deliverables/timeline").get_data(as_text=True)
    assert "No deliverable or milestone has been added yet." in html
    assert 'id="timeline"' not in html


def test_labels_are_clipped_by_width():
    """Chinese characters count double; long labels end with an ellipsis."""
    assert timeline.clip("D1.1 Short", 46) == "D1.1 Short"
    assert timeline.clip("x" * 50, 46) == "x" * 46 + "…"
    clipped = timeline.clip("D1.1 " + "研" * 30, 46)
    assert clipped.endswith("…") and clipped.count("研") == 20
