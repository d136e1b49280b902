"""The list of organisations: read by every member, kept by administrators and coordinators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.paging import page_arg
from app.extensions import db
from app.organisations import services
from app.organisations.forms import OrganisationFilterForm, OrganisationForm
from app.organisations.models import Organisation, OrganisationKind
from app.permissions import require

bp = Blueprint("organisations", __name__, template_folder="templates")


def get_organisation(organisation_id: int) -> Organisation:
    """Load an organisation or answer 404."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def _values(form: OrganisationForm) -> dict:
    return {
        "name_en": form.name_en.data,
        "name_zh": form.name_zh.data,
        "country": form.country.data,
        "kind": OrganisationKind(form.kind.data),
    }


def _name_taken(form: OrganisationForm) -> None:
    form.name_en.errors.append(_("An organisation with this English name already exists."))


@bp.route("/")
@login_required
def index():
    """List the organisations, filtered by country and kind, in the chosen order."""
    require("portal.use")
    filters = OrganisationFilterForm(request.args, countries=services.countries_in_use())
    filters.validate()
    kind = filters.valid_value("kind")
    pagination, rows = services.list_organisations(
        country=filters.valid_value("country"),
        kind=OrganisationKind(kind) if kind else None,
        sort=services.OrganisationSort(filters.valid_value("sort") or "name"),
        page=page_arg(),
    )
    return render_template(
        "organisations/index.html", filters=filters, pagination=pagination, rows=rows
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """Add an organisation to the list."""
    require("organisations.manage")
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            services.create_organisation(**_values(form), actor=current_user)
        except services.OrganisationNameTaken:
            _name_taken(form)
        else:
            flash(_("The organisation has been added."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    """Change an organisation's names, country or kind."""
    organisation = get_organisation(organisation_id)
    require("organisations.manage", organisation)
    form = OrganisationForm(obj=organisation)
    if not form.is_submitted():
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        try:
            services.update_organisation(organisation, **_values(form), actor=current_user)
        except services.OrganisationNameTaken:
            _name_taken(form)
        else:
            flash(_("The organisation has been saved."), "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/form.html", form=form, organisation=organisation)
