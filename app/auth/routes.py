"""Sign-in, sign-out, password reset and the profile."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services
from app.auth.forms import (
    ChangePasswordForm,
    EmailChangeForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    ResetRequestForm,
)
from app.auth.passwords import verify_password
from app.core.errors import ServiceError, show_on_form
from app.core.forms import ButtonForm
from app.core.i18n import SESSION_LANGUAGE_KEY, current_language
from app.core.urls import safe_next
from app.extensions import limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _start_session(user, remember: bool) -> None:
    """Renew the session at sign-in (no fixation), keeping the language the visitor chose."""
    language = session.get(SESSION_LANGUAGE_KEY)
    session.clear()
    if language:
        session[SESSION_LANGUAGE_KEY] = language
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and sign the visitor in."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.outcome is services.SignInOutcome.SUCCESS:
            _start_session(result.user, remember=form.remember.data)
            return redirect(next_url or url_for("dashboard.home"))
        if result.outcome is services.SignInOutcome.LOCKED:
            form.form_errors.append(_("Too many attempts, please try again later."))
            status = 429
        else:
            form.form_errors.append(_("The e-mail address or the password is not right."))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 200
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out and forget the session (the language choice stays)."""
    services.record_logout(current_user)
    language = session.get(SESSION_LANGUAGE_KEY) or current_language()
    logout_user()
    session.clear()
    session[SESSION_LANGUAGE_KEY] = language
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def request_reset():
    """Ask for a password-reset link by e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, current_language())
        flash(
            _(
                "If an account uses this address, a link to reset its password is on its way. "
                "It works once, for a limited time."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from the link in the e-mail."""
    if len(token) > 500:
        abort(404)
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Your password has been changed. Please sign in with it."), "success")
        logout_user()
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit the signed-in user's profile."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            **{field: getattr(form, field).data for field in services.PROFILE_FIELDS},
        )
        if current_user.locale:
            session[SESSION_LANGUAGE_KEY] = current_user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=ChangePasswordForm())


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    """Change the signed-in user's password after checking the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is not right."))
        else:
            services.change_password(current_user, form.password.data)
            login_user(
                current_user._get_current_object()
            )  # the session token changed: keep this session alive
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html", form=ProfileForm(obj=current_user), password_form=form
    ), 400


# E-mail change and personal data --------------------------------------------------------------


@bp.context_processor
def _profile_forms():
    """Let the profile page build the e-mail change form when the view did not pass one."""
    return {"email_change_form": lambda: EmailChangeForm(formdata=None)}


# Limited: each request checks a password and e-mails an address the member typed.
@bp.route("/profile/email", methods=["POST"])
@limiter.limit("10 per hour")
@login_required
def request_email_change():
    """E-mail a confirmation link to a new address, once the current password is right."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.email_password.data):
            form.email_password.errors.append(_("The current password is not right."))
        else:
            try:
                new_email = services.request_email_change(
                    current_user,
                    form.new_email.data,
                    locale=current_user.locale or current_language(),
                )
            except ServiceError as exc:
                show_on_form(form, exc, "new_email")
            else:
                flash(
                    _(
                        "A confirmation link is on its way to %(email)s. Your address changes "
                        "when you open it.",
                        email=new_email,
                    ),
                    "info",
                )
                return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html",
        form=ProfileForm(formdata=None, obj=current_user),
        password_form=ChangePasswordForm(formdata=None),
        email_form=form,
    )


@bp.route("/profile/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """Show the change the link asks for (GET); make it when the person confirms (POST).

    Opening the link changes nothing: a mail scanner that follows every link must not change
    an address. The signed token is the proof, so no session is needed: the link works signed
    out, and signed in as someone else it changes the account the token names, never the
    signed-in one.
    """
    if len(token) > 1000:
        abort(404)
    change = services.email_change_from_token(token)
    if change is None:
        return render_template("auth/email_change_invalid.html"), 404
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template("auth/email_change_confirm.html", change=change, token=token)
    try:
        services.confirm_email_change(change, locale=change.user.locale or current_language())
    except ServiceError as exc:
        return render_template("auth/email_change_invalid.html", message=exc.message), 409
    flash(_("The account's e-mail address is now %(email)s.", email=change.new_email), "success")
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.id == change.user.id:
        return redirect(url_for("auth.profile"))
    return redirect(url_for("dashboard.home"))
