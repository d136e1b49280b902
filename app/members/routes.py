"""The member directory, members' profiles, and the download of one's own data.

Group names and group roles are not secret within the consortium: a profile lists every
(not archived) group the person is in, with their role, whoever reads it. Only the links to
the groups' pages depend on the reader, since a group's work stays private to its members.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from app.core.paging import page_arg
from app.members import services
from app.members.forms import DirectoryFilterForm
from app.permissions import require

bp = Blueprint("members", __name__, template_folder="templates")


@bp.route("/members/")
@login_required
def directory():
    """List the consortium's members, filtered by group, place, organisation and expertise."""
    require("portal.use")
    form = DirectoryFilterForm(
        request.args,
        groups=services.open_groups(),
        countries=services.countries_in_directory(),
    )
    form.validate()
    pagination = services.directory_page(form.filters(), page=page_arg())
    return render_template("members/directory.html", form=form, pagination=pagination)


@bp.route("/members/<int:user_id>")
@login_required
def profile(user_id: int):
    """Show a member's profile: who they are, how to reach them, their groups, their time."""
    person = services.get_person(user_id)
    if person is None:
        abort(404)
    require("profile.view", person)
    return render_template(
        "members/profile.html",
        person=person,
        memberships=services.current_memberships(person),
        local_time=services.local_time(person),
    )


@bp.route("/profile/data.json")
@login_required
def export_data():
    """Download, as a JSON file, everything the portal holds about the signed-in member."""
    data = services.export_personal_data(current_user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="ic2permed-my-data.json"',
            "Cache-Control": "no-store",
        },
    )
