"""Deliverables pages: the coordinator dashboard, each group's deliverables and milestones,
a deliverable's page and workflow, the timeline and the exports.

The dashboard lives under /deliverables/ (coordinators and administrators); a group's pages
under /groups/<slug>/deliverables/ (whoever may see the group).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import FieldErrors, ServiceError, StaleEdit, show_on_form
from app.core.paging import page_arg
from app.core.project import get_project
from app.deliverables import exports, services, timeline, tracking
from app.deliverables import milestones as milestone_service
from app.deliverables.forms import (
    DeliverableFilterForm,
    DeliverableForm,
    MilestoneForm,
    MoveForm,
    ReviewForm,
)
from app.deliverables.models import Deliverable, DeliverableStatus, Milestone
from app.groups.loaders import load_group
from app.groups.models import WorkingGroup
from app.groups.services import visible_groups
from app.permissions import can, require

bp = Blueprint("deliverables", __name__, template_folder="templates")


#: Where a group's deliverables pages live.
GROUP = "/groups/<slug>/deliverables"

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Loading --------------------------------------------------------------------------------------


def get_deliverable(group: WorkingGroup, deliverable_id: int) -> Deliverable:
    """Load one of the group's deliverables, or answer 404 (also for another group's id)."""
    deliverable = services.get_deliverable(group, deliverable_id)
    if deliverable is None:
        abort(404)
    return deliverable


def get_milestone(group: WorkingGroup, milestone_id: int) -> Milestone:
    """Load one of the group's milestones, or answer 404 (also for another group's id)."""
    milestone = services.get_milestone(group, milestone_id)
    if milestone is None:
        abort(404)
    return milestone


def _filters(form: DeliverableFilterForm, groups: list[WorkingGroup]) -> tracking.Filters:
    """Return the table's filters from the query string; values not offered are ignored."""
    form.validate()
    slug = form.valid_value("group")
    status = form.valid_value("status")
    state = form.valid_value("state")
    return tracking.Filters(
        group_id=next((g.id for g in groups if g.slug == slug), None),
        work_package=form.valid_value("work_package"),
        status=DeliverableStatus(status) if status else None,
        state=tracking.DeliverableState(state) if state else None,
        sort=tracking.DeliverableSort(form.valid_value("sort") or "due"),
    )


def _table_args() -> dict[str, str]:
    """Return the filter arguments of the current page (to carry to exports and pages)."""
    keys = ("group", "work_package", "status", "state", "sort")
    return {key: request.args[key] for key in keys if request.args.get(key)}


# The coordinator dashboard ----------------------------------------------------------------------


def _consortium_filters() -> tuple[DeliverableFilterForm, tracking.Filters]:
    groups = visible_groups(current_user)
    form = DeliverableFilterForm(request.args, groups=groups, packages=services.work_packages())
    return form, _filters(form, groups)


@bp.route("/deliverables/")
@login_required
def dashboard():
    """Show every group's deliverables: counts, what is late and due, the table, milestones."""
    require("deliverables.track")
    today = services.local_today()
    form, filters = _consortium_filters()
    return render_template(
        "deliverables/dashboard.html",
        today=today,
        filters=form,
        table_args=_table_args(),
        summary=tracking.summarise(today=today),
        pagination=tracking.list_deliverables(filters, today=today, page=page_arg()),
        milestone_tally=tracking.tally_milestones(today=today),
        milestones=tracking.pressing_milestones(today=today),
        due_soon_days=tracking.DUE_SOON_DAYS,
    )


@bp.route("/deliverables/export.csv")
@login_required
def export_csv():
    """Download every group's deliverables (as filtered) as CSV, in the reader's language."""
    require("deliverables.track")
    _form, filters = _consortium_filters()
    return _csv_response(filters, None)


@bp.route("/deliverables/export.xlsx")
@login_required
def export_xlsx():
    """Download every group's deliverables (as filtered) as an Excel workbook."""
    require("deliverables.track")
    _form, filters = _consortium_filters()
    return _xlsx_response(filters, None)


