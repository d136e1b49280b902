"""Meeting pages: a group's meetings, one meeting (agenda, attendance, minutes, decisions,
action items), and the cross-group pages (my meetings, my action items, my calendar feed)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.routes import safe_next
from app.core.database import utcnow
from app.core.errors import ServiceError, StaleEdit, show_on_form
from app.core.forms import has_forbidden_characters
from app.core.i18n import select_timezone
from app.core.mail import external_url
from app.core.markdown import render_markdown
from app.core.paging import page_arg
from app.core.routing import parse_id
from app.extensions import csrf
from app.groups.loaders import load_group
from app.groups.models import WorkingGroup
from app.groups.services import get_group_by_slug
from app.meetings import ics, services, times
from app.meetings.forms import (
    MINUTES_MAX_LENGTH,
    ActionItemForm,
    ActionStatusForm,
    AgendaItemForm,
    ButtonForm,
    CancelForm,
    CommentForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    MoveForm,
    VersionedButtonForm,
    attendance_form,
)
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    Decision,
    Meeting,
    Minutes,
    MinutesState,
)
from app.permissions import can, is_signed_in, require

bp = Blueprint("meetings", __name__, template_folder="templates")

GROUP = "/groups/<slug>/meetings"
MEETING = GROUP + "/<int:meeting_id>"

#: Where the address of a new calendar feed waits to be shown once (its hash alone is stored).
NEW_FEED_TOKEN_KEY = "meetings.new_feed_token"  # noqa: S105 - a session key, not a secret


# Loading ----------------------------------------------------------------------------------------


def load_meeting(slug: str, meeting_id: int) -> Meeting:
    """Load one of the group's meetings (404 for another group's or a missing one)."""
    group = load_group(slug)
    meeting = services.get_meeting(group, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _to_meeting(meeting: Meeting, anchor: str | None = None):
    return redirect(
        url_for("meetings.detail", slug=meeting.group.slug, meeting_id=meeting.id, _anchor=anchor)
    )


def _meeting_url(meeting: Meeting) -> str:
    return external_url("meetings.detail", slug=meeting.group.slug, meeting_id=meeting.id)


@bp.context_processor
def meeting_helpers() -> dict[str, Any]:
    """Give the meeting templates the reader's zone, today's date there, and the states."""
    zone = select_timezone()

    def meeting_times(meeting: Meeting) -> list[times.TimeRow]:
        return times.time_rows(meeting.starts_at, meeting.ends_at, zone)

    return {
        "meeting_times": meeting_times,
        "reader_zone": zone,
        "reader_today": times.today_in(zone),
        "MinutesState": MinutesState,
        "ActionStatus": ActionStatus,
        "AttendanceStatus": AttendanceStatus,
    }


# A group's meetings -----------------------------------------------------------------------------


@bp.route(GROUP + "/")
@login_required
def index(slug: str):
    """List a group's upcoming meetings (soonest first) and past meetings (latest first)."""
    group = load_group(slug)
    return render_template(
        "meetings/index.html",
        group=group,
        upcoming=services.group_meetings(group, upcoming=True, page=page_arg("upcoming_page")),
        past=services.group_meetings(group, upcoming=False, page=page_arg()),
    )


def _meeting_form(group: WorkingGroup, **kwargs: Any) -> MeetingForm:
    return MeetingForm(
        members=[m.user for m in services.group_members(group)],
        minute_takers=services.minute_taker_candidates(group),
        **kwargs,
    )


def _values(form: MeetingForm) -> services.MeetingValues:
    return services.MeetingValues(
        title_en=form.title_en.data,
        title_zh=form.title_zh.data or None,
        description=(form.description.data or "").replace("\r\n", "\n"),
        starts_at=form.starts_utc,
        ends_at=form.ends_utc,
        timezone=form.timezone.data,
        location=form.location.data or None,
        online_url=form.online_url.data or None,
        invitee_ids=list(form.invitees.data or []),
        minute_taker_id=form.minute_taker_id.data,
    )


