"""Decisions and action items recorded in a meeting's minutes: adding, removing, and moving an
action item through its statuses.

The views register on the meetings blueprint of `app.meetings.routes`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import ServiceError, show_on_form
from app.core.forms import ButtonForm
from app.core.urls import safe_next
from app.meetings import services
from app.meetings.forms import ActionItemForm, ActionStatusForm, DecisionForm
from app.meetings.models import ActionItem, ActionStatus, Decision, Meeting, Minutes
from app.meetings.routes import MEETING, _to_meeting, bp, load_meeting, render_detail
from app.permissions import require

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
