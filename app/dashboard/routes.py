"""The dashboard: what a signed-in user sees first."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.core.project import get_project
from app.groups.services import memberships_of, visible_groups
from app.permissions import sees_all_groups

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.route("/")
@login_required
def home():
    """List the user's working groups and their role in each."""
    memberships = memberships_of(current_user)
    other_groups = []
    if sees_all_groups(current_user):
        mine = {m.group_id for m in memberships}
        other_groups = [g for g in visible_groups(current_user) if g.id not in mine]
    return render_template(
        "dashboard/home.html",
        memberships=memberships,
        other_groups=other_groups,
        project=get_project(),
    )
