"""The workflow: planned → in progress → in review → submitted → approved, or submitted →
returned → in progress; who may take each step; every change an event."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.core.errors import ServiceError
from app.deliverables import services
from app.deliverables.models import Deliverable, DeliverableEvent, DeliverableStatus
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import csrf_token_from

S = DeliverableStatus


@pytest.fixture
def group(make_group):
    return make_group()


@pytest.fixture
def people(make_user, add_member, make_group, group):
    """One account per kind of person, around `group`."""
    found = {
        "lead": make_user(name="Lead"),
        "responsible": make_user(name="Responsible"),
        "member": make_user(name="Member"),
        "observer": make_user(name="Observer"),
        "other_lead": make_user(name="Other lead"),
        "coordinator": make_user(name="Coordinator", site_role=SiteRole.COORDINATOR),
        "admin": make_user(name="Admin", site_role=SiteRole.ADMIN),
    }
    add_member(found["lead"], group, GroupRole.LEAD)
    add_member(found["responsible"], group, GroupRole.MEMBER)
    add_member(found["member"], group, GroupRole.MEMBER)
    add_member(found["observer"], group, GroupRole.OBSERVER)
    add_member(found["other_lead"], make_group(), GroupRole.LEAD)
    return found


def url(deliverable: Deliverable, action: str = "") -> str:
    base = f"/groups/{deliverable.group.slug}/deliverables/{deliverable.id}"
    return f"{base}/{action}" if action else base


def post(client, deliverable, action, data):
    """POST to a deliverable's action with a CSRF token from a page the user may see."""
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    return client.post(url(deliverable, action), data={**data, "csrf_token": token})


def reload(deliverable: Deliverable) -> Deliverable:
    db.session.expire_all()
    return db.session.get(Deliverable, deliverable.id)


def events_of(deliverable: Deliverable) -> list[DeliverableEvent]:
    db.session.expire_all()
    query = (
        sa.select(DeliverableEvent)
        .where(DeliverableEvent.deliverable_id == deliverable.id)
        .order_by(DeliverableEvent.id)
    )
    return list(db.session.scalars(query))


