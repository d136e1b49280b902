"""Account management (administrators) and the audit log (administrators and coordinators)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.admin import services
from app.admin.audit_entries import audit_entries
from app.admin.forms import (
    AccountFilterForm,
    AuditFilterForm,
    ConfirmImportForm,
    EraseForm,
    ImportForm,
    SiteRoleForm,
    invite_form,
)
from app.auth.models import SiteRole, User
from app.core.errors import ServiceError, show_on_form
from app.core.i18n import select_timezone
from app.core.paging import page_arg
from app.extensions import db
from app.groups.services import visible_groups
from app.invitations import services as invitations
from app.invitations.models import Invitation
from app.permissions import require

bp = Blueprint("admin", __name__, template_folder="templates")


def get_account(user_id: int) -> User:
    """Require the right to manage accounts, then load the account or answer 404."""
    require("accounts.manage")
    user = services.get_account(user_id)
    if user is None:
        abort(404)
    return user


def get_invitation(invitation_id: int) -> Invitation:
    """Require the right to manage accounts, then load the invitation or answer 404."""
    require("accounts.manage")
    invitation = services.get_invitation(invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def back_to_account(user: User):
    """Redirect to the account's admin page (after an action on it)."""
    return redirect(url_for("admin.user", user_id=user.id))


# The account list and invitations ----------------------------------------------------------------