def _planning_check(form: MeetingForm, group: WorkingGroup) -> tuple[list, bool]:
    """Return the slot's warnings and whether to save now.

    The form is saved when the organiser did not ask only to check the times and either
    nothing is awkward or they have seen exactly these warnings ("save anyway").
    """
    chosen = set(form.invitees.data or [])
    invitees = [m.user for m in services.group_members(group) if m.user_id in chosen]
    warnings = times.planning_warnings(form.starts_utc, form.ends_utc, invitees)
    if form.starts_utc < utcnow():
        warnings.insert(0, times.PlanningWarning("past", _("This slot is in the past.")))
    digest = times.warnings_fingerprint(form.starts_utc, form.ends_utc, warnings)
    ready = not form.check.data and (not warnings or form.acknowledged.data == digest)
    form.acknowledged.data = digest
    return warnings, ready


def _render_form(
    form: MeetingForm, group: WorkingGroup, *, meeting=None, mode="new", warnings=None
):
    preview = None
    if form.starts_utc and form.ends_utc:
        preview = times.time_rows(form.starts_utc, form.ends_utc, select_timezone())
    return render_template(
        "meetings/form.html",
        form=form,
        group=group,
        meeting=meeting,
        mode=mode,
        warnings=warnings,
        preview=preview,
        checked=warnings is not None,
    )


@bp.route(GROUP + "/new", methods=["GET", "POST"])
@login_required
def schedule(slug: str):
    """Schedule a meeting in a chosen zone (the organiser's by default), checking the slot."""
    group = load_group(slug)
    require("meeting.run", group)
    form = _meeting_form(group)
    if request.method == "GET":
        form.timezone.data = select_timezone()
        form.invitees.data = [choice.value for choice in form.invitees.choices]
    warnings = None
    if form.validate_on_submit():
        warnings, ready = _planning_check(form, group)
        if ready:
            try:
                meeting = services.schedule_meeting(group, _values(form), actor=current_user)
            except ServiceError as exc:
                show_on_form(form, exc)
            else:
                flash(_("The meeting has been scheduled."), "success")
                return _to_meeting(meeting)
    return _render_form(form, group, warnings=warnings)


def _fill_from(form: MeetingForm, meeting: Meeting, *, start=None, end=None) -> None:
    form.title_en.data = meeting.title_en
    form.title_zh.data = meeting.title_zh
    form.description.data = meeting.description
    form.timezone.data = meeting.timezone
    form.starts_at.set_when(start or times.to_local(meeting.starts_at, meeting.timezone))
    form.ends_at.set_when(end or times.to_local(meeting.ends_at, meeting.timezone))
    form.location.data = meeting.location
    form.online_url.data = meeting.online_url
    members = {choice.value for choice in form.invitees.choices}
    form.invitees.data = [a.user_id for a in meeting.attendances if a.user_id in members]
    minutes = meeting.minutes
    taker = minutes.minute_taker_id if minutes else None
    form.minute_taker_id.data = taker


