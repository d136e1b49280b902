"""Fixtures of the meeting tests: a working group across two time zones."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.auth.models import SiteRole
from app.groups.models import GroupRole
from tests.conftest import csrf_token_from


@pytest.fixture
def team(make_user, make_group, add_member) -> SimpleNamespace:
    """A group with a lead in Shanghai, a member in Rome, an observer; another group; staff."""
    group = make_group(code="WG7", slug="wg7", name_en="Sustainable healthcare")
    other_group = make_group()
    lead = make_user(
        name="Wang Lei", name_zh="王磊", timezone="Asia/Shanghai", country="CN", locale="en"
    )
    member = make_user(name="Sofia Rossi", timezone="Europe/Rome", country="IT", locale="en")
    writer = make_user(name="Claire Martin", timezone="Europe/Paris", country="FR", locale="en")
    observer = make_user(name="Olga Observer", timezone="Europe/Brussels", country="BE")
    outsider = make_user(name="Other Lead", timezone="Europe/Madrid", country="ES")
    coordinator = make_user(name="Marco Coordinator", site_role=SiteRole.COORDINATOR)
    add_member(lead, group, GroupRole.LEAD)
    add_member(member, group, GroupRole.MEMBER)
    add_member(writer, group, GroupRole.MEMBER)
    add_member(observer, group, GroupRole.OBSERVER)
    add_member(outsider, other_group, GroupRole.LEAD)
    return SimpleNamespace(
        group=group,
        other_group=other_group,
        lead=lead,
        member=member,
        writer=writer,
        observer=observer,
        outsider=outsider,
        coordinator=coordinator,
    )


@pytest.fixture
def post(client):
    """Return a helper that POSTs with a valid CSRF token of the signed-in session."""

    def send(path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        token = csrf_token_from(client.get("/meetings/calendar").get_data(as_text=True))
        return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    return send


def meeting_url(meeting, suffix: str = "") -> str:
    """Return the address of a meeting's page (or of one of its sub-pages)."""
    return f"/groups/{meeting.group.slug}/meetings/{meeting.id}/{suffix}"