@bp.route("/deliverables/timeline")
@login_required
def timeline_view():
    """Draw every group's deliverables and milestones over the project's months."""
    require("deliverables.track")
    return _render_timeline(None)


# A group's deliverables -----------------------------------------------------------------------


def _group_filters(group: WorkingGroup) -> tuple[DeliverableFilterForm, tracking.Filters]:
    form = DeliverableFilterForm(
        request.args, packages=services.work_packages(group), with_group=False
    )
    return form, _filters(form, [])


@bp.route(f"{GROUP}/")
@login_required
def group_index(slug: str):
    """Show a group's deliverables (counts, table) and milestones."""
    group = load_group(slug)
    today = services.local_today()
    form, filters = _group_filters(group)
    return render_template(
        "deliverables/group_index.html",
        group=group,
        today=today,
        filters=form,
        table_args=_table_args(),
        summary=tracking.summarise(today=today, group=group),
        pagination=tracking.list_deliverables(filters, today=today, group=group, page=page_arg()),
        milestone_tally=tracking.tally_milestones(today=today, group=group),
        milestones=tracking.milestones_page(group, page=page_arg("mpage")),
        due_soon_days=tracking.DUE_SOON_DAYS,
    )


@bp.route(f"{GROUP}/export.csv")
@login_required
def group_export_csv(slug: str):
    """Download a group's deliverables (as filtered) as CSV, in the reader's language."""
    group = load_group(slug)
    _form, filters = _group_filters(group)
    return _csv_response(filters, group)


@bp.route(f"{GROUP}/export.xlsx")
@login_required
def group_export_xlsx(slug: str):
    """Download a group's deliverables (as filtered) as an Excel workbook."""
    group = load_group(slug)
    _form, filters = _group_filters(group)
    return _xlsx_response(filters, group)


@bp.route(f"{GROUP}/timeline")
@login_required
def group_timeline(slug: str):
    """Draw a group's deliverables and milestones over the project's months."""
    return _render_timeline(load_group(slug))


def _export_name(group: WorkingGroup | None, today, extension: str) -> str:
    scope = f"-{group.slug}" if group is not None else ""
    return f"deliverables{scope}-{today.isoformat()}.{extension}"


def _csv_response(filters: tracking.Filters, group: WorkingGroup | None) -> Response:
    today = services.local_today()
    rows = tracking.iter_deliverables(filters, today=today, group=group)
    return Response(
        stream_with_context(exports.csv_chunks(rows, today)),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{_export_name(group, today, "csv")}"'
        },
    )


def _xlsx_response(filters: tracking.Filters, group: WorkingGroup | None) -> Response:
    today = services.local_today()
    rows = tracking.iter_deliverables(filters, today=today, group=group)
    workbook = exports.xlsx_file(rows, today, sheet_title=_("Deliverables"))
    return send_file(
        workbook,
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=_export_name(group, today, "xlsx"),
    )


def _render_timeline(group: WorkingGroup | None):
    project = get_project()
    today = services.local_today()
    drawing = None
    if project is not None:
        deliverables, milestones = tracking.timeline_items(group=group)
        drawing = timeline.build(
            project,
            deliverables,
            milestones,
            today=today,
            deliverable_url=lambda d: url_for(
                "deliverables.detail", slug=d.group.slug, deliverable_id=d.id
            ),
        )
    if group is not None:
        title = _("Timeline of %(group)s", group=f"{group.code} {group.name}")
    else:
        title = _("Timeline of every working group")
    return render_template(
        "deliverables/timeline.html",
        title=title,
        group=group,
        project=project,
        today=today,
        drawing=drawing,
        colours=timeline.COLOURS,
    )


# Creating and editing -------------------------------------------------------------------------


def _responsible_choices(group: WorkingGroup, current: Deliverable | None) -> list:
    people = services.responsible_candidates(group)
    if (
        current is not None
        and current.responsible is not None
        and current.responsible not in people
    ):
        people.append(current.responsible)
    return [(str(person.id), person.display_name) for person in people]


