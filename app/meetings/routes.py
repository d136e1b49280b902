"""Meeting pages: a group's meetings, one meeting (agenda, attendance), and the cross-group
pages (my meetings, my action items, my calendar feed).

The blueprint lives here; the minutes pages (`minutes_routes`) and the decisions and action
items (`action_routes`) register their views on it from their own modules.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
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

from app.core.database import utcnow
from app.core.errors import ServiceError, show_on_form
from app.core.forms import ButtonForm
from app.core.i18n import select_timezone
from app.core.mail import external_url
from app.core.paging import page_arg
from app.groups.loaders import load_group
from app.groups.models import WorkingGroup
from app.meetings import feeds, ics, services, times
from app.meetings.forms import (
    ActionItemForm,
    AgendaItemForm,
    CancelForm,
    CommentForm,
    DecisionForm,
    MeetingForm,
    MoveForm,
    attendance_form,
)
from app.meetings.models import (
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    Meeting,
    MinutesState,
)
from app.permissions import require

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
        token = feeds.issue_feed_token(current_user)
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
            feed=feeds.feed_of(current_user),
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
    if ButtonForm().validate_on_submit() and feeds.revoke_feed(current_user):
        flash(_("Your calendar address no longer works."), "success")
    else:
        flash(_("You had no calendar address."), "info")
    return redirect(url_for("meetings.calendar"))


@bp.route("/meetings/calendar/<token>.ics")
def feed(token: str):
    """Serve a person's meetings as a calendar feed, to whoever has the secret address."""
    user = feeds.user_for_feed_token(token)
    if user is None:
        abort(404)
    with force_locale(user.locale or "en"):
        body = ics.calendar_bytes(
            feeds.feed_meetings(user),
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


# The minutes, decisions and action-item views live in their own modules, on this blueprint.
from app.meetings import action_routes, minutes_routes  # noqa: E402, F401
