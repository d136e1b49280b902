"""Working-group pages: the list, a group's home, running groups and managing members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import FieldErrors, ServiceError, show_on_form
from app.core.paging import page_arg
from app.groups import services
from app.groups.forms import (
    AddMemberForm,
    CandidateSearchForm,
    ChangeRoleForm,
    GroupForm,
    role_choices,
)
from app.groups.loaders import load_group
from app.groups.models import Membership, WorkingGroup
from app.permissions import can, group_role, require

bp = Blueprint("groups", __name__, template_folder="templates")


def get_membership(group: WorkingGroup, membership_id: int) -> Membership:
    """Load one of the group's memberships, or answer 404 (also for another group's id)."""
    membership = services.get_membership(group, membership_id)
    if membership is None:
        abort(404)
    return membership


def render_home(group: WorkingGroup, *, errors: dict[int, list[str]] | None = None, message=None):
    """Render a group's home; `errors` are shown next to the member rows they concern."""
    return render_template(
        "groups/home.html",
        group=group,
        members=services.members_page(group, page=page_arg()),
        my_role=group_role(current_user, group),
        role_choices=role_choices(),
        row_errors=errors or {},
        error_message=message,
    )


# Groups ---------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """List the working groups the user may open (archived ones on request, for coordinators)."""
    archived = request.args.get("archived") == "1" and can(current_user, "group.archive")
    cards, pagination = services.group_cards(current_user, archived=archived, page=page_arg())
    return render_template(
        "groups/index.html", cards=cards, pagination=pagination, archived=archived
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Create a working group (coordinators and administrators)."""
    require("group.create")
    form = GroupForm()
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.GROUP_FIELDS}
        try:
            group = services.create_group(actor=current_user, **values)
        except FieldErrors as exc:
            show_on_form(form, exc)
        else:
            flash(_("The working group %(code)s has been created.", code=group.code), "success")
            return redirect(url_for("groups.home", slug=group.slug))
    return render_template("groups/edit.html", form=form, group=None)


@bp.route("/<slug>/")
@login_required
def home(slug: str):
    """Show a group's home: its description and members (and, to managers, the controls)."""
    return render_home(load_group(slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Edit a group's code, address, names, descriptions and priority."""
    group = load_group(slug)
    require("group.edit", group)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.GROUP_FIELDS}
        try:
            changes = services.update_group(group, actor=current_user, **values)
        except FieldErrors as exc:
            show_on_form(form, exc)
        else:
            if changes:
                flash(_("The working group %(code)s has been saved.", code=group.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("groups.home", slug=group.slug))
    return render_template("groups/edit.html", form=form, group=group)


@bp.route("/<slug>/archive", methods=["POST"])
@login_required
def archive(slug: str):
    """Archive a group: it becomes read-only and leaves the default lists."""
    group = load_group(slug)
    require("group.archive", group)
    if services.archive_group(group, actor=current_user):
        flash(_("The working group %(code)s has been archived.", code=group.code), "success")
    else:
        flash(_("The working group %(code)s is already archived.", code=group.code), "info")
    return redirect(url_for("groups.home", slug=group.slug))


@bp.route("/<slug>/restore", methods=["POST"])
@login_required
def restore(slug: str):
    """Bring an archived group back into use."""
    group = load_group(slug)
    require("group.archive", group)
    if services.restore_group(group, actor=current_user):
        flash(_("The working group %(code)s has been restored.", code=group.code), "success")
    else:
        flash(_("The working group %(code)s is not archived.", code=group.code), "info")
    return redirect(url_for("groups.home", slug=group.slug))


# Members --------------------------------------------------------------------------------------


@bp.route("/<slug>/members/candidates")
@login_required
def candidates(slug: str):
    """Answer the search-as-you-type: up to 10 active accounts outside the group (JSON)."""
    group = load_group(slug)
    require("group.manage_members", group)
    search = CandidateSearchForm(request.args)
    if not search.validate():
        return jsonify(candidates=[], errors=search.errors), 400
    people = services.candidates(group, search.q.data or "")
    return jsonify(candidates=[_candidate_json(person) for person in people])


def _candidate_json(person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "name_zh": person.name_zh or "",
        "email": person.email,
        "organisation": person.organisation.name if person.organisation else "",
    }


@bp.route("/<slug>/members/add", methods=["GET", "POST"])
@login_required
def add_member(slug: str):
    """Find an existing account (by name, Chinese name, e-mail, organisation) and add it."""
    group = load_group(slug)
    require("group.manage_members", group)
    search = CandidateSearchForm(request.args)
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            membership = services.add_member(
                group, form.user_id.data, form.role.role, actor=current_user
            )
        except ServiceError as exc:
            show_on_form(form, exc)
        else:
            flash(
                _(
                    "%(name)s has joined %(group)s as %(role)s.",
                    name=membership.user.name,
                    group=group.code,
                    role=membership.role.label,
                ),
                "success",
            )
            return redirect(url_for("groups.home", slug=group.slug))
    people = services.candidates(group, search.q.data or "") if search.validate() else []
    return render_template(
        "groups/add_member.html",
        group=group,
        search=search,
        form=form,
        people=people,
        role_choices=role_choices(),
    )


@bp.route("/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, membership_id: int):
    """Give a member another role in the group (the last lead stays a lead)."""
    group = load_group(slug)
    require("group.manage_members", group)
    membership = get_membership(group, membership_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        return render_home(group, errors={membership.id: form.role.errors or [_("Try again.")]})
    name = membership.user.name
    try:
        changed = services.change_role(membership, form.role.role, actor=current_user)
    except ServiceError as exc:
        return render_home(group, errors={membership_id: [exc.message]}, message=exc.message)
    if changed:
        flash(
            _("%(name)s is now %(role)s.", name=name, role=form.role.role.label),
            "success",
        )
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("groups.home", slug=group.slug))


@bp.route("/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, membership_id: int):
    """Take a person out of the group (never its last lead)."""
    group = load_group(slug)
    require("group.manage_members", group)
    membership = get_membership(group, membership_id)
    name = membership.user.name
    try:
        services.remove_member(membership, actor=current_user)
    except ServiceError as exc:
        return render_home(group, errors={membership_id: [exc.message]}, message=exc.message)
    flash(_("%(name)s has left %(group)s.", name=name, group=group.code), "success")
    if not can(current_user, "group.view", group):  # they took themselves out
        return redirect(url_for("groups.index"))
    return redirect(url_for("groups.home", slug=group.slug))
