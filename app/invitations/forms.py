"""The forms of invitations: inviting someone new into a group, and accepting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.auth.forms import REQUIRED, password_policy, timezone_valid
from app.core.forms import BaseForm, strip
from app.core.i18n import LANGUAGE_NAMES, all_timezones
from app.groups.forms import RoleField
from app.groups.models import GroupRole


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


class InviteToGroupForm(BaseForm):
    """Invite a new person by e-mail straight into a working group."""

    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Suggested name (Latin script)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
    )
    locale = SelectField(
        _l("Language of the invitation"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validators=[DataRequired(REQUIRED)],
        validate_choice=True,
    )
    role = RoleField(_l("Role in the group"), default=GroupRole.MEMBER.value)
    submit = SubmitField(_l("Send the invitation"))
