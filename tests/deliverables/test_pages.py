"""Adding and editing deliverables and milestones through their forms."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.core.project import Project
from app.deliverables.models import (
    Deliverable,
    DeliverableEvent,
    DeliverableStatus,
    DeliverableType,
    Dissemination,
    Milestone,
)
from app.extensions import db
from app.groups.models import GroupRole
from app.organisations.models import Organisation
from tests.conftest import FROZEN_NOW, csrf_token_from


@pytest.fixture
def group(make_group):
    return make_group(code="WG2", slug="wg2-innovation")


@pytest.fixture
def lead(make_user, add_member, group):
    person = make_user(name="Lars Jensen")
    add_member(person, group, GroupRole.LEAD)
    return person


@pytest.fixture
def organisation(app):
    body = Organisation(name_en="A diagnostics company in Copenhagen", country="DK")
    db.session.add(body)
    db.session.commit()
    return body


def new_url(group) -> str:
    return f"/groups/{group.slug}/deliverables/new"


def form_values(**overrides) -> dict:
    values = {
        "code": "D2.3",
        "title_en": "Regulatory landscape of big data",
        "title_zh": "大数据监管环境",
        "description": "Data protection and **cross-border** transfer.",
        "work_package": "",
        "responsible_id": "",
        "lead_organisation_id": "",
        "type": "R",
        "dissemination": "PU",
        "due": "M18",
    }
    values.update(overrides)
    return values


def submit(client, page_url, values):
    """Load the form page, then send `values` with its CSRF token."""
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(page_url, data={**values, "csrf_token": token})


def deliverable_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Deliverable.id)))


# Adding ---------------------------------------------------------------------------------------


def test_lead_adds_a_deliverable_due_in_a_project_month(
    client, login_as, project, group, lead, organisation
):
    """M18 is stored with its date, the work package follows the code, it starts planned."""
    login_as(lead)
    response = submit(
        client,
        new_url(group),
        form_values(responsible_id=str(lead.id), lead_organisation_id=str(organisation.id)),
    )
    assert response.status_code == 302
    deliverable = db.session.scalars(sa.select(Deliverable)).one()
    assert response.location == f"/groups/{group.slug}/deliverables/{deliverable.id}"
    assert deliverable.code == "D2.3"
    assert deliverable.due_month == 18
    assert deliverable.due_on == date(2021, 6, 30)
    assert deliverable.work_package == "WP2"
    assert deliverable.status == DeliverableStatus.PLANNED
    assert deliverable.type == DeliverableType.R
    assert deliverable.dissemination == Dissemination.PU
    assert deliverable.responsible_id == lead.id
    assert deliverable.lead_organisation_id == organisation.id
    events = db.session.scalars(sa.select(DeliverableEvent)).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        (None, DeliverableStatus.PLANNED, lead.id)
    ]
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "deliverable.created")
    ).one()
    assert audit.object_id == str(deliverable.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "The deliverable D2.3 has been added." in page
    assert "<strong>cross-border</strong>" in page


def test_a_date_gives_its_project_month(client, login_as, project, group, lead):
    """A precise date is kept, and its month worked out (15 June 2021 is in M18)."""
    login_as(lead)
    response = submit(
        client, new_url(group), form_values(due="2021-06-15", code="d4.1", work_package="wp4")
    )
    assert response.status_code == 302
    deliverable = db.session.scalars(sa.select(Deliverable)).one()
    assert (deliverable.due_month, deliverable.due_on) == (18, date(2021, 6, 15))
    assert deliverable.code == "D4.1"
    assert deliverable.work_package == "WP4"


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("code", {"code": ""}),
        ("code", {"code": "Deliverable 1"}),
        ("code", {"code": "D2"}),
        ("title_en", {"title_en": ""}),
        ("title_en", {"title_en": "x" * 301}),
        ("title_en", {"title_en": "Bad\x00title"}),
        ("title_zh", {"title_zh": "控制\x07字符"}),
        ("work_package", {"work_package": "Package two"}),
        ("due", {"due": ""}),
        ("due", {"due": "June 2021"}),
        ("due", {"due": "M0"}),
        ("due", {"due": "M999"}),
        ("due", {"due": "2019-12-31"}),
        ("due", {"due": "2021-02-30"}),
        ("type", {"type": "CO"}),
        ("dissemination", {"dissemination": "RE"}),
        ("responsible_id", {"responsible_id": "999999"}),
        ("responsible_id", {"responsible_id": "not a number"}),
        ("lead_organisation_id", {"lead_organisation_id": "999999"}),
    ],
)
def test_bad_input_is_a_field_error_and_adds_nothing(
    client, login_as, project, group, lead, field, values
):
    """Each bad value is shown next to its field (200); no deliverable is created."""
    login_as(lead)
    response = submit(client, new_url(group), form_values(**values))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html, html[-2000:]
    assert deliverable_count() == 0


def test_the_responsible_person_must_be_a_lead_or_member_of_the_group(
    client, login_as, project, group, lead, make_user, add_member, make_group
):
    """An observer of the group, or someone of another group, cannot be made responsible."""
    observer = make_user()
    add_member(observer, group, GroupRole.OBSERVER)
    outsider = make_user()
    add_member(outsider, make_group(), GroupRole.LEAD)
    login_as(lead)
    for person in (observer, outsider):
        response = submit(client, new_url(group), form_values(responsible_id=str(person.id)))
        assert response.status_code == 200
        assert 'id="responsible_id-errors"' in response.get_data(as_text=True)
    assert deliverable_count() == 0


def test_codes_are_unique_whatever_their_case(
    client, login_as, project, group, lead, make_deliverable, make_group
):
    """A code another deliverable (of any group) uses is refused."""
    make_deliverable(make_group(), code="D2.3")
    login_as(lead)
    response = submit(client, new_url(group), form_values(code="d2.3"))
    assert response.status_code == 200
    assert "Another deliverable already has this code." in response.get_data(as_text=True)
    assert deliverable_count() == 1


def test_without_the_project_settings_nothing_can_be_due(client, login_as, group, lead):
    """With no project start date the form says so and refuses to save."""
    login_as(lead)
    page = client.get(new_url(group)).get_data(as_text=True)
    assert "start date is not set" in page
    response = submit(client, new_url(group), form_values())
    assert response.status_code == 200
    assert 'id="due-errors"' in response.get_data(as_text=True)
    assert deliverable_count() == 0


@pytest.mark.parametrize(("role", "status"), [(GroupRole.MEMBER, 403), (GroupRole.OBSERVER, 403)])
def test_members_and_observers_cannot_add(
    client, login_as, project, group, make_user, add_member, role, status
):
    """Adding deliverables is for the group's leads, coordinators and administrators."""
    person = make_user()
    add_member(person, group, role)
    login_as(person)
    assert client.get(new_url(group)).status_code == status
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post(new_url(group), data={**form_values(), "csrf_token": token})
    assert response.status_code == status
    assert deliverable_count() == 0