# Who may take which step ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 302),
        ("responsible", 302),
        ("coordinator", 302),
        ("admin", 302),
        ("member", 403),
        ("observer", 403),
        ("other_lead", 404),
    ],
)
def test_who_may_submit(
    client, login_as, make_deliverable, make_version, group, people, who, status
):
    """The group's leads, the responsible person, coordinators and admins submit; no one else."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW, responsible=people["responsible"])
    version = make_version(group)
    login_as(people[who])
    response = post(client, deliverable, "move", {"to": "submitted", "version_id": version.id})
    assert response.status_code == status
    expected = S.SUBMITTED if status == 302 else S.IN_REVIEW
    assert reload(deliverable).status == expected


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 302),
        ("admin", 302),
        ("lead", 403),
        ("responsible", 403),
        ("member", 403),
        ("observer", 403),
        ("other_lead", 404),
    ],
)
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_who_may_approve_or_return(
    client, login_as, make_deliverable, group, people, who, status, decision
):
    """Only coordinators and administrators approve or return a submitted deliverable."""
    deliverable = make_deliverable(group, status=S.SUBMITTED, responsible=people["responsible"])
    login_as(people[who])
    response = post(
        client, deliverable, "review", {"decision": decision, "comment": "Section 2 is thin."}
    )
    assert response.status_code == status
    decided = S.APPROVED if decision == "approve" else S.RETURNED
    assert reload(deliverable).status == (decided if status == 302 else S.SUBMITTED)


def test_responsible_person_who_became_an_observer_loses_the_right(
    client, login_as, make_deliverable, group, people, add_member, make_user
):
    """Being named responsible is not enough: one must be a lead or member of the group."""
    watcher = make_user()
    add_member(watcher, group, GroupRole.OBSERVER)
    deliverable = make_deliverable(group, status=S.PLANNED, responsible=watcher)
    login_as(watcher)
    assert post(client, deliverable, "move", {"to": "in_progress"}).status_code == 403
    assert reload(deliverable).status == S.PLANNED


def test_nobody_moves_the_deliverables_of_an_archived_group(
    client, login_as, make_deliverable, group, people
):
    """An archived group is read-only: its deliverables stay where they are."""
    deliverable = make_deliverable(group, status=S.SUBMITTED)
    group.is_archived = True
    db.session.commit()
    login_as(people["coordinator"])
    assert post(client, deliverable, "review", {"decision": "approve"}).status_code == 403
    assert reload(deliverable).status == S.SUBMITTED


def test_a_deliverable_of_another_group_is_not_found_under_this_group(
    client, login_as, make_deliverable, make_group, group, people
):
    """The id of another group's deliverable under this group's address answers 404."""
    elsewhere = make_deliverable(make_group(), status=S.PLANNED)
    login_as(people["lead"])
    response = client.get(f"/groups/{group.slug}/deliverables/{elsewhere.id}")
    assert response.status_code == 404
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post(
        f"/groups/{group.slug}/deliverables/{elsewhere.id}/move",
        data={"to": "in_progress", "csrf_token": token},
    )
    assert response.status_code == 404
    assert reload(elsewhere).status == S.PLANNED


# The whole journey, and its history -------------------------------------------------------------


def test_full_workflow_records_every_change(
    client, login_as, make_deliverable, make_version, group, people
):
    """Each step is an event (who, when, from, to, comment, document) shown in the history."""
    deliverable = make_deliverable(group, status=S.PLANNED, responsible=people["responsible"])
    draft = make_version(group, title="Regulatory landscape, draft")
    final = make_version(group, title="Regulatory landscape, final")
    draft_id, final_id = draft.id, final.id
    login_as(people["responsible"])
    assert post(client, deliverable, "move", {"to": "in_progress"}).status_code == 302
    assert post(client, deliverable, "move", {"to": "in_review"}).status_code == 302
    response = post(
        client,
        deliverable,
        "move",
        {"to": "submitted", "version_id": draft_id, "comment": "Final draft, reviewed by WG2."},
    )
    assert response.status_code == 302
    submitted = reload(deliverable)
    assert submitted.status == S.SUBMITTED
    assert submitted.submitted_version_id == draft_id
    assert submitted.submitted_at is not None

    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    login_as(people["coordinator"])
    response = post(
        client, deliverable, "review", {"decision": "return", "comment": "Add the Chinese data."}
    )
    assert response.status_code == 302
    returned = reload(deliverable)
    assert returned.status == S.RETURNED
    assert returned.submitted_version_id is None
    assert post(client, deliverable, "move", {"to": "in_progress"}).status_code == 302
    assert post(client, deliverable, "move", {"to": "in_review"}).status_code == 302
    response = post(client, deliverable, "move", {"to": "submitted", "version_id": final_id})
    assert response.status_code == 302
    assert post(client, deliverable, "review", {"decision": "approve"}).status_code == 302
    approved = reload(deliverable)
    assert approved.status == S.APPROVED
    assert approved.approved_at is not None
    assert approved.submitted_version_id == final_id

    steps = [(e.from_status, e.to_status) for e in events_of(deliverable)]
    assert steps == [
        (None, S.PLANNED),
        (S.PLANNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_REVIEW),
        (S.IN_REVIEW, S.SUBMITTED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_REVIEW),
        (S.IN_REVIEW, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
    ]
    events = events_of(deliverable)
    assert events[3].actor_id == people["responsible"].id
    assert events[3].document_version_id == draft_id
    assert events[7].document_version_id == final_id
    assert [e.document_version_id for e in events].count(None) == 7
    assert events[3].comment == "Final draft, reviewed by WG2."
    assert events[4].actor_id == people["coordinator"].id
    assert events[4].comment == "Add the Chinese data."
    assert all(e.occurred_at.tzinfo is not None for e in events)

    page = client.get(url(deliverable)).get_data(as_text=True)
    assert "Add the Chinese data." in page
    assert "Final draft, reviewed by WG2." in page
    assert page.count('class="history-event"') == 9
    assert "Regulatory landscape, draft" in page and "Regulatory landscape, final" in page

    changes = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "deliverable.status_changed")
    ).all()
    assert len(changes) == 8


def test_the_page_offers_only_the_next_step(client, login_as, make_deliverable, group, people):
    """A lead sees the next step's button; an observer sees none; a coordinator the review."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    login_as(people["lead"])
    page = client.get(url(deliverable)).get_data(as_text=True)
    assert 'id="move-button"' in page and "Submit" in page
    assert 'name="version_id"' in page
    assert 'id="review"' not in page

    observer_client = client.application.test_client()
    token = csrf_token_from(observer_client.get("/login").get_data(as_text=True))
    observer_client.post(
        "/login",
        data={
            "email": people["observer"].email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    page = observer_client.get(url(deliverable)).get_data(as_text=True)
    assert 'id="move-button"' not in page and 'id="review"' not in page


# Bad requests change nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "data"),
    [
        (S.PLANNED, {"to": "submitted"}),  # skipping steps
        (S.PLANNED, {"to": "in_review"}),
        (S.SUBMITTED, {"to": "in_progress"}),  # only a coordinator's return reopens it
        (S.APPROVED, {"to": "in_progress"}),
        (S.IN_PROGRESS, {"to": "in_progress"}),  # a page that is out of date
    ],
)
def test_steps_out_of_order_are_refused(
    client, login_as, make_deliverable, group, people, status, data
):
    """The page says the step is not possible (200); the status and the history stay."""
    deliverable = make_deliverable(group, status=status)
    login_as(people["lead"])
    response = post(client, deliverable, "move", data)
    assert response.status_code == 200
    assert 'id="workflow-error"' in response.get_data(as_text=True)
    assert reload(deliverable).status == status
    assert len(events_of(deliverable)) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"to": "approved"},  # a coordinator's decision, not a step of the group
        {"to": "returned"},
        {"to": "done"},
        {},
        {"to": "submitted", "version_id": "0"},
        {"to": "submitted", "version_id": "-3"},
        {"to": "submitted", "version_id": "seven"},
        {"to": "submitted", "version_id": str(2**40)},
        {"to": "submitted", "comment": "x" * 2001},
        {"to": "submitted", "comment": "bad\x00byte"},
    ],
)
def test_bad_move_input_is_a_form_error(client, login_as, make_deliverable, group, people, data):
    """A step that is not the group's, or a bad document number, re-renders with an error."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    login_as(people["lead"])
    response = post(client, deliverable, "move", data)
    assert response.status_code == 200
    assert "alert-danger" in response.get_data(as_text=True) or "is-invalid" in response.get_data(
        as_text=True
    )
    assert reload(deliverable).status == S.IN_REVIEW
    assert reload(deliverable).submitted_version_id is None


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "return"},
        {"decision": "return", "comment": "   "},
        {"decision": "maybe"},
        {},
    ],
)
def test_bad_review_input_is_a_form_error(client, login_as, make_deliverable, group, people, data):
    """Returning needs a comment; a decision other than approve or return is refused."""
    deliverable = make_deliverable(group, status=S.SUBMITTED)
    login_as(people["coordinator"])
    response = post(client, deliverable, "review", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "alert-danger" in html or "is-invalid" in html
    assert reload(deliverable).status == S.SUBMITTED
    assert len(events_of(deliverable)) == 1


def test_approving_twice_says_so(client, login_as, make_deliverable, group, people):
    """A second approval (two coordinators at once) is refused and recorded once."""
    deliverable = make_deliverable(group, status=S.SUBMITTED)
    login_as(people["coordinator"])
    assert post(client, deliverable, "review", {"decision": "approve"}).status_code == 302
    response = post(client, deliverable, "review", {"decision": "approve"})
    assert response.status_code == 200
    assert "cannot become" in response.get_data(as_text=True)
    assert [e.to_status for e in events_of(deliverable)] == [S.SUBMITTED, S.APPROVED]


# The service ----------------------------------------------------------------------------------


def test_only_the_workflow_transitions_exist():
    """Exactly the issue's transitions are allowed, and no other."""
    expected = {
        (S.PLANNED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.IN_REVIEW),
        (S.IN_REVIEW, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.IN_PROGRESS),
    }
    assert expected == services.TRANSITIONS


