"""Creating and editing milestones; edits from a stale form are refused (`StaleEdit`).

Every function that changes something writes its audit event and commits once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.auth.models import User
from app.core import audit
from app.core.database import expect_version
from app.core.errors import FieldErrors
from app.core.project import get_project
from app.deliverables.models import Milestone
from app.deliverables.services import (
    MILESTONE_CODE_RE,
    _apply,
    _clean_text,
    _code_taken,
    _commit_edit,
    _commit_or_code_taken,
    local_today,
    resolve_due,
)
from app.extensions import db
from app.groups.models import WorkingGroup

# Milestones -------------------------------------------------------------------------------------


def _milestone_values(current: Milestone | None, values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise a milestone's fields; raise FieldErrors listing every problem."""
    errors: dict[str, str] = {}
    code = (values.get("code") or "").strip().upper()
    if not MILESTONE_CODE_RE.match(code):
        errors["code"] = _("Use the grant agreement's code, e.g. MS3.")
    elif _code_taken(Milestone, code, current.id if current else None):
        errors["code"] = _("Another milestone already has this code.")
    title_en = (values.get("title_en") or "").strip()
    if not title_en:
        errors["title_en"] = _("This field is required.")
    project = get_project()
    due_month = due_on = None
    try:
        due_month, due_on = resolve_due(project, values["due"])
    except FieldErrors as exc:
        errors.update(exc.errors)
    achieved_on = values.get("achieved_on")
    if achieved_on is not None and project is not None and achieved_on < project.start_on:
        errors["achieved_on"] = _("This date is before the project began.")
    elif achieved_on is not None and achieved_on > local_today():
        errors["achieved_on"] = _("This date is in the future.")
    if errors:
        raise FieldErrors(errors)
    return {
        "code": code,
        "title_en": title_en,
        "title_zh": _clean_text(values.get("title_zh")),
        "due_month": due_month,
        "due_on": due_on,
        "verification": (values.get("verification") or "").strip(),
        "achieved_on": achieved_on,
    }


def create_milestone(group: WorkingGroup, *, actor: User, **values: Any) -> Milestone:
    """Add a milestone to a group; raise FieldErrors if a field is not right."""
    clean = _milestone_values(None, values)
    milestone = Milestone(group=group, **clean)
    db.session.add(milestone)
    db.session.flush()
    audit.record(
        "milestone.created", actor=actor, target=milestone, group=group.code, code=milestone.code
    )
    _commit_or_code_taken(_("Another milestone already has this code."))
    return milestone


def update_milestone(
    milestone: Milestone, *, actor: User, expected_version: int | None, **values: Any
) -> dict[str, list]:
    """Save a milestone (its achieved date too); return what changed as {field: [old, new]}.

    Raises StaleEdit if it was saved since the form was loaded, FieldErrors if a field is
    not right; nothing changes then.
    """
    if expected_version is not None:
        expect_version(milestone, expected_version)
    clean = _milestone_values(milestone, values)
    with db.session.no_autoflush:  # the commit, guarded by the version counter, flushes
        changes = _apply(milestone, clean)
        if not changes:
            db.session.rollback()
            return changes
        audit.record(
            "milestone.updated", actor=actor, target=milestone, code=milestone.code, changes=changes
        )
    _commit_edit(milestone, _("Another milestone already has this code."))
    return changes