def test_archived_group_gets_no_new_deliverable(client, login_as, project, group, make_user):
    """An archived group is read-only, also for coordinators."""
    group.is_archived = True
    db.session.commit()
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert client.get(new_url(group)).status_code == 403


# Editing --------------------------------------------------------------------------------------


def test_edit_changes_the_fields_and_records_what_changed(
    client, login_as, project, group, lead, make_deliverable
):
    """The form shows M12 for a month's end; a new month moves the date; the audit says so."""
    deliverable = make_deliverable(group, code="D2.1", work_package="WP2", due_month=12)
    edit_url = f"/groups/{group.slug}/deliverables/{deliverable.id}/edit"
    login_as(lead)
    page = client.get(edit_url).get_data(as_text=True)
    assert 'value="M12"' in page
    assert 'name="version" type="hidden" value="1"' in page
    response = submit(
        client,
        edit_url,
        form_values(code="D2.1", work_package="WP2", due="M24", title_en="New title", version="1"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Deliverable, deliverable.id)
    assert (saved.title_en, saved.due_month, saved.due_on) == ("New title", 24, date(2021, 12, 31))
    assert saved.version == 2
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "deliverable.updated")
    ).one()
    assert audit.details["changes"]["due_month"] == [12, 24]
    assert audit.details["changes"]["due_on"] == ["2020-12-31", "2021-12-31"]