@bp.route(f"{GROUP}/new", methods=["GET", "POST"])
@login_required
def create(slug: str):
    """Add a deliverable to the group (its leads, coordinators, administrators)."""
    group = load_group(slug)
    require("deliverable.manage", group)
    form = DeliverableForm(responsible_choices=_responsible_choices(group, None))
    if form.validate_on_submit():
        try:
            deliverable = services.create_deliverable(group, actor=current_user, **form.values())
        except FieldErrors as exc:
            show_on_form(form, exc)
        else:
            flash(_("The deliverable %(code)s has been added.", code=deliverable.code), "success")
            return redirect(url_for(".detail", slug=group.slug, deliverable_id=deliverable.id))
    return render_template(
        "deliverables/form.html", group=group, form=form, deliverable=None, project=get_project()
    )


@bp.route(f"{GROUP}/<int:deliverable_id>")
@login_required
def detail(slug: str, deliverable_id: int):
    """Show a deliverable, its history, and the workflow steps the user may take."""
    group = load_group(slug)
    return render_detail(group, get_deliverable(group, deliverable_id))


def _version_choices(group: WorkingGroup) -> list[tuple[str, str]]:
    """Return the documents a deliverable of the group can be submitted with, as choices."""
    choices = [("", _("Choose a document"))]
    for version in services.submittable_versions(group):
        label = _(
            "%(title)s — version %(number)d — %(filename)s",
            title=version.document.title,
            number=version.number,
            filename=version.filename,
        )
        choices.append((str(version.id), label))
    return choices


def render_detail(
    group: WorkingGroup,
    deliverable: Deliverable,
    *,
    move_form: MoveForm | None = None,
    review_form: ReviewForm | None = None,
    error: str | None = None,
):
    """Render a deliverable's page; forms given are shown with their errors."""
    step = services.next_step(deliverable)
    move_form = move_form or MoveForm(formdata=None)
    if step is not None:
        move_form.to.data = step.value
    if step == DeliverableStatus.SUBMITTED and can(
        current_user, "deliverable.progress", deliverable
    ):
        move_form.version_id.choices = _version_choices(group)
        move_form.version_id.flags.required = True
    return render_template(
        "deliverables/detail.html",
        group=group,
        deliverable=deliverable,
        events=services.history(deliverable),
        step=step,
        move_form=move_form,
        review_form=review_form or ReviewForm(formdata=None),
        error=error,
        today=services.local_today(),
        project=get_project(),
    )


@bp.route(f"{GROUP}/<int:deliverable_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, deliverable_id: int):
    """Edit a deliverable's code, titles, description, people, type and due date."""
    group = load_group(slug)
    deliverable = get_deliverable(group, deliverable_id)
    require("deliverable.manage", deliverable)
    choices = _responsible_choices(group, deliverable)
    if request.method == "GET":
        form = DeliverableForm(obj=deliverable, responsible_choices=choices)
        project = get_project()
        form.due.data = services.due_text(
            deliverable.due_month, deliverable.due_on, project.start_on if project else None
        )
    else:
        form = DeliverableForm(responsible_choices=choices)
    if form.validate_on_submit():
        try:
            changes = services.update_deliverable(
                deliverable, actor=current_user, expected_version=form.version.data, **form.values()
            )
        except FieldErrors as exc:
            show_on_form(form, exc)
        except StaleEdit:
            flash(
                _(
                    "Someone else saved this deliverable after you opened the form: "
                    "here it is as it is now."
                ),
                "warning",
            )
            return redirect(url_for(".edit", slug=group.slug, deliverable_id=deliverable_id))
        else:
            if changes:
                flash(
                    _("The deliverable %(code)s has been saved.", code=deliverable.code), "success"
                )
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".detail", slug=group.slug, deliverable_id=deliverable.id))
    return render_template(
        "deliverables/form.html",
        group=group,
        form=form,
        deliverable=deliverable,
        project=get_project(),
    )


# The workflow ---------------------------------------------------------------------------------


