"""The demo deliverables and milestones: realistic, and with something for every page."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from app import demo
from app.core.project import get_project
from app.deliverables import services, tracking
from app.deliverables.models import Deliverable, DeliverableStatus, Milestone
from app.extensions import db
from app.groups.models import WorkingGroup
from tests.conftest import fetch_csrf_token

S = DeliverableStatus


@pytest.fixture
def demo_loaded(app):
    """The demo consortium as `flask demo load` builds it, the demo deliverables included."""
    demo.load_demo("demo password 2020")
    db.session.expire_all()


def test_demo_has_approved_late_due_soon_and_returned_deliverables(demo_loaded):
    """Some approved, one late, one due soon, one returned (with the coordinator's comment)."""
    today = services.local_today()
    summary = tracking.summarise(today=today)
    assert summary.overall.by_status[S.APPROVED] >= 4
    assert summary.overall.overdue == 1
    assert summary.overall.due_soon >= 1
    assert summary.overall.by_status[S.RETURNED] == 1
    assert len(summary.by_group) == 3
    returned = db.session.scalars(
        sa.select(Deliverable).where(Deliverable.status == S.RETURNED)
    ).one()
    comments = [e.comment for e in services.history(returned) if e.to_status == S.RETURNED]
    assert comments and comments[0]
    assert tracking.tally_milestones(today=today).achieved >= 2


def test_demo_content_is_bilingual_and_consistent(demo_loaded):
    """Every item has a Chinese title; each history leads, in time order, to its status."""
    project = get_project()
    for deliverable in db.session.scalars(sa.select(Deliverable)):
        assert deliverable.title_zh and deliverable.title_zh != deliverable.title_en
        assert deliverable.responsible is not None and deliverable.lead_organisation is not None
        assert deliverable.due_on >= project.start_on
        events = services.history(deliverable)
        assert events[0].from_status is None and events[0].to_status == S.PLANNED
        for earlier, later in itertools.pairwise(events):
            assert (later.from_status, later.to_status) in services.TRANSITIONS
            assert earlier.to_status == later.from_status
            assert earlier.occurred_at <= later.occurred_at
        assert events[-1].to_status == deliverable.status
    for milestone in db.session.scalars(sa.select(Milestone)):
        assert milestone.title_zh and milestone.verification


def test_demo_pages_render(demo_loaded, client):
    """The coordinator's dashboard, a group page and the timeline show the demo data."""
    token = fetch_csrf_token(client, "/login")
    client.post(
        "/login",
        data={
            "email": "coordinator@ic2permed.example",
            "password": "demo password 2020",
            "csrf_token": token,
        },
    )
    dashboard = client.get("/deliverables/")
    assert dashboard.status_code == 200
    assert "Overdue by" in dashboard.get_data(as_text=True)
    assert client.get("/deliverables/timeline").status_code == 200
    group = db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.code == "WG2")).one()
    assert client.get(f"/groups/{group.slug}/deliverables/").status_code == 200