def test_saving_an_unchanged_form_changes_nothing(
    client, login_as, project, group, lead, make_deliverable
):
    """Nothing changed: nothing written, and the page says so."""
    deliverable = make_deliverable(group, code="D2.1", work_package="WP2", title_en="Same")
    edit_url = f"/groups/{group.slug}/deliverables/{deliverable.id}/edit"
    login_as(lead)
    response = submit(
        client,
        edit_url,
        form_values(
            code="D2.1",
            work_package="WP2",
            due="M12",
            title_en="Same",
            title_zh="",
            description="",
            type="R",
            version="1",
        ),
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Nothing was changed." in page
    db.session.expire_all()
    assert db.session.get(Deliverable, deliverable.id).version == 1


def test_an_edit_from_a_stale_form_is_refused(
    client, login_as, project, group, lead, make_deliverable
):
    """Someone saved meanwhile: the older form's values are not applied over theirs."""
    deliverable = make_deliverable(group, code="D2.1", work_package="WP2", title_en="Theirs")
    edit_url = f"/groups/{group.slug}/deliverables/{deliverable.id}/edit"
    login_as(lead)
    stale_token = csrf_token_from(client.get(edit_url).get_data(as_text=True))
    deliverable.title_en = "Saved by someone else"
    db.session.commit()  # the version counter is now 2
    response = client.post(
        edit_url,
        data={
            **form_values(code="D2.1", title_en="Mine", version="1"),
            "csrf_token": stale_token,
        },
    )
    assert response.status_code == 302
    assert response.location == edit_url
    assert "Someone else saved this deliverable" in client.get(edit_url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Deliverable, deliverable.id).title_en == "Saved by someone else"


def test_a_responsible_person_who_left_the_group_stays_until_changed(
    client, login_as, project, group, lead, make_user, add_member, make_deliverable
):
    """The form still offers the current responsible person, so other edits can be saved."""
    former = make_user(name="Former Member")
    membership = add_member(former, group, GroupRole.MEMBER)
    deliverable = make_deliverable(group, code="D2.1", work_package="WP2", responsible=former)
    db.session.delete(membership)
    db.session.commit()
    edit_url = f"/groups/{group.slug}/deliverables/{deliverable.id}/edit"
    login_as(lead)
    assert "Former Member" in client.get(edit_url).get_data(as_text=True)
    response = submit(
        client,
        edit_url,
        form_values(code="D2.1", responsible_id=str(former.id), title_en="Renamed", version="1"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Deliverable, deliverable.id)
    assert (saved.title_en, saved.responsible_id) == ("Renamed", former.id)


def test_description_markdown_is_sanitised(
    client, login_as, project, group, lead, make_deliverable
):
    """Raw HTML in a description is shown as text, never run."""
    deliverable = make_deliverable(group, description="<script>alert(1)</script> *fine*")
    login_as(lead)
    html = client.get(f"/groups/{group.slug}/deliverables/{deliverable.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<em>fine</em>" in html


def test_chinese_readers_see_the_chinese_title(
    client, login_as, project, group, lead, make_deliverable
):
    """Titles are content in two languages: the Chinese one for Chinese readers."""
    deliverable = make_deliverable(group, title_en="Workshop report", title_zh="研讨会报告")
    lead.locale = "zh"
    db.session.commit()
    login_as(lead)
    html = client.get(f"/groups/{group.slug}/deliverables/").get_data(as_text=True)
    assert "研讨会报告" in html
    detail = client.get(f"/groups/{group.slug}/deliverables/{deliverable.id}")
    assert "研讨会报告" in detail.get_data(as_text=True)


# Milestones -----------------------------------------------------------------------------------


def milestone_values(**overrides) -> dict:
    values = {
        "code": "MS3",
        "title_en": "Roadmap adopted",
        "title_zh": "路线图获通过",
        "due": "M47",
        "verification": "Minutes of the general assembly.",
        "achieved_on": "",
    }
    values.update(overrides)
    return values


def test_lead_adds_and_then_achieves_a_milestone(client, login_as, project, group, lead):
    """A milestone is added with its due month, then its achieved date is recorded."""
    login_as(lead)
    response = submit(
        client, f"/groups/{group.slug}/deliverables/milestones/new", milestone_values()
    )
    assert response.status_code == 302
    milestone = db.session.scalars(sa.select(Milestone)).one()
    assert (milestone.code, milestone.due_month, milestone.due_on) == (
        "MS3",
        47,
        date(2023, 11, 30),
    )
    assert milestone.achieved_on is None
    edit_url = f"/groups/{group.slug}/deliverables/milestones/{milestone.id}/edit"
    assert 'value="M47"' in client.get(edit_url).get_data(as_text=True)
    response = submit(client, edit_url, milestone_values(achieved_on="2023-11-27", version="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).achieved_on == date(2023, 11, 27)
    assert db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("milestone.%"))
    ).all() == ["milestone.created", "milestone.updated"]


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("code", {"code": "M3"}),
        ("title_en", {"title_en": ""}),
        ("due", {"due": "soon"}),
        ("due", {"due": "2019-01-01"}),
        ("achieved_on", {"achieved_on": "2019-06-01"}),
        ("achieved_on", {"achieved_on": (FROZEN_NOW.date() + timedelta(days=30)).isoformat()}),
        ("achieved_on", {"achieved_on": "27/11/2023"}),
        ("verification", {"verification": "x" * 5001}),
    ],
)
def test_bad_milestone_input_is_a_field_error(
    client, login_as, project, group, lead, field, values
):
    """Each bad value is shown next to its field (200); no milestone is created."""
    login_as(lead)
    response = submit(
        client, f"/groups/{group.slug}/deliverables/milestones/new", milestone_values(**values)
    )
    assert response.status_code == 200
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 0


def test_milestone_codes_are_unique(client, login_as, project, group, lead, make_milestone):
    """A code another milestone uses is refused."""
    make_milestone(group, code="MS3")
    login_as(lead)
    response = submit(
        client, f"/groups/{group.slug}/deliverables/milestones/new", milestone_values()
    )
    assert response.status_code == 200
    assert "Another milestone already has this code." in response.get_data(as_text=True)


def test_a_stale_milestone_edit_is_refused(client, login_as, project, group, lead, make_milestone):
    """The version counter also guards milestones."""
    milestone = make_milestone(group, code="MS3", title_en="Theirs")
    edit_url = f"/groups/{group.slug}/deliverables/milestones/{milestone.id}/edit"
    login_as(lead)
    token = csrf_token_from(client.get(edit_url).get_data(as_text=True))
    milestone.title_en = "Changed meanwhile"
    db.session.commit()
    response = client.post(
        edit_url, data={**milestone_values(title_en="Mine", version="1"), "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).title_en == "Changed meanwhile"


def test_another_groups_milestone_is_not_found(
    client, login_as, project, group, lead, make_milestone, make_group
):
    """A milestone id of another group under this group's address answers 404."""
    theirs = make_milestone(make_group())
    login_as(lead)
    assert (
        client.get(f"/groups/{group.slug}/deliverables/milestones/{theirs.id}/edit").status_code
        == 404
    )


def test_project_model_is_the_one_month_one_comes_from(project):
    """The fixture's project starts in January 2020, like IC2PerMed's grant."""
    assert isinstance(project, Project)
    assert project.start_on == date(2020, 1, 1)
