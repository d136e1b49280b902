"""Accepting an invitation: the page the link in the e-mail opens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.core.errors import ServiceError, show_on_form
from app.core.i18n import SESSION_LANGUAGE_KEY
from app.invitations import services
from app.invitations.forms import AcceptInvitationForm

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