@bp.route(f"{GROUP}/<int:deliverable_id>/move", methods=["POST"])
@login_required
def move(slug: str, deliverable_id: int):
    """Move a deliverable one step up the workflow, up to "submitted" (with its document)."""
    group = load_group(slug)
    deliverable = get_deliverable(group, deliverable_id)
    require("deliverable.progress", deliverable)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_detail(group, deliverable, move_form=form)
    try:
        services.move_deliverable(
            deliverable,
            form.target,
            actor=current_user,
            comment=form.comment.data,
            version_id=form.chosen_version_id,
        )
    except ServiceError as exc:
        if exc.field:
            show_on_form(form, exc)
            return render_detail(group, get_deliverable(group, deliverable_id), move_form=form)
        return render_detail(group, get_deliverable(group, deliverable_id), error=exc.message)
    flash(
        _(
            "%(code)s is now %(status)s.",
            code=deliverable.code,
            status=deliverable.status.label.lower(),
        ),
        "success",
    )
    return redirect(url_for(".detail", slug=group.slug, deliverable_id=deliverable.id))


@bp.route(f"{GROUP}/<int:deliverable_id>/review", methods=["POST"])
@login_required
def review(slug: str, deliverable_id: int):
    """Approve or return a submitted deliverable, with a comment (coordinators, admins)."""
    group = load_group(slug)
    deliverable = get_deliverable(group, deliverable_id)
    require("deliverable.review", deliverable)
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_detail(group, deliverable, review_form=form)
    try:
        services.move_deliverable(
            deliverable, form.target, actor=current_user, comment=form.comment.data
        )
    except ServiceError as exc:
        if exc.field:
            show_on_form(form, exc)
            return render_detail(group, get_deliverable(group, deliverable_id), review_form=form)
        return render_detail(group, get_deliverable(group, deliverable_id), error=exc.message)
    if deliverable.status == DeliverableStatus.APPROVED:
        message = _("%(code)s has been approved.", code=deliverable.code)
    else:
        message = _("%(code)s has been returned to the group.", code=deliverable.code)
    flash(message, "success")
    return redirect(url_for(".detail", slug=group.slug, deliverable_id=deliverable.id))


# Milestones -----------------------------------------------------------------------------------


@bp.route(f"{GROUP}/milestones/new", methods=["GET", "POST"])
@login_required
def create_milestone(slug: str):
    """Add a milestone to the group (its leads, coordinators, administrators)."""
    group = load_group(slug)
    require("deliverable.manage", group)
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            milestone = milestone_service.create_milestone(
                group, actor=current_user, **form.values()
            )
        except FieldErrors as exc:
            show_on_form(form, exc)
        else:
            flash(_("The milestone %(code)s has been added.", code=milestone.code), "success")
            return redirect(url_for(".group_index", slug=group.slug) + "#milestones")
    return render_template(
        "deliverables/milestone_form.html", group=group, form=form, milestone=None
    )


@bp.route(f"{GROUP}/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit_milestone(slug: str, milestone_id: int):
    """Edit a milestone, or record the day it was reached."""
    group = load_group(slug)
    milestone = get_milestone(group, milestone_id)
    require("deliverable.manage", milestone)
    if request.method == "GET":
        form = MilestoneForm(obj=milestone)
        project = get_project()
        form.due.data = services.due_text(
            milestone.due_month, milestone.due_on, project.start_on if project else None
        )
    else:
        form = MilestoneForm()
    if form.validate_on_submit():
        try:
            changes = milestone_service.update_milestone(
                milestone, actor=current_user, expected_version=form.version.data, **form.values()
            )
        except FieldErrors as exc:
            show_on_form(form, exc)
        except StaleEdit:
            flash(
                _(
                    "Someone else saved this milestone after you opened the form: "
                    "here it is as it is now."
                ),
                "warning",
            )
            return redirect(url_for(".edit_milestone", slug=group.slug, milestone_id=milestone_id))
        else:
            if changes:
                flash(_("The milestone %(code)s has been saved.", code=milestone.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".group_index", slug=group.slug) + "#milestones")
    return render_template(
        "deliverables/milestone_form.html", group=group, form=form, milestone=milestone
    )
