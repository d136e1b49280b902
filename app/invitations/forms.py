"""The form an invitee fills in to create their account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.forms import REQUIRED, password_policy, timezone_valid
from app.core.forms import BaseForm
from app.core.i18n import LANGUAGE_NAMES, all_timezones


class AcceptInvitationForm(BaseForm):
    name = StringField(
        _l("Name (Latin script)"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), password_policy])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    locale = SelectField(_l("Preferred language"), validate_choice=True)
    timezone = SelectField(_l("Time zone"), validators=[timezone_valid], validate_choice=False)
    submit = SubmitField(_l("Create my account"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(LANGUAGE_NAMES.items())
        self.timezone.choices = [(tz, tz.replace("_", " ")) for tz in all_timezones()]
