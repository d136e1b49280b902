"""Minutes pages of a meeting: the editor (and the typed text kept across a lost session),
circulating, approving and reopening, comments and the printable minutes.

The views register on the meetings blueprint of `app.meetings.routes`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.database import utcnow
from app.core.errors import ServiceError, StaleEdit
from app.core.forms import ButtonForm, has_forbidden_characters
from app.core.markdown import render_markdown
from app.core.routing import parse_id
from app.extensions import csrf
from app.groups.services import get_group_by_slug
from app.meetings import minutes as minutes_service
from app.meetings import services
from app.meetings.forms import (
    MINUTES_MAX_LENGTH,
    CommentForm,
    MinutesForm,
    VersionedButtonForm,
)
from app.meetings.models import Meeting, Minutes
from app.meetings.routes import MEETING, _to_meeting, bp, load_meeting, render_detail
from app.permissions import can, is_signed_in, require

# Minutes ----------------------------------------------------------------------------------------


def _keep_text_and_sign_in(slug: str, meeting_id: int):
    """Answer a visitor who is not signed in; keep posted minutes text for its writer.

    The editor carries a key signed for its writer. If it is valid for these minutes, the
    text is stored for that writer (see `minutes_service.keep_unsaved_text`) before the visitor is
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
    writer = minutes_service.rescue_owner(request.form.get("rescue_key"), minutes)
    if writer is None or len(text) > MINUTES_MAX_LENGTH or has_forbidden_characters(text):
        return login.unauthorized()
    minutes_service.keep_unsaved_text(minutes, writer, text, int(base_version))
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
    form.rescue_key.data = minutes_service.rescue_key(minutes, current_user)
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
        rescue = minutes_service.pending_rescue(minutes, current_user)
        form.text.data = rescue.text if rescue else minutes.text
        form.base_version.data = rescue.base_version if rescue else minutes.version
        return _render_editor(meeting, minutes, form, rescue=rescue)

    if not can(current_user, "minutes.write", minutes):
        writer = minutes_service.rescue_owner(form.rescue_key.data, minutes)
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
        changed = minutes_service.save_minutes(
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
            rescue_key=minutes_service.rescue_key(minutes, current_user),
            lines=minutes_service.compare_texts(current.text, form.text.data or ""),
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
    if ButtonForm().validate_on_submit() and minutes_service.discard_rescue(
        minutes, actor=current_user
    ):
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
        minutes_service.circulate_minutes,
        _("The minutes have been circulated for comment."),
    )


@bp.route(MEETING + "/minutes/approve", methods=["POST"])
@login_required
def approve(slug: str, meeting_id: int):
    """Approve circulated minutes (as read): they are locked, with who approved them and when."""
    return _state_change(
        slug, meeting_id, minutes_service.approve_minutes, _("The minutes have been approved.")
    )


@bp.route(MEETING + "/minutes/reopen", methods=["POST"])
@login_required
def reopen(slug: str, meeting_id: int):
    """Reopen approved minutes for changes; the audit log records it."""
    return _state_change(
        slug,
        meeting_id,
        minutes_service.reopen_minutes,
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
    minutes_service.add_comment(minutes, form.text.data, actor=current_user)
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