@bp.route(MEETING + "/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, meeting_id: int):
    """Change a meeting's title, times, zone, place, link, invitees or minute-taker."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    if meeting.is_cancelled:
        flash(_("This meeting is cancelled: it cannot change any more."), "warning")
        return _to_meeting(meeting)
    form = _meeting_form(meeting.group)
    if request.method == "GET":
        _fill_from(form, meeting)
    warnings = None
    if form.validate_on_submit():
        warnings, ready = _planning_check(form, meeting.group)
        if ready:
            try:
                changed = services.update_meeting(meeting, _values(form), actor=current_user)
            except ServiceError as exc:
                show_on_form(form, exc)
            else:
                if changed:
                    flash(_("The meeting has been saved."), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return _to_meeting(meeting)
    return _render_form(form, meeting.group, meeting=meeting, mode="edit", warnings=warnings)


@bp.route(MEETING + "/duplicate", methods=["GET", "POST"])
@login_required
def duplicate(slug: str, meeting_id: int):
    """Plan the next meeting of a series: a copy a week later, agenda included."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    form = _meeting_form(meeting.group)
    if request.method == "GET":
        start, end = services.next_in_series(meeting)
        _fill_from(form, meeting, start=start, end=end)
    warnings = None
    if form.validate_on_submit():
        warnings, ready = _planning_check(form, meeting.group)
        if ready:
            try:
                copy = services.schedule_meeting(
                    meeting.group, _values(form), actor=current_user, copy_agenda_from=meeting
                )
            except ServiceError as exc:
                show_on_form(form, exc)
            else:
                flash(_("The next meeting has been scheduled, with the same agenda."), "success")
                return _to_meeting(copy)
    return _render_form(form, meeting.group, meeting=meeting, mode="duplicate", warnings=warnings)


@bp.route(MEETING + "/cancel", methods=["GET", "POST"])
@login_required
def cancel(slug: str, meeting_id: int):
    """Cancel a meeting, saying why; it stays listed, marked cancelled."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    if meeting.is_cancelled:
        flash(_("This meeting is already cancelled."), "info")
        return _to_meeting(meeting)
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel_meeting(meeting, form.reason.data, actor=current_user)
        flash(_("The meeting has been cancelled."), "success")
        return _to_meeting(meeting)
    return render_template("meetings/cancel.html", meeting=meeting, group=meeting.group, form=form)


# One meeting ------------------------------------------------------------------------------------


def render_detail(meeting: Meeting, *, status: int = 200, **forms: Any):
    """Render a meeting's page; `forms` replace the empty ones (to show their errors)."""
    minutes = services.minutes_of(meeting)
    owners = services.action_owner_candidates(meeting)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        group=meeting.group,
        minutes=minutes,
        earlier_items=services.open_items_before(meeting),
        comment_form=forms.get("comment_form") or CommentForm(),
        decision_form=forms.get("decision_form") or DecisionForm(),
        action_form=forms.get("action_form") or ActionItemForm(people=owners),
    ), status


@bp.route(MEETING + "/")
@login_required
def detail(slug: str, meeting_id: int):
    """Show a meeting: when (three zones), where, agenda, attendance, minutes and actions."""
    return render_detail(load_meeting(slug, meeting_id))


@bp.route(MEETING + "/meeting.ics")
@login_required
def meeting_ics(slug: str, meeting_id: int):
    """Download the meeting as an iCalendar file (times in its zone, with VTIMEZONE)."""
    meeting = load_meeting(slug, meeting_id)
    body = ics.calendar_bytes([meeting], _meeting_url)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


# Agenda -----------------------------------------------------------------------------------------


def _agenda_form(meeting: Meeting) -> AgendaItemForm:
    return AgendaItemForm(
        people=[m.user for m in services.group_members(meeting.group)],
        documents=services.agenda_documents(meeting.group),
    )


def _agenda_values(form: AgendaItemForm) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "presenter_id": form.presenter_id.data,
        "duration_minutes": form.duration_minutes.data,
        "document_id": form.document_id.data,
    }


def _refuse_cancelled(meeting: Meeting):
    flash(_("This meeting is cancelled: it cannot change any more."), "warning")
    return _to_meeting(meeting)


