"""Inviting someone new into a group, and accepting an invitation from its e-mail link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.core.errors import ServiceError, show_on_form
from app.core.i18n import SESSION_LANGUAGE_KEY, current_language
from app.groups.loaders import load_group
from app.invitations import services
from app.invitations.forms import AcceptInvitationForm, InviteToGroupForm
from app.permissions import require

bp = Blueprint("invitations", __name__, template_folder="templates")


def _default_timezone(locale: str) -> str:
    return "Asia/Shanghai" if locale == "zh" else "Europe/Brussels"


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Let the invitee set their name, password, language and zone, and sign them in."""
    invitation = services.find_by_token(token)
    if invitation is None:
        return render_template("invitations/invalid.html"), 404
    if current_user.is_authenticated:
        logout_user()  # the link is for someone else's (new) account
    form = AcceptInvitationForm()
    if not form.is_submitted():
        form.name.data = invitation.name
        form.name_zh.data = invitation.name_zh
        form.locale.data = invitation.locale
        form.timezone.data = _default_timezone(invitation.locale)
    if form.validate_on_submit():
        try:
            user = services.accept(
                invitation,
                name=form.name.data,
                name_zh=form.name_zh.data,
                password=form.password.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        except ServiceError as exc:
            show_on_form(form, exc)
        else:
            session.clear()
            session[SESSION_LANGUAGE_KEY] = user.locale
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("invitations/accept.html", form=form, invitation=invitation)


@bp.route("/groups/<slug>/members/invite", methods=["GET", "POST"])
@login_required
def invite_member(slug: str):
    """Invite a new person by e-mail straight into the group, as a plain site member."""
    group = load_group(slug)
    require("group.manage_members", group)
    form = InviteToGroupForm()
    if request.method == "GET":
        form.locale.data = current_language()  # a likely guess; the inviter may change it
    existing_account = False
    if form.validate_on_submit():
        try:
            services.invite_to_group(
                group,
                form.email.data,
                actor=current_user,
                role=form.role.role,
                locale=form.locale.data,
                name=form.name.data,
            )
        except ServiceError as exc:
            show_on_form(form, exc, "email")
            existing_account = exc.field == "email"
        else:
            flash(_("The invitation to %(email)s is on its way.", email=form.email.data), "success")
            return redirect(url_for("groups.home", slug=group.slug))
    return render_template(
        "invitations/invite_member.html", group=group, form=form, existing_account=existing_account
    )