@bp.route("/users")
@login_required
def users():
    """List accounts (or open invitations), searched, filtered and paginated."""
    require("accounts.manage")
    form = AccountFilterForm(
        request.args,
        groups=services.filter_groups(),
        countries=services.countries_of_accounts(),
    )
    form.validate()
    filters = form.filters()
    page = page_arg()
    if filters.status == services.AccountStatus.INVITED:
        pagination = services.search_invitations(filters, page)
    else:
        pagination = services.search_accounts(filters, page)
    return render_template(
        "admin/users.html",
        form=form,
        pagination=pagination,
        invited=filters.status == services.AccountStatus.INVITED,
        query_args=form.query_args(),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@login_required
def invite():
    """Invite a person by e-mail, with a site role and a role in any working groups."""
    require("accounts.manage")
    form = invite_form(visible_groups(current_user))
    if form.validate_on_submit():
        try:
            invitations.invite(
                form.email.data,
                inviter=current_user,
                organisation=services.get_organisation(form.organisation_id.data),
                **form.invitation_values(),
            )
        except ServiceError as exc:
            db.session.rollback()
            show_on_form(form, exc, "email")
        else:
            flash(_("The invitation to %(email)s is on its way.", email=form.email.data), "success")
            return redirect(url_for("admin.users", status=services.AccountStatus.INVITED))
    return render_template("admin/invite.html", form=form)


def _invitation_action(invitation_id: int, action, done: str):
    """Resend or revoke an invitation, flash the outcome, and go back to the invitations."""
    invitation = get_invitation(invitation_id)
    try:
        action(invitation, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(done, "success")
    return redirect(url_for("admin.users", status=services.AccountStatus.INVITED))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@login_required
def resend_invitation(invitation_id: int):
    """Send an invitation again with a new link (valid for another week)."""
    return _invitation_action(
        invitation_id, invitations.resend, _("The invitation has been sent again.")
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(invitation_id: int):
    """Withdraw an invitation: its link stops working at once."""
    return _invitation_action(
        invitation_id, invitations.revoke, _("The invitation has been revoked.")
    )


# One account -------------------------------------------------------------------------------------


def _render_account(user: User, erase_form: EraseForm | None = None, status: int = 200):
    return render_template(
        "admin/user.html",
        user=user,
        role_form=SiteRoleForm(site_role=user.site_role.value),
        erase_form=erase_form or EraseForm(expected_email=user.email),
        entries=audit_entries(services.recent_events_of(user), current_user),
    ), status


@bp.route("/users/<int:user_id>")
@login_required
def user(user_id: int):
    """Show an account: details, groups, recent history and the actions on it."""
    return _render_account(get_account(user_id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(user_id: int):
    """Give an account another site role."""
    user = get_account(user_id)
    form = SiteRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a site role from the list."), "danger")
        return back_to_account(user)
    try:
        changed = services.change_site_role(user, SiteRole(form.site_role.data), actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        if changed:
            flash(_("The site role is now %(role)s.", role=user.site_role.label), "success")
        else:
            flash(_("The account already had this site role."), "info")
    return back_to_account(user)


def _account_action(user_id: int, action, done: str, unchanged: str | None = None):
    """Run an action on an account, flash its outcome, and go back to the account page."""
    user = get_account(user_id)
    try:
        changed = action(user, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        if changed is False and unchanged:
            flash(unchanged, "info")
        else:
            flash(done, "success")
    return back_to_account(user)


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@login_required
def send_reset_link(user_id: int):
    """E-mail the account a link to set a new password."""
    return _account_action(
        user_id,
        services.send_password_reset_link,
        _("A password-reset link has been sent to the account's address."),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate(user_id: int):
    """Deactivate an account; its open sessions stop working at once."""
    return _account_action(
        user_id,
        services.deactivate_account,
        _("The account has been deactivated and signed out everywhere."),
        _("The account was already deactivated."),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    return _account_action(
        user_id,
        services.reactivate_account,
        _("The account has been reactivated."),
        _("The account was already active."),
    )


@bp.route("/users/<int:user_id>/erase", methods=["POST"])
@login_required
def erase(user_id: int):
    """Erase a departed member's personal data, once their e-mail address is typed again."""
    user = get_account(user_id)
    form = EraseForm(expected_email=user.email)
    if not form.validate_on_submit():
        return _render_account(user, erase_form=form)
    try:
        services.erase_account(user, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The person's data has been erased."), "success")
    return back_to_account(user)


# Inviting from a file ----------------------------------------------------------------------------


def _render_import(form=None, rows=None, payload=None, file_error=None):
    confirm = ConfirmImportForm(payload=payload) if payload else None
    return render_template(
        "admin/import.html",
        form=form or ImportForm(),
        rows=rows,
        file_error=file_error,
        confirm_form=confirm if rows and all(r.is_valid for r in rows) else None,
        columns=invitations.IMPORT_COLUMNS,
        max_rows=invitations.MAX_IMPORT_ROWS,
        max_kb=invitations.MAX_IMPORT_BYTES // 1024,
    )


@bp.route("/users/import", methods=["GET", "POST"])
@login_required
def import_users():
    """Upload a CSV file of people to invite, and preview what it would do."""
    require("accounts.manage")
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_import(form)
    data = form.file.data.stream.read(invitations.MAX_IMPORT_BYTES + 1)
    try:
        rows = invitations.parse_invitation_file(data)
    except ServiceError as exc:
        return _render_import(form, file_error=exc.message)
    return _render_import(form, rows=rows, payload=invitations.encode_payload(data))


@bp.route("/users/import/confirm", methods=["POST"])
@login_required
def import_confirm():
    """Check the previewed file again and send all its invitations, or none."""
    require("accounts.manage")
    form = ConfirmImportForm()
    payload = form.payload.data if form.validate_on_submit() else ""
    try:
        rows = invitations.parse_invitation_file(invitations.decode_payload(payload))
        if not all(row.is_valid for row in rows):
            return _render_import(rows=rows, payload=payload)
        sent = invitations.invite_many(rows, inviter=current_user)
    except ServiceError as exc:
        return _render_import(file_error=exc.message)
    message = ngettext(
        "%(num)d invitation has been sent.", "%(num)d invitations have been sent.", len(sent)
    )
    flash(message, "success")
    return redirect(url_for("admin.users", status=services.AccountStatus.INVITED))


# The audit log -----------------------------------------------------------------------------------


@bp.route("/audit")
@login_required
def audit():
    """Show the audit log, newest first, filtered and paginated (read only)."""
    require("audit.read")
    form = AuditFilterForm(request.args)
    form.validate()
    pagination = services.search_audit_events(
        form.filters(select_timezone()), page_arg()
    )
    return render_template(
        "admin/audit.html",
        form=form,
        pagination=pagination,
        entries=audit_entries(pagination.items, current_user),
        query_args=form.query_args(),
        format_decimal=format_decimal,
    )
