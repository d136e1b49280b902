"""Working-group pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.groups import services
from app.groups.models import WorkingGroup
from app.permissions import group_role, require

bp = Blueprint("groups", __name__, template_folder="templates")


def get_group(slug: str) -> WorkingGroup:
    """Load a group by its slug or answer 404, then require that the user may see it."""
    group = services.get_group_by_slug(slug)
    if group is None:
        abort(404)
    require("group.view", group)
    return group


@bp.route("/")
@login_required
def index():
    """List the working groups the user may open."""
    return render_template("groups/index.html", groups=services.visible_groups(current_user))


@bp.route("/<slug>/")
@login_required
def home(slug: str):
    """Show a group's home: its description and members."""
    group = get_group(slug)
    return render_template(
        "groups/home.html",
        group=group,
        members=services.members_of(group),
        my_role=group_role(current_user, group),
    )
