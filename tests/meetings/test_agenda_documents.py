"""Agenda items linking a document of the group's library."""

from __future__ import annotations

from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from app import create_app
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.documents.models import Document
from app.extensions import db
from app.meetings import services
from app.meetings.models import AgendaItem, MinutesState
from app.permissions import RULES
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import create_meeting


def make_document(group, title: str, *, trashed: bool = False) -> Document:
    """Create and commit a document (without versions) in a group's library."""
    document = Document(group=group, title=title, trashed_at=utcnow() if trashed else None)
    db.session.add(document)
    db.session.commit()
    return document


@pytest.fixture
def library(team):
    """A document of the group, one in its trash, and one of another group."""
    return {
        "plan": make_document(team.group, "Work plan 2027"),
        "trashed": make_document(team.group, "Old draft", trashed=True),
        "elsewhere": make_document(team.other_group, "Another group's report"),
    }


@pytest.fixture
def meeting(team):
    """A meeting of the group with one agenda item, "Welcome"."""
    return create_meeting(
        team.group,
        organiser=team.lead,
        invitees=[team.lead, team.member],
        state=MinutesState.CIRCULATED,
        text="Minutes",
        agenda=["Welcome"],
    )


def items_of(meeting) -> list[tuple[str, int | None]]:
    """Return the meeting's agenda as (title, document id) pairs, read afresh."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(AgendaItem.title, AgendaItem.document_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    )
    return [tuple(row) for row in rows]


def item_url(meeting, item_id: int) -> str:
    return meeting_url(meeting, f"agenda/{item_id}/edit")


def test_the_form_offers_the_groups_documents_not_in_the_trash(
    client, team, meeting, library, login_as
):
    """The select lists the group's library only, without the trash, after a blank choice."""
    login_as(team.lead)
    html = client.get(meeting_url(meeting, "agenda")).get_data(as_text=True)
    assert f'<option value="{library["plan"].id}">Work plan 2027</option>' in html
    assert "Old draft" not in html
    assert "Another group&#39;s report" not in html and "Another group's report" not in html


def test_a_lead_links_changes_and_removes_a_document(
    client, team, meeting, library, login_as, post
):
    """Adding an item with a document links it; editing can change it, blank removes it."""
    login_as(team.lead)
    plan = library["plan"]
    response = post(
        meeting_url(meeting, "agenda"), {"title": "Work plan", "document_id": str(plan.id)}
    )
    assert response.status_code == 302
    assert items_of(meeting) == [("Welcome", None), ("Work plan", plan.id)]
    welcome = meeting.agenda_items[0]
    page = client.get(item_url(meeting, welcome.id)).get_data(as_text=True)
    assert "Document from the library" in page
    response = post(
        item_url(meeting, welcome.id), {"title": "Welcome", "document_id": str(plan.id)}
    )
    assert response.status_code == 302
    assert items_of(meeting) == [("Welcome", plan.id), ("Work plan", plan.id)]
    page = client.get(item_url(meeting, welcome.id)).get_data(as_text=True)
    assert f'<option selected value="{plan.id}">' in page
    response = post(item_url(meeting, welcome.id), {"title": "Welcome", "document_id": ""})
    assert response.status_code == 302
    assert items_of(meeting) == [("Welcome", None), ("Work plan", plan.id)]


@pytest.mark.parametrize("which", ["elsewhere", "trashed"])
def test_a_document_of_another_group_or_in_the_trash_is_refused(
    client, team, meeting, library, login_as, post, which
):
    """Posting such a document adds nothing and changes nothing: the field says why."""
    login_as(team.lead)
    document_id = str(library[which].id)
    response = post(meeting_url(meeting, "agenda"), {"title": "New", "document_id": document_id})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)
    welcome = meeting.agenda_items[0]
    response = post(item_url(meeting, welcome.id), {"title": "Hi", "document_id": document_id})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)
    assert items_of(meeting) == [("Welcome", None)]


@pytest.mark.parametrize("which", ["elsewhere", "trashed", "missing"])
def test_the_services_refuse_a_document_of_another_group_or_in_the_trash(
    team, meeting, library, which
):
    """Adding or updating an item with such a document raises ServiceError and changes
    nothing (the form is not the only guard)."""
    document_id = library[which].id if which != "missing" else 2**31
    message = "Choose a document of this group's library that is not in the trash."
    with pytest.raises(ServiceError) as refused:
        services.add_agenda_item(
            meeting,
            title="New",
            presenter_id=None,
            duration_minutes=None,
            document_id=document_id,
            actor=team.lead,
        )
    assert refused.value.message == message
    with pytest.raises(ServiceError):
        services.update_agenda_item(
            meeting.agenda_items[0],
            title="Changed",
            presenter_id=None,
            duration_minutes=None,
            document_id=document_id,
            actor=team.lead,
        )
    db.session.rollback()
    assert items_of(meeting) == [("Welcome", None)]


