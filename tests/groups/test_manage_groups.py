"""Creating, editing, archiving and restoring working groups (coordinators and admins)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.errors import FieldErrors
from app.extensions import db
from app.groups import services
from app.groups.models import WorkingGroup
from tests.groups.conftest import PRINCIPALS, audit_events

#: Who runs groups: coordinators and admins. A lead of the group is still refused (403);
#: the lead of another group does not see it (404).
RUNNERS = {
    "lead": 403,
    "member": 403,
    "observer": 403,
    "other_lead": 404,
    "coordinator": 302,
    "admin": 302,
}

NEW_GROUP = {
    "code": "WG5",
    "slug": "wg5-data",
    "name_en": "Data and ICT",
    "name_zh": "数据与信息通信技术",
    "description_en": "Big data, interoperability.",
    "description_zh": "大数据，互操作性。",
    "priority_en": "Big data and ICT solutions",
    "priority_zh": "大数据与信息通信技术解决方案",
}


def group_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(WorkingGroup))


def reload(group: WorkingGroup) -> WorkingGroup:
    db.session.expire_all()
    return db.session.get(WorkingGroup, group.id)


# Creating --------------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_coordinators_and_admins_create_groups(principal, cast, login_as, client, post):
    """The form and its sending are for coordinators and admins; everyone else gets 403."""
    login_as(cast.people[principal])
    allowed = principal in ("coordinator", "admin")
    assert client.get("/groups/new").status_code == (200 if allowed else 403)
    response = post("/groups/new", NEW_GROUP)
    assert response.status_code == (302 if allowed else 403)
    assert group_count() == (3 if allowed else 2)


def test_creating_a_group_stores_every_field_and_records_it(cast, login_as, post, client):
    """The new group has its codes, both names, descriptions and priorities; the log says so."""
    login_as(cast.coordinator)
    response = post("/groups/new", NEW_GROUP)
    assert response.status_code == 302
    assert response.location == "/groups/wg5-data/"
    db.session.expire_all()
    group = db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.code == "WG5")).one()
    for field, value in NEW_GROUP.items():
        assert getattr(group, field) == value
    assert group.is_archived is False
    [event] = audit_events("group.created")
    assert event.actor_id == cast.coordinator.id
    assert event.object_id == str(group.id)
    assert event.details["code"] == "WG5" and event.details["slug"] == "wg5-data"
    page = client.get("/groups/wg5-data/")
    assert page.status_code == 200
    assert "The working group WG5 has been created." in page.get_data(as_text=True)


def test_blank_chinese_fields_are_stored_empty(cast, login_as, post):
    """Without a Chinese name the English one is shown to everyone."""
    login_as(cast.admin)
    data = {**NEW_GROUP, "name_zh": "  ", "description_zh": "", "priority_zh": ""}
    assert post("/groups/new", data).status_code == 302
    db.session.expire_all()
    group = db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.code == "WG5")).one()
    assert (group.name_zh, group.description_zh, group.priority_zh) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"code": "wg1"}, "Another working group already uses this code."),
        ({"slug": "wg1"}, "Another working group already uses this address."),
        ({"slug": "Upper-Case"}, "Use lowercase letters, digits and hyphens only"),
        ({"slug": "with space"}, "Use lowercase letters, digits and hyphens only"),
        ({"slug": "-edge-"}, "Use lowercase letters, digits and hyphens only"),
        ({"slug": "über"}, "Use lowercase letters, digits and hyphens only"),
        ({"slug": "new"}, "This address is reserved"),
        ({"slug": "x" * 65}, "Field cannot be longer than 64 characters."),
        ({"code": "WG 1"}, "Use letters, digits, dots and hyphens only"),
        ({"code": "W" * 17}, "Field cannot be longer than 16 characters."),
        ({"code": ""}, "This field is required."),
        ({"name_en": ""}, "This field is required."),
        ({"name_en": "Data\x00and ICT"}, "This field contains characters that are not allowed."),
        ({"description_zh": "数据\x1b"}, "This field contains characters that are not allowed."),
    ],
)
def test_bad_group_fields_are_form_errors(changes, field_error, cast, login_as, post):
    """A taken or malformed code or address, a missing name, control characters: field errors."""
    login_as(cast.coordinator)
    response = post("/groups/new", {**NEW_GROUP, **changes})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is-invalid" in html
    assert field_error in html
    assert group_count() == 2
    assert audit_events("group.created") == []


def test_a_taken_code_found_only_at_commit_is_still_a_field_error(cast, monkeypatch, app):
    """Two coordinators creating the same code at once: the loser gets a field error, not a 500."""
    monkeypatch.setattr(services, "_conflicts", lambda *args: {})
    values = {**NEW_GROUP, "code": "WG1", "slug": "another"}
    with pytest.raises(FieldErrors) as caught:
        services.create_group(actor=cast.coordinator, **values)
    assert "code" in caught.value.errors
    assert group_count() == 2


def test_a_code_taken_meanwhile_is_a_field_error_when_editing(cast, monkeypatch, app):
    """The same race on the edit form: a field error, and the group keeps its old code."""
    monkeypatch.setattr(services, "_conflicts", lambda *args: {})
    values = {**NEW_GROUP, "code": "WG2", "slug": "wg1"}
    with pytest.raises(FieldErrors) as caught:
        services.update_group(cast.group, actor=cast.coordinator, **values)
    assert "code" in caught.value.errors
    assert reload(cast.group).code == "WG1"


# Editing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_coordinators_and_admins_edit_groups(principal, cast, login_as, client, post):
    """Even the group's own lead may not edit its details; another group's lead gets 404."""
    login_as(cast.people[principal])
    expected = RUNNERS[principal]
    assert client.get("/groups/wg1/edit").status_code == (200 if expected == 302 else expected)
    response = post("/groups/wg1/edit", {**NEW_GROUP, "code": "WG1", "slug": "wg1"})
    assert response.status_code == expected
    changed = reload(cast.group).name_en == NEW_GROUP["name_en"]
    assert changed == (expected == 302)


def test_editing_records_what_changed(cast, login_as, post, client):
    """The audit event lists each changed field with its old and new value."""
    login_as(cast.coordinator)
    page = client.get("/groups/wg1/edit").get_data(as_text=True)
    assert 'value="Shaping healthcare"' in page
    data = {
        "code": "WG1",
        "slug": "wg1-healthcare",
        "name_en": "Shaping healthcare",
        "name_zh": "塑造可持续医疗",
        "description_en": "A working group for tests.",
        "priority_en": "",
    }
    response = post("/groups/wg1/edit", data)
    assert response.status_code == 302
    assert response.location == "/groups/wg1-healthcare/"
    group = reload(cast.group)
    assert group.slug == "wg1-healthcare" and group.name_zh == "塑造可持续医疗"
    [event] = audit_events("group.updated")
    assert event.details == {
        "code": "WG1",
        "changes": {"slug": ["wg1", "wg1-healthcare"], "name_zh": ["塑造医疗", "塑造可持续医疗"]},
    }
    assert client.get("/groups/wg1/").status_code == 404
    assert client.get("/groups/wg1-healthcare/").status_code == 200


def test_saving_without_changes_records_nothing(cast, login_as, post):
    """Sending the form as it was is not an event."""
    login_as(cast.admin)
    data = {
        "code": "WG1",
        "slug": "wg1",
        "name_en": "Shaping healthcare",
        "name_zh": "塑造医疗",
        "description_en": "A working group for tests.",
    }
    assert post("/groups/wg1/edit", data).status_code == 302
    assert audit_events("group.updated") == []


def test_a_group_keeps_its_own_code_and_takes_no_other(cast, login_as, post):
    """Keeping one's own code is fine; taking another group's code or address is not."""
    login_as(cast.coordinator)
    mine = {"code": "WG1", "slug": "wg1", "name_en": "Renamed"}
    assert post("/groups/wg1/edit", mine).status_code == 302
    for taken in ({"code": "WG2"}, {"slug": "wg2"}):
        response = post("/groups/wg1/edit", {**mine, **taken})
        assert response.status_code == 200
        assert "Another working group already uses this" in response.get_data(as_text=True)
    group = reload(cast.group)
    assert (group.code, group.slug) == ("WG1", "wg1")


def test_an_archived_group_cannot_be_edited(cast, login_as, client, post):
    """Archived means read-only: even coordinators must restore it first."""
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.coordinator)
    assert client.get("/groups/wg1/edit").status_code == 403
    response = post("/groups/wg1/edit", {"code": "WG1", "slug": "wg1", "name_en": "Renamed"})
    assert response.status_code == 403
    assert reload(cast.group).name_en == "Shaping healthcare"


# Archiving and restoring ------------------------------------------------------------------------


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_coordinators_and_admins_archive(principal, cast, login_as, post):
    """Archiving is refused to the group's own people (403) and hidden from others (404)."""
    login_as(cast.people[principal])
    response = post("/groups/wg1/archive")
    assert response.status_code == RUNNERS[principal]
    assert reload(cast.group).is_archived == (RUNNERS[principal] == 302)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_coordinators_and_admins_restore(principal, cast, login_as, post):
    """Restoring is for coordinators and admins too."""
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.people[principal])
    response = post("/groups/wg1/restore")
    assert response.status_code == RUNNERS[principal]
    assert reload(cast.group).is_archived == (RUNNERS[principal] != 302)


