"""Minutes: writing (with a preview), draft → circulated → approved, comments, reopening,
concurrent edits, and typed text that survives an expired session or form token."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.core.audit import AuditEvent
from app.core.errors import StaleEdit
from app.core.mail import OutboxEmail, send_pending
from app.extensions import db
from app.meetings import minutes as minutes_service
from app.meetings.models import MinutesComment, MinutesRescue, MinutesState
from tests.conftest import csrf_token_from
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import add_action, add_decision, create_meeting

SCRIPT = '<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>'


@pytest.fixture
def meeting(team):
    """A meeting with draft minutes, the writer appointed minute-taker, three invitees."""
    return create_meeting(
        team.group,
        organiser=team.lead,
        invitees=[team.lead, team.member, team.writer],
        minute_taker=team.writer,
        title_en="Monthly meeting",
        title_zh="月度会议",
    )


def hidden(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def open_editor(client, meeting) -> dict[str, str]:
    """Open the minutes editor; return the form's hidden values."""
    response = client.get(meeting_url(meeting, "minutes/edit"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return {
        "csrf_token": csrf_token_from(html),
        "base_version": hidden(html, "base_version"),
        "rescue_key": hidden(html, "rescue_key"),
    }


def save(client, meeting, text: str, form: dict[str, str] | None = None, **extra):
    form = form or open_editor(client, meeting)
    return client.post(
        meeting_url(meeting, "minutes/edit"), data={**form, "text": text, "submit": "Save", **extra}
    )


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def actions() -> list[str]:
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


# Writing -----------------------------------------------------------------------------------------


def test_the_minute_taker_writes_the_draft(client, team, meeting, login_as):
    """The appointed minute-taker saves the draft; the version goes up by one."""
    login_as(team.writer)
    response = save(client, meeting, "## Decisions\n\n- Adopt the plan")
    assert response.status_code == 302
    minutes = reload(meeting.minutes)
    assert minutes.text == "## Decisions\n\n- Adopt the plan"
    assert minutes.version == 2
    assert minutes.updated_by_id == team.writer.id
    assert "minutes.saved" in actions()


def test_other_members_and_observers_can_neither_write_nor_read_a_draft(
    client, team, meeting, login_as, post
):
    """A member who is not the minute-taker gets 403; observers do not even see the draft."""
    meeting.minutes.text = "Confidential draft text"
    db.session.commit()
    login_as(team.member)
    assert client.get(meeting_url(meeting, "minutes/edit")).status_code == 403
    refused = post(meeting_url(meeting, "minutes/edit"), {"text": "Mine", "base_version": "1"})
    assert refused.status_code == 403
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Confidential draft text" not in html
    assert "being drafted" in html
    assert client.get(meeting_url(meeting, "minutes/print")).status_code == 403
    assert reload(meeting.minutes).text == "Confidential draft text"


def test_the_lead_reads_and_writes_the_draft(client, team, meeting, login_as):
    """Leads see the draft and may write it."""
    meeting.minutes.text = "Draft by the minute-taker"
    db.session.commit()
    login_as(team.lead)
    assert "Draft by the minute-taker" in client.get(meeting_url(meeting)).get_data(as_text=True)
    assert save(client, meeting, "Draft, corrected by the lead").status_code == 302


def test_a_preview_renders_the_markdown_and_saves_nothing(client, team, meeting, login_as):
    """The preview button shows the rendered text; the minutes stay as they were."""
    login_as(team.writer)
    form = open_editor(client, meeting)
    response = client.post(
        meeting_url(meeting, "minutes/edit"),
        data={**form, "text": "# Heading\n\n**bold**", "preview": "Preview"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Heading</h1>" in html and "<strong>bold</strong>" in html
    assert reload(meeting.minutes).version == 1
    assert reload(meeting.minutes).text == ""


def test_a_script_in_the_minutes_is_never_executed(client, team, meeting, login_as, post):
    """Raw HTML and javascript: links are neutralised in the page, the preview and print view."""
    login_as(team.lead)
    assert save(client, meeting, SCRIPT).status_code == 302
    form = open_editor(client, meeting)
    preview = client.post(
        meeting_url(meeting, "minutes/edit"), data={**form, "text": SCRIPT, "preview": "1"}
    ).get_data(as_text=True)
    post(meeting_url(meeting, "decisions"), {"text": SCRIPT})
    post(meeting_url(meeting, "minutes/circulate"), {"version": "2"})
    post(meeting_url(meeting, "minutes/comments"), {"text": SCRIPT})
    pages = [
        client.get(meeting_url(meeting)).get_data(as_text=True),
        client.get(meeting_url(meeting, "minutes/print")).get_data(as_text=True),
        preview,
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
        assert 'href="javascript:' not in html
        assert "&lt;script&gt;" in html


def test_bad_input_in_the_editor_is_refused_and_changes_nothing(client, team, meeting, login_as):
    """Control characters, a missing version and an over-long text re-render the editor."""
    login_as(team.lead)
    form = open_editor(client, meeting)
    bad = client.post(meeting_url(meeting, "minutes/edit"), data={**form, "text": "a\x00b"})
    assert bad.status_code == 200
    assert "characters that are not allowed" in bad.get_data(as_text=True)
    no_version = client.post(
        meeting_url(meeting, "minutes/edit"), data={**form, "base_version": "", "text": "x"}
    )
    assert no_version.status_code == 200
    too_long = client.post(
        meeting_url(meeting, "minutes/edit"), data={**form, "text": "x" * 200_001}
    )
    assert too_long.status_code == 200
    assert reload(meeting.minutes).version == 1


# Workflow ----------------------------------------------------------------------------------------


def test_circulating_emails_every_invitee_in_their_language_and_zone(
    client, team, meeting, login_as, post, smtp_server
):
    """Each invitee gets an e-mail in their language, with the time in their own zone."""
    meeting.minutes.text = "Written."
    team.writer.locale = "zh"
    db.session.commit()
    login_as(team.lead)
    response = post(meeting_url(meeting, "minutes/circulate"), {"version": "1"})
    assert response.status_code == 302
    minutes = reload(meeting.minutes)
    assert minutes.state == MinutesState.CIRCULATED and minutes.circulated_at
    rows = {row.recipient: row for row in db.session.scalars(sa.select(OutboxEmail))}
    assert set(rows) == {team.lead.email, team.member.email, team.writer.email}
    assert rows[team.writer.email].locale == "zh"
    assert "年" in rows[team.writer.email].body_text  # the date as Babel writes it in Chinese
    assert rows[team.member.email].locale == "en"
    assert "Monthly meeting" in rows[team.member.email].subject
    assert "Your time (Rome)" in rows[team.member.email].body_text
    assert "Beijing time" in rows[team.lead.email].body_text
    assert f"/meetings/{meeting.id}/" in rows[team.member.email].body_text
    assert send_pending() == (3, 0)
    assert {m["To"] for m in smtp_server.messages} == set(rows)


def test_only_leads_and_staff_circulate_not_the_minute_taker(client, team, meeting, login_as, post):
    """The minute-taker writes the draft but does not circulate it."""
    meeting.minutes.text = "Written."
    db.session.commit()
    login_as(team.writer)
    assert post(meeting_url(meeting, "minutes/circulate"), {"version": "1"}).status_code == 403
    assert reload(meeting.minutes).state == MinutesState.DRAFT


def test_circulating_what_you_did_not_read_is_refused(client, team, meeting, login_as, post):
    """If the text changed after the lead opened the page, circulating waits for a re-read."""
    meeting.minutes.text = "Written."
    meeting.minutes.version = 4
    db.session.commit()
    login_as(team.lead)
    response = post(
        meeting_url(meeting, "minutes/circulate"), {"version": "3"}, follow_redirects=True
    )
    assert "changed since you opened this page" in response.get_data(as_text=True)
    assert reload(meeting.minutes).state == MinutesState.DRAFT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_empty_minutes_are_not_circulated(client, team, meeting, login_as, post):
    """There is nothing to comment on in empty minutes."""
    login_as(team.lead)
    response = post(
        meeting_url(meeting, "minutes/circulate"), {"version": "1"}, follow_redirects=True
    )
    assert "Write the minutes before circulating them." in response.get_data(as_text=True)
    assert reload(meeting.minutes).state == MinutesState.DRAFT


def test_members_comment_on_circulated_minutes_observers_do_not(
    client, team, make_user, login_as, post, add_member
):
    """Members comment; observers read but may not comment; empty comments are refused."""
    meeting = create_meeting(
        team.group, state=MinutesState.CIRCULATED, text="Circulated text", invitees=[team.member]
    )
    login_as(team.member)
    empty = post(meeting_url(meeting, "minutes/comments"), {"text": "   "})
    assert empty.status_code == 200
    assert "This field is required." in empty.get_data(as_text=True)
    ok = post(meeting_url(meeting, "minutes/comments"), {"text": "Please add the Milan survey."})
    assert ok.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    login_as(team.observer)
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Circulated text" in html and "Please add the Milan survey." in html
    assert post(meeting_url(meeting, "minutes/comments"), {"text": "Me too"}).status_code == 403
    comments = db.session.scalars(sa.select(MinutesComment.text)).all()
    assert comments == ["Please add the Milan survey."]


def test_comments_are_closed_on_drafts(client, team, meeting, login_as, post):
    """A draft takes no comments, even from a lead."""
    login_as(team.lead)
    assert post(meeting_url(meeting, "minutes/comments"), {"text": "Early"}).status_code == 403


def test_the_minute_taker_stops_writing_once_circulated_the_lead_does_not(
    client, team, meeting, login_as
):
    """Circulated minutes are the leads' to change."""
    meeting.minutes.state = MinutesState.CIRCULATED
    meeting.minutes.text = "Circulated"
    db.session.commit()
    login_as(team.writer)
    assert client.get(meeting_url(meeting, "minutes/edit")).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    login_as(team.lead)
    assert save(client, meeting, "Circulated, with the comments taken in").status_code == 302


def test_approval_locks_the_minutes_and_records_who_and_when(client, team, login_as, post):
    """Only leads approve; approved minutes are locked, with the approver and time shown."""
    meeting = create_meeting(team.group, state=MinutesState.CIRCULATED, text="Final text")
    login_as(team.member)
    assert post(meeting_url(meeting, "minutes/approve"), {"version": "1"}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    login_as(team.lead)
    assert post(meeting_url(meeting, "minutes/approve"), {"version": "1"}).status_code == 302
    minutes = reload(meeting.minutes)
    assert minutes.state == MinutesState.APPROVED
    assert minutes.approved_by_id == team.lead.id and minutes.approved_at is not None
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Approved by Wang Lei" in html
    locked = client.get(meeting_url(meeting, "minutes/edit"))
    assert locked.status_code == 302
    attempt = save(
        client,
        meeting,
        "Sneaky change",
        form={"csrf_token": csrf_token_from(html), "base_version": "1"},
    )
    assert attempt.status_code == 403
    assert reload(meeting.minutes).text == "Final text"
    assert post(meeting_url(meeting, "decisions"), {"text": "Late decision"}).status_code == 403
    assert "minutes.approved" in actions()


def test_a_lead_reopens_approved_minutes_and_it_is_logged(client, team, login_as, post):
    """Reopening puts approved minutes back for changes; the audit log keeps the approval."""
    meeting = create_meeting(
        team.group, organiser=team.lead, state=MinutesState.APPROVED, text="Approved"
    )
    login_as(team.member)
    assert post(meeting_url(meeting, "minutes/reopen")).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    login_as(team.lead)
    assert post(meeting_url(meeting, "minutes/reopen")).status_code == 302
    minutes = reload(meeting.minutes)
    assert minutes.state == MinutesState.CIRCULATED
    assert minutes.approved_by_id is None
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "minutes.reopened")
    ).one()
    assert event.actor_id == team.lead.id
    assert event.details["approved_by"] == team.lead.id
    assert save(client, meeting, "Corrected after reopening").status_code == 302


# Concurrent edits --------------------------------------------------------------------------------


def test_a_concurrent_edit_is_detected_and_both_texts_are_shown(
    app, client, team, meeting, login_as
):
    """Two editors open version 1; the second save is refused with both texts to merge."""
    meeting.minutes.text = "Line one\nLine two"
    db.session.commit()
    login_as(team.lead)
    lead_form = open_editor(client, meeting)

    other = app.test_client()
    token = csrf_token_from(other.get("/login").get_data(as_text=True))
    other.post(
        "/login",
        data={
            "email": team.writer.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    writer_form = open_editor(other, meeting)
    assert save(other, meeting, "Line one\nLine two, by the writer", writer_form).status_code == 302

    conflict = save(client, meeting, "Line one\nLine two, by the lead", lead_form)
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Someone else saved these minutes meanwhile" in html
    assert "Line two, by the writer" in html and "Line two, by the lead" in html
    minutes = reload(meeting.minutes)
    assert minutes.text == "Line one\nLine two, by the writer"
    assert minutes.version == 2
    # The conflict page's form is based on the current version: saving the merge goes through.
    merged = {
        "csrf_token": csrf_token_from(html),
        "base_version": hidden(html, "base_version"),
        "rescue_key": hidden(html, "rescue_key"),
    }
    assert merged["base_version"] == "2"
    text = "Line one\nLine two, by the writer and the lead"
    assert save(client, meeting, text, merged).status_code == 302
    assert reload(meeting.minutes).text == text
    assert reload(meeting.minutes).version == 3


def test_saves_that_do_not_conflict_go_through(client, team, meeting, login_as):
    """Saving again from the page each save leads to never conflicts."""
    login_as(team.writer)
    for n in range(1, 4):
        assert save(client, meeting, f"Version {n}").status_code == 302
    assert reload(meeting.minutes).version == 4


def test_the_save_is_a_compare_and_set_even_when_the_check_passed(app, team, meeting):
    """A save racing another one between the check and the write is still refused."""
    minutes = meeting.minutes
    assert minutes.version == 1
    with db.engine.begin() as other:  # another request saves meanwhile
        other.execute(
            sa.text("UPDATE minutes SET text = 'theirs', version = 2 WHERE id = :id"),
            {"id": minutes.id},
        )
    with app.test_request_context(), pytest.raises(StaleEdit) as caught:
        minutes_service.save_minutes(minutes, "mine", 1, actor=team.lead)
    assert caught.value.current.text == "theirs"
    assert reload(minutes).text == "theirs"


# Nothing typed is lost ---------------------------------------------------------------------------


def test_text_sent_after_the_session_ended_is_kept_and_given_back(client, team, meeting, login_as):
    """The session ends (signed out everywhere) while writing: the text survives sign-in."""
    login_as(team.writer)
    form = open_editor(client, meeting)
    team.writer.session_token = "ended-elsewhere"
    db.session.commit()

    response = save(client, meeting, "An hour of careful writing", form)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert "minutes/edit" in response.location
    login_page = client.get(response.location).get_data(as_text=True)
    assert "They have been kept" in login_page
    rescue = db.session.scalars(sa.select(MinutesRescue)).one()
    assert (rescue.user_id, rescue.text, rescue.base_version) == (
        team.writer.id,
        "An hour of careful writing",
        1,
    )
    assert reload(meeting.minutes).text == ""

    login_as(team.writer)
    editor = client.get(meeting_url(meeting, "minutes/edit")).get_data(as_text=True)
    assert "An hour of careful writing" in editor
    assert "Your session ended" in editor
    assert save(client, meeting, "An hour of careful writing").status_code == 302
    assert reload(meeting.minutes).text == "An hour of careful writing"
    assert db.session.scalars(sa.select(MinutesRescue)).all() == []


def test_kept_text_still_detects_a_conflicting_edit(client, team, meeting, login_as, app):
    """Text kept from version 1 is saved only through the merge page if others saved since."""
    login_as(team.writer)
    form = open_editor(client, meeting)
    team.writer.session_token = "ended-elsewhere"
    db.session.commit()
    save(client, meeting, "Kept text", form)
    meeting.minutes.text = "The lead's text"
    meeting.minutes.version = 2
    db.session.commit()
    login_as(team.writer)
    response = save(client, meeting, "Kept text")
    assert response.status_code == 409
    assert reload(meeting.minutes).text == "The lead's text"


def test_without_a_valid_key_nothing_is_kept(app, team, meeting, client, login_as):
    """Without the editor's signed key (or with another's, or with bad values) nothing is kept."""
    other_meeting = create_meeting(team.group, minute_taker=team.writer)
    login_as(team.writer)
    key_for_other = open_editor(client, other_meeting)["rescue_key"]
    anonymous = app.test_client()
    valid_key = open_editor(client, meeting)["rescue_key"]
    for bad in ({"base_version": str(10**20)}, {"text": "a\x00b"}, {"base_version": "one"}):
        data = {"text": "x", "base_version": "1", "rescue_key": valid_key, **bad}
        assert anonymous.post(meeting_url(meeting, "minutes/edit"), data=data).status_code == 302
    for key in ("", "forged.key.value", key_for_other):
        response = anonymous.post(
            meeting_url(meeting, "minutes/edit"),
            data={"text": "Spam", "base_version": "1", "rescue_key": key},
        )
        assert response.status_code == 302
        assert response.location.startswith("/login")
    assert db.session.scalars(sa.select(MinutesRescue)).all() == []


def test_a_stale_form_token_gives_the_editor_back_with_the_text(client, team, meeting, login_as):
    """Signed in but the form token expired: nothing saved, the text is back in the editor."""
    login_as(team.writer)
    form = open_editor(client, meeting)
    form["csrf_token"] = "expired-token"
    response = save(client, meeting, "Text typed over lunch", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This page had expired" in html
    assert "Text typed over lunch" in html
    assert reload(meeting.minutes).text == ""
    fresh = {
        "csrf_token": csrf_token_from(html),
        "base_version": hidden(html, "base_version"),
        "rescue_key": hidden(html, "rescue_key"),
    }
    assert save(client, meeting, "Text typed over lunch", fresh).status_code == 302
    assert reload(meeting.minutes).text == "Text typed over lunch"


def test_text_that_can_no_longer_be_saved_is_shown_to_copy(client, team, meeting, login_as):
    """The minute-taker's draft was circulated meanwhile: their text comes back to copy (409)."""
    login_as(team.writer)
    form = open_editor(client, meeting)
    meeting.minutes.state = MinutesState.CIRCULATED
    meeting.minutes.text = "Circulated by the lead"
    db.session.commit()
    response = save(client, meeting, "My late paragraph", form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Your text was not saved" in html and "My late paragraph" in html
    assert reload(meeting.minutes).text == "Circulated by the lead"


def test_kept_text_can_be_discarded(client, team, meeting, login_as, post):
    """Discarding the kept text removes it; the editor then shows the saved minutes."""
    db.session.add(
        MinutesRescue(
            minutes_id=meeting.minutes.id, user_id=team.writer.id, text="Old", base_version=1
        )
    )
    db.session.commit()
    login_as(team.writer)
    assert "Your session ended" in client.get(meeting_url(meeting, "minutes/edit")).get_data(True)
    assert post(meeting_url(meeting, "minutes/discard-kept-text")).status_code == 302
    assert db.session.scalars(sa.select(MinutesRescue)).all() == []
    assert "Your session ended" not in client.get(meeting_url(meeting, "minutes/edit")).get_data(
        True
    )


# Print view -------------------------------------------------------------------------------------


def test_the_print_view_holds_everything_in_both_languages(client, team, login_as):
    """The print view shows both titles, the times, attendance, minutes, decisions, actions."""
    meeting = create_meeting(
        team.group,
        state=MinutesState.APPROVED,
        text="## Mapping\n\nDone.",
        invitees=[team.member, team.lead],
        organiser=team.lead,
    )
    add_decision(meeting, "Adopt the template")
    add_action(meeting, team.member, "Send the survey")
    login_as(team.observer)
    response = client.get(meeting_url(meeting, "minutes/print"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "Monthly meeting",
        "月度会议",
        "Brussels time",
        "Beijing time",
        "<h2>Mapping</h2>",
        "Adopt the template",
        "Send the survey",
        "Sofia Rossi",
        "Approved by Wang Lei",
    ):
        assert text in html, text
    assert "<nav" not in html  # no navigation bar on paper
