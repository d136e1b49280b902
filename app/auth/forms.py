"""Forms of sign-in, password reset and the profile."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.auth.passwords import password_length_ok
from app.core.forms import BaseForm, IdSelectField
from app.core.i18n import LANGUAGE_NAMES, all_timezones, country_choices, is_valid_timezone
from app.organisations.services import organisation_choices

REQUIRED = _l("This field is required.")


def password_policy(_form: BaseForm, field: PasswordField) -> None:
    if field.data and not password_length_ok(field.data):
        config = current_app.config
        raise ValidationError(
            _(
                "Use between %(min)d and %(max)d characters.",
                min=config["PASSWORD_MIN_LENGTH"],
                max=config["PASSWORD_MAX_LENGTH"],
            )
        )


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=1024)])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    submit = SubmitField(_l("Send the link"))


class NewPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(REQUIRED), password_policy]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    submit = SubmitField(_l("Save the new password"))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])


def timezone_valid(_form: BaseForm, field: SelectField) -> None:
    if not is_valid_timezone(field.data):
        raise ValidationError(_("Choose a time zone from the list."))


class ProfileForm(BaseForm):
    name = StringField(
        _l("Name (Latin script)"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=120)])
    organisation_id = IdSelectField(_l("Organisation"), validators=[Optional()])
    country = SelectField(_l("Country / region"), validators=[Optional()], validate_choice=True)
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    expertise = TextAreaField(_l("Expertise"), validators=[Optional(), Length(max=2000)])
    locale = SelectField(_l("Preferred language"), validate_choice=True)
    timezone = SelectField(_l("Time zone"), validators=[timezone_valid], validate_choice=False)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "—"), *country_choices()]
        self.organisation_id.choices = organisation_choices()
        self.locale.choices = [("", _l("Follow my browser")), *LANGUAGE_NAMES.items()]
        self.timezone.choices = [(tz, tz.replace("_", " ")) for tz in all_timezones()]


class EmailChangeForm(BaseForm):
    """Ask for a new e-mail address; the field names differ from the password form's."""

    new_email = EmailField(
        _l("New e-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    email_password = PasswordField(
        _l("Current password"), validators=[DataRequired(REQUIRED), Length(max=1024)]
    )
    submit = SubmitField(_l("Send the confirmation link"))