def test_archiving_hides_the_group_and_restoring_brings_it_back(cast, login_as, post, client):
    """An archived group leaves the default list, shows under "archived", and comes back."""
    login_as(cast.coordinator)
    response = post("/groups/wg1/archive")
    assert response.status_code == 302
    assert response.location == "/groups/wg1/"
    home = client.get("/groups/wg1/").get_data(as_text=True)
    assert "The working group WG1 has been archived." in home
    assert "This working group is archived (read-only)." in home
    assert "Shaping healthcare" not in client.get("/groups/").get_data(as_text=True)
    assert "Shaping healthcare" in client.get("/groups/?archived=1").get_data(as_text=True)
    assert post("/groups/wg1/restore").status_code == 302
    assert "Shaping healthcare" in client.get("/groups/").get_data(as_text=True)
    assert [e.details for e in audit_events("group.archived")] == [{"code": "WG1"}]
    assert [e.details for e in audit_events("group.restored")] == [{"code": "WG1"}]


def test_archiving_twice_is_harmless(cast, login_as, post, client):
    """Archiving an archived group (or restoring an active one) changes and records nothing."""
    login_as(cast.admin)
    assert post("/groups/wg1/archive").status_code == 302
    assert post("/groups/wg1/archive").status_code == 302
    assert "already archived" in client.get("/groups/wg1/").get_data(as_text=True)
    assert len(audit_events("group.archived")) == 1
    assert post("/groups/wg2/restore").status_code == 302
    assert audit_events("group.restored") == []


def test_members_still_read_their_archived_group(cast, login_as, client):
    """An archived group stays readable by its members, with the banner, but leaves the list."""
    cast.group.is_archived = True
    db.session.commit()
    login_as(cast.member)
    page = client.get("/groups/wg1/")
    assert page.status_code == 200
    assert "This working group is archived (read-only)." in page.get_data(as_text=True)
    assert "Shaping healthcare" not in client.get("/groups/?archived=1").get_data(as_text=True)