FORBIDDEN = [(a, b) for a in S for b in S if (a, b) not in services.TRANSITIONS]


@pytest.mark.parametrize(("origin", "target"), FORBIDDEN)
def test_the_service_refuses_every_other_transition(
    make_deliverable, make_user, group, origin, target
):
    """move_deliverable raises ServiceError and changes nothing outside the transitions."""
    deliverable = make_deliverable(group, status=origin)
    actor = make_user(site_role=SiteRole.ADMIN)
    with pytest.raises(ServiceError):
        services.move_deliverable(deliverable, target, actor=actor, comment="why not")
    assert reload(deliverable).status == origin
    assert len(events_of(deliverable)) == 1


def test_a_concurrent_change_is_detected(make_deliverable, make_user, group):
    """If someone changed the deliverable since it was loaded, the move is refused."""
    deliverable = make_deliverable(group, status=S.SUBMITTED)
    actor = make_user(site_role=SiteRole.COORDINATOR)
    loaded = reload(deliverable)
    assert loaded.version == 1
    # Another request approves it meanwhile (simulated by bumping the row underneath).
    db.session.execute(
        sa.update(Deliverable)
        .where(Deliverable.id == deliverable.id)
        .values(status=S.APPROVED, version=Deliverable.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ServiceError, match="same moment"):
        services.move_deliverable(loaded, S.RETURNED, actor=actor, comment="Redo it.")
    assert reload(deliverable).status == S.SUBMITTED  # the whole transaction was rolled back
    assert len(events_of(deliverable)) == 1


def test_a_submitted_version_is_protected_from_purging(
    make_deliverable, make_version, make_user, group
):
    """A version ever submitted stays protected, also after the deliverable was returned."""
    deliverable = make_deliverable(group, status=S.IN_REVIEW)
    coordinator = make_user(site_role=SiteRole.COORDINATOR)
    submitted, other = make_version(group), make_version(group)
    assert not services.version_is_protected(submitted)
    services.move_deliverable(deliverable, S.SUBMITTED, actor=coordinator, version_id=submitted.id)
    assert services.version_is_protected(submitted)
    services.move_deliverable(deliverable, S.RETURNED, actor=coordinator, comment="Redo.")
    assert reload(deliverable).submitted_version_id is None
    assert services.version_is_protected(submitted)
    assert not services.version_is_protected(other)