def test_the_refusal_is_shown_on_the_field(
    client, team, meeting, library, login_as, post, monkeypatch
):
    """A document trashed after the form was built is refused with the service's message."""
    login_as(team.lead)
    plan_id = library["plan"].id
    original = services.agenda_documents

    def then_trash(group):
        documents = original(group)
        db.session.execute(
            sa.update(Document).where(Document.id == plan_id).values(trashed_at=utcnow())
        )
        return documents

    monkeypatch.setattr(services, "agenda_documents", then_trash)
    response = post(meeting_url(meeting, "agenda"), {"title": "New", "document_id": plan_id})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose a document of this group&#39;s library that is not in the trash." in html
    assert items_of(meeting) == [("Welcome", None)]


def test_the_link_shows_on_the_meeting_page_and_the_print_view(
    client, team, meeting, library, login_as
):
    """Readers of the meeting see the item's document as a link to its page."""
    meeting.agenda_items[0].document = library["plan"]
    db.session.commit()
    link = f'href="/groups/{team.group.slug}/documents/{library["plan"].id}"'
    login_as(team.member)
    for path in (meeting_url(meeting), meeting_url(meeting, "minutes/print")):
        html = client.get(path).get_data(as_text=True)
        assert link in html and "Work plan 2027" in html, path


def test_the_link_is_left_out_for_a_reader_who_may_not_see_the_document(
    client, team, meeting, library, login_as, monkeypatch
):
    """The link is shown only when `document.view` allows it."""
    meeting.agenda_items[0].document = library["plan"]
    db.session.commit()
    monkeypatch.setitem(RULES, "document.view", lambda user, document: False)
    login_as(team.member)
    for path in (meeting_url(meeting), meeting_url(meeting, "minutes/print")):
        html = client.get(path).get_data(as_text=True)
        assert "Welcome" in html and "Work plan 2027" not in html, path


def test_a_document_put_in_the_trash_later_stays_linked_and_marked(
    client, team, meeting, library, login_as
):
    """A linked document moved to the trash afterwards is still linked, marked as such."""
    meeting.agenda_items[0].document = library["trashed"]
    db.session.commit()
    login_as(team.member)
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    agenda = html[html.index('id="agenda"') :]
    assert f"/documents/{library['trashed'].id}" in agenda and "In the trash" in agenda


def test_a_deleted_document_leaves_the_item_without_a_link(team, meeting, library):
    """Deleting the document from the library keeps the agenda item, unlinked."""
    meeting.agenda_items[0].document = library["plan"]
    db.session.commit()
    db.session.delete(library["plan"])
    db.session.commit()
    assert items_of(meeting) == [("Welcome", None)]


def test_duplicating_a_meeting_copies_the_link(team, meeting, library):
    """The next meeting of a series keeps each item's document."""
    meeting.agenda_items[0].document = library["plan"]
    db.session.commit()
    values = services.MeetingValues(
        title_en="Next",
        title_zh=None,
        description="",
        starts_at=meeting.starts_at + timedelta(days=7),
        ends_at=meeting.ends_at + timedelta(days=7),
        timezone=meeting.timezone,
        location=None,
        online_url=None,
        invitee_ids=[],
        minute_taker_id=None,
    )
    copy = services.schedule_meeting(team.group, values, actor=team.lead, copy_agenda_from=meeting)
    assert items_of(copy) == [("Welcome", library["plan"].id)]


def test_linked_documents_cost_no_query_per_item(client, team, login_as):
    """A meeting with one linked item and one with twelve are shown in as many queries."""
    small = create_meeting(team.group, agenda=["A"])
    big = create_meeting(team.group, agenda=[f"Item {n}" for n in range(12)])
    small.agenda_items[0].document = make_document(team.group, "Only")
    for n, item in enumerate(big.agenda_items):
        item.document = make_document(team.group, f"Document {n}")
    db.session.commit()
    login_as(team.member)

    def count(path: str) -> int:
        seen = []
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            html = client.get(path).get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        assert "/documents/" in html
        return len(seen)

    assert count(meeting_url(small)) == count(meeting_url(big))


def test_the_migration_adds_the_column_with_its_index_and_key(fresh_database_url):
    """After `upgrade`, agenda_items.document_id is indexed and refers to documents with
    ON DELETE SET NULL, under the naming convention's names; `downgrade` removes them."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with application.app_context():
        try:
            flask_migrate.upgrade()
            inspector = sa.inspect(db.engine)
            indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("agenda_items")}
            assert indexes["ix_agenda_items_document_id"] == ["document_id"]
            keys = {k["name"]: k for k in inspector.get_foreign_keys("agenda_items")}
            key = keys["fk_agenda_items_document_id_documents"]
            assert key["referred_table"] == "documents"
            assert key["constrained_columns"] == ["document_id"]
            assert key["options"].get("ondelete") == "SET NULL"
            flask_migrate.downgrade(revision="0005_deliverables")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("agenda_items")}
            assert "document_id" not in columns
        finally:
            db.session.remove()
            db.engine.dispose()