@bp.route(MEETING + "/agenda", methods=["GET", "POST"])
@login_required
def agenda(slug: str, meeting_id: int):
    """Edit the agenda: add items (title, presenter, duration, document), reorder, remove."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    if meeting.is_cancelled:
        return _refuse_cancelled(meeting)
    form = _agenda_form(meeting)
    if form.validate_on_submit():
        try:
            services.add_agenda_item(meeting, **_agenda_values(form), actor=current_user)
        except ServiceError as exc:
            show_on_form(form, exc, "document_id")
        else:
            flash(_("The agenda item has been added."), "success")
            return redirect(url_for("meetings.agenda", slug=slug, meeting_id=meeting.id))
    return render_template("meetings/agenda.html", meeting=meeting, group=meeting.group, form=form)


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem | None:
    return next((i for i in meeting.agenda_items if i.id == item_id), None)


@bp.route(MEETING + "/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agenda_item(slug: str, meeting_id: int, item_id: int):
    """Change an agenda item's title, presenter, duration or linked document."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    item = _agenda_item(meeting, item_id)
    if item is None:
        abort(404)
    if meeting.is_cancelled:
        return _refuse_cancelled(meeting)
    form = _agenda_form(meeting)
    if request.method == "GET":
        form.title.data = item.title
        form.presenter_id.data = item.presenter_id
        form.duration_minutes.data = item.duration_minutes
        form.document_id.data = item.document_id
    if form.validate_on_submit():
        try:
            changed = services.update_agenda_item(item, **_agenda_values(form), actor=current_user)
        except ServiceError as exc:
            show_on_form(form, exc, "document_id")
        else:
            if changed:
                flash(_("The agenda item has been saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("meetings.agenda", slug=slug, meeting_id=meeting.id))
    return render_template(
        "meetings/agenda_item.html", meeting=meeting, group=meeting.group, item=item, form=form
    )


@bp.route(MEETING + "/agenda/<int:item_id>/move", methods=["POST"])
@login_required
def move_agenda_item(slug: str, meeting_id: int, item_id: int):
    """Move an agenda item one place up or down."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    back = redirect(url_for("meetings.agenda", slug=slug, meeting_id=meeting.id))
    item = _agenda_item(meeting, item_id)
    form = MoveForm()
    if item is None or meeting.is_cancelled or not form.validate_on_submit():
        flash(_("The agenda was not changed: reload the page and try again."), "warning")
        return back
    services.move_agenda_item(item, form.direction.data, actor=current_user)
    return back


@bp.route(MEETING + "/agenda/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_agenda_item(slug: str, meeting_id: int, item_id: int):
    """Take an item off the agenda (a second click finds it gone and says so)."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    back = redirect(url_for("meetings.agenda", slug=slug, meeting_id=meeting.id))
    item = _agenda_item(meeting, item_id)
    if item is None:
        flash(_("This agenda item had already been removed."), "info")
        return back
    if meeting.is_cancelled:
        return _refuse_cancelled(meeting)
    services.remove_agenda_item(item, actor=current_user)
    flash(_("The agenda item has been removed."), "success")
    return back


# Attendance -------------------------------------------------------------------------------------


@bp.route(MEETING + "/attendance", methods=["GET", "POST"])
@login_required
def attendance(slug: str, meeting_id: int):
    """Record who was present, sent apologies or was absent."""
    meeting = load_meeting(slug, meeting_id)
    require("meeting.run", meeting)
    if meeting.is_cancelled:
        return _refuse_cancelled(meeting)
    people = sorted(meeting.attendances, key=lambda a: a.user.name.casefold())
    form = attendance_form(people)
    if form.validate_on_submit():
        statuses = {}
        for entry in people:
            field = form[f"status_{entry.user_id}"]
            if field.raw_data:
                statuses[entry.user_id] = AttendanceStatus(field.data)
        services.record_attendance(meeting, statuses, actor=current_user)
        flash(_("The attendance has been saved."), "success")
        return _to_meeting(meeting, "attendance")
    return render_template(
        "meetings/attendance.html", meeting=meeting, group=meeting.group, form=form, people=people
    )


# Minutes ----------------------------------------------------------------------------------------


def _keep_text_and_sign_in(slug: str, meeting_id: int):
    """Answer a visitor who is not signed in; keep posted minutes text for its writer.

    The editor carries a key signed for its writer. If it is valid for these minutes, the
    text is stored for that writer (see `services.keep_unsaved_text`) before the visitor is
    sent to sign in; the editor gives it back afterwards. Without a valid key this is the
    usual redirect to the sign-in page, whatever the address names.
    """
    login = current_app.login_manager
    if request.method != "POST":
        return login.unauthorized()
    group = get_group_by_slug(slug)
    meeting = services.get_meeting(group, meeting_id) if group is not None else None
    minutes = meeting.minutes if meeting is not None else None
    text = request.form.get("text")
    base_version = request.form.get("base_version", "")
    if minutes is None or text is None or parse_id(base_version) is None:
        return login.unauthorized()
    writer = services.rescue_owner(request.form.get("rescue_key"), minutes)
    if writer is None or len(text) > MINUTES_MAX_LENGTH or has_forbidden_characters(text):
        return login.unauthorized()
    services.keep_unsaved_text(minutes, writer, text, int(base_version))
    flash(
        _(
            "Your session had ended, so your minutes were not saved yet. They have been kept: "
            "sign in again and they will be back in the editor."
        ),
        "warning",
    )
    return redirect(
        url_for(
            "auth.login",
            next=url_for("meetings.edit_minutes", slug=slug, meeting_id=meeting_id),
        )
    )


def _render_editor(meeting: Meeting, minutes: Minutes, form: MinutesForm, **extra: Any):
    form.rescue_key.data = services.rescue_key(minutes, current_user)
    return render_template(
        "meetings/edit_minutes.html",
        meeting=meeting,
        group=meeting.group,
        minutes=minutes,
        form=form,
        **extra,
    )


def _render_kept(meeting: Meeting, minutes: Minutes, text: str):
    """Show text that can no longer be saved here (the minutes moved on), to copy it."""
    return render_template(
        "meetings/minutes_kept.html",
        meeting=meeting,
        group=meeting.group,
        minutes=minutes,
        text=text,
    ), 409


@bp.route(MEETING + "/minutes/edit", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so a stale token can still give the text back
def edit_minutes(slug: str, meeting_id: int):
    """Write the minutes in Markdown, with a preview; never lose what was typed.

    - Session ended when the text arrives: the text is kept for its writer and put back in
      the editor after they sign in again (`_keep_text_and_sign_in`).
    - Form token stale or missing: the editor comes back with the text and a fresh token.
    - Based on an older version than the current one: refused with a page showing both
      texts to merge (409).
    - The writer may no longer edit (circulated or approved meanwhile): their text is shown
      to copy (409).
    """
    if not is_signed_in(current_user):
        return _keep_text_and_sign_in(slug, meeting_id)
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    form = MinutesForm()
    if request.method == "GET":
        if minutes.is_locked and can(current_user, "meeting.run", meeting):
            flash(_("These minutes are approved and locked. Reopen them to change them."), "info")
            return _to_meeting(meeting, "minutes")
        require("minutes.write", minutes)
        rescue = services.pending_rescue(minutes, current_user)
        form.text.data = rescue.text if rescue else minutes.text
        form.base_version.data = rescue.base_version if rescue else minutes.version
        return _render_editor(meeting, minutes, form, rescue=rescue)

    if not can(current_user, "minutes.write", minutes):
        writer = services.rescue_owner(form.rescue_key.data, minutes)
        if writer is not None and writer.id == current_user.id and form.text.data:
            return _render_kept(meeting, minutes, form.text.data)
        require("minutes.write", minutes)
    valid = form.validate()
    if form.csrf_token.errors:
        form.csrf_token.errors = []
        if form.base_version.errors:
            form.base_version.data = 0  # unknown base: the save will show both texts
            form.base_version.errors = []
        return _render_editor(meeting, minutes, form, stale_token=True)
    if not valid:
        return _render_editor(meeting, minutes, form)
    if form.preview.data:
        return _render_editor(meeting, minutes, form, preview=render_markdown(form.text.data))
    try:
        changed = services.save_minutes(
            minutes, form.text.data or "", form.base_version.data, actor=current_user
        )
    except StaleEdit as exc:
        current = exc.current
        if current is None:  # the meeting was deleted meanwhile
            abort(404)
        form.base_version.data = current.version
        return render_template(
            "meetings/minutes_conflict.html",
            meeting=meeting,
            group=meeting.group,
            minutes=current,
            form=form,
            rescue_key=services.rescue_key(minutes, current_user),
            lines=services.compare_texts(current.text, form.text.data or ""),
        ), 409
    except ServiceError:
        return _render_kept(meeting, minutes, form.text.data or "")
    if changed:
        flash(_("The minutes have been saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return _to_meeting(meeting, "minutes")


@bp.route(MEETING + "/minutes/discard-kept-text", methods=["POST"])
@login_required
def discard_kept_text(slug: str, meeting_id: int):
    """Throw away the text kept from an expired session, and edit the saved minutes."""
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    if ButtonForm().validate_on_submit() and services.discard_rescue(minutes, actor=current_user):
        flash(_("The kept text has been discarded."), "info")
    if can(current_user, "minutes.write", minutes):
        return redirect(url_for("meetings.edit_minutes", slug=slug, meeting_id=meeting.id))
    return _to_meeting(meeting, "minutes")


def _state_change(slug: str, meeting_id: int, change, message: str, versioned: bool = True):
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    require("meeting.run", meeting)
    form = VersionedButtonForm() if versioned else ButtonForm()
    if not form.validate_on_submit():
        flash(
            _("The minutes changed since you opened this page. Read them again, then retry."),
            "warning",
        )
        return _to_meeting(meeting, "minutes")
    try:
        if versioned:
            change(minutes, form.version.data, actor=current_user)
        else:
            change(minutes, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(message, "success")
    return _to_meeting(meeting, "minutes")


@bp.route(MEETING + "/minutes/circulate", methods=["POST"])
@login_required
def circulate(slug: str, meeting_id: int):
    """Circulate draft minutes for comment; every invitee gets an e-mail in their language."""
    return _state_change(
        slug,
        meeting_id,
        services.circulate_minutes,
        _("The minutes have been circulated for comment."),
    )


@bp.route(MEETING + "/minutes/approve", methods=["POST"])
@login_required
def approve(slug: str, meeting_id: int):
    """Approve circulated minutes (as read): they are locked, with who approved them and when."""
    return _state_change(
        slug, meeting_id, services.approve_minutes, _("The minutes have been approved.")
    )


@bp.route(MEETING + "/minutes/reopen", methods=["POST"])
@login_required
def reopen(slug: str, meeting_id: int):
    """Reopen approved minutes for changes; the audit log records it."""
    return _state_change(
        slug,
        meeting_id,
        services.reopen_minutes,
        _("The minutes have been reopened: they can be changed and approved again."),
        versioned=False,
    )


@bp.route(MEETING + "/minutes/comments", methods=["POST"])
@login_required
def comment(slug: str, meeting_id: int):
    """Comment on circulated minutes."""
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    require("minutes.comment", minutes)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_detail(meeting, comment_form=form)
    services.add_comment(minutes, form.text.data, actor=current_user)
    flash(_("Your comment has been added."), "success")
    return _to_meeting(meeting, "comments")


@bp.route(MEETING + "/minutes/print")
@login_required
def print_minutes(slug: str, meeting_id: int):
    """Show the minutes as a clean page for printing (or saving as PDF)."""
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    require("minutes.read", minutes)
    return render_template(
        "meetings/print.html", meeting=meeting, group=meeting.group, minutes=minutes, now=utcnow()
    )


# Decisions and action items ---------------------------------------------------------------------


def _writable_minutes(slug: str, meeting_id: int) -> tuple[Meeting, Minutes]:
    meeting = load_meeting(slug, meeting_id)
    minutes = services.minutes_of(meeting)
    require("minutes.write", minutes)
    return meeting, minutes


@bp.route(MEETING + "/decisions", methods=["POST"])
@login_required
def add_decision(slug: str, meeting_id: int):
    """Record a decision with the minutes."""
    meeting, _minutes = _writable_minutes(slug, meeting_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return render_detail(meeting, decision_form=form)
    services.add_decision(meeting, form.text.data, actor=current_user)
    flash(_("The decision has been recorded."), "success")
    return _to_meeting(meeting, "decisions")


@bp.route(MEETING + "/decisions/<int:decision_id>/remove", methods=["POST"])
@login_required
def remove_decision(slug: str, meeting_id: int, decision_id: int):
    """Take a decision out of the minutes (a second click finds it gone and says so)."""
    meeting, _minutes = _writable_minutes(slug, meeting_id)
    decision: Decision | None = next((d for d in meeting.decisions if d.id == decision_id), None)
    if decision is None:
        flash(_("This decision had already been removed."), "info")
    elif ButtonForm().validate_on_submit():
        services.remove_decision(decision, actor=current_user)
        flash(_("The decision has been removed."), "success")
    return _to_meeting(meeting, "decisions")


@bp.route(MEETING + "/actions", methods=["POST"])
@login_required
def add_action_item(slug: str, meeting_id: int):
    """Record an action item: what, who, by when."""
    meeting, _minutes = _writable_minutes(slug, meeting_id)
    form = ActionItemForm(people=services.action_owner_candidates(meeting))
    if not form.validate_on_submit():
        return render_detail(meeting, action_form=form)
    try:
        services.add_action_item(
            meeting,
            text=form.text.data,
            owner_id=form.owner_id.data,
            due_on=form.due_on.data,
            actor=current_user,
        )
    except ServiceError as exc:
        show_on_form(form, exc, "owner_id")
        return render_detail(meeting, action_form=form)
    flash(_("The action item has been added."), "success")
    return _to_meeting(meeting, "actions")


def _action_item(meeting: Meeting, item_id: int) -> ActionItem | None:
    return next((i for i in meeting.action_items if i.id == item_id), None)


@bp.route(MEETING + "/actions/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_action_item(slug: str, meeting_id: int, item_id: int):
    """Take an action item out of the minutes (a second click finds it gone and says so)."""
    meeting, _minutes = _writable_minutes(slug, meeting_id)
    item = _action_item(meeting, item_id)
    if item is None:
        flash(_("This action item had already been removed."), "info")
    elif ButtonForm().validate_on_submit():
        services.remove_action_item(item, actor=current_user)
        flash(_("The action item has been removed."), "success")
    return _to_meeting(meeting, "actions")


@bp.route(MEETING + "/actions/<int:item_id>/status", methods=["POST"])
@login_required
def action_status(slug: str, meeting_id: int, item_id: int):
    """Mark an action item done or open again (its owner, or whoever runs the meetings)."""
    meeting = load_meeting(slug, meeting_id)
    item = _action_item(meeting, item_id)
    if item is None:
        abort(404)
    require("action_item.update", item)
    form = ActionStatusForm()
    if form.validate_on_submit():
        status = ActionStatus(form.status.data)
        if services.set_action_status(item, status, actor=current_user):
            if status == ActionStatus.DONE:
                flash(_("The action item is marked done."), "success")
            else:
                flash(_("The action item is open again."), "success")
    else:
        flash(_("Choose a status from the list."), "warning")
    target = safe_next(request.form.get("next"))
    return redirect(target) if target else _to_meeting(meeting, "actions")


# Across groups ----------------------------------------------------------------------------------


@bp.route("/meetings/")
@login_required
def mine():
    """List my upcoming and past meetings across all my groups."""
    require("portal.use")
    return render_template(
        "meetings/mine.html",
        upcoming=services.my_meetings(current_user, upcoming=True, page=page_arg("upcoming_page")),
        past=services.my_meetings(current_user, upcoming=False, page=page_arg()),
    )


@bp.route("/meetings/actions")
@login_required
def my_actions():
    """List my action items across groups: open ones first, overdue ones marked."""
    require("portal.use")
    return render_template(
        "meetings/my_actions.html",
        items=services.my_action_items(current_user, page=page_arg()),
    )


@bp.route("/meetings/calendar", methods=["GET", "POST"])
@login_required
def calendar():
    """Show my private calendar feed; POST makes a new secret address (the old one stops)."""
    require("portal.use")
    form = ButtonForm()
    if form.validate_on_submit():
        token = services.issue_feed_token(current_user)
        session[NEW_FEED_TOKEN_KEY] = token
        flash(
            _("Your calendar has a new private address. The previous one no longer works."),
            "success",
        )
        return redirect(url_for("meetings.calendar"))
    token = session.pop(NEW_FEED_TOKEN_KEY, None)
    feed_url = url_for("meetings.feed", token=token, _external=True) if token else None
    response = make_response(
        render_template(
            "meetings/calendar.html",
            form=form,
            feed=services.feed_of(current_user),
            feed_url=feed_url,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the new secret address may be on it
    return response


@bp.route("/meetings/calendar/revoke", methods=["POST"])
@login_required
def revoke_calendar():
    """Stop my calendar feed's address from working."""
    require("portal.use")
    if ButtonForm().validate_on_submit() and services.revoke_feed(current_user):
        flash(_("Your calendar address no longer works."), "success")
    else:
        flash(_("You had no calendar address."), "info")
    return redirect(url_for("meetings.calendar"))


@bp.route("/meetings/calendar/<token>.ics")
def feed(token: str):
    """Serve a person's meetings as a calendar feed, to whoever has the secret address."""
    user = services.user_for_feed_token(token)
    if user is None:
        abort(404)
    with force_locale(user.locale or "en"):
        body = ics.calendar_bytes(
            services.feed_meetings(user),
            _meeting_url,
            name=_("IC2PerMed meetings"),
        )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="ic2permed-meetings.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
