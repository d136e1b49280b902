"""Forms of the working-group pages: a group's details, and managing its members."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from app.auth.forms import REQUIRED
from app.core.forms import BaseForm, IdSelectField, strip
from app.groups.models import GroupRole
from app.groups.services import SLUG_MAX_LENGTH

#: Slugs that would clash with the pages under /groups/.
RESERVED_SLUGS = frozenset({"new"})


def role_choices() -> list[tuple[str, str]]:
    """Return the group roles as (value, label) pairs, lead first."""
    return GroupRole.choices()


def valid_role(_form: BaseForm, field: SelectField) -> None:
    if field.data and field.data not in {role.value for role in GroupRole}:
        raise ValidationError(_("Choose a role from the list."))


def slug_not_reserved(_form: BaseForm, field: StringField) -> None:
    if field.data in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved: choose another one."))


class RoleField(SelectField):
    """A group role chosen from the list; anything else is a field error, never a 500."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(
            label,
            validators=[DataRequired(REQUIRED), valid_role, *(validators or [])],
            choices=[SelectChoice(value, label) for value, label in role_choices()],
            validate_choice=False,
            **kwargs,
        )

    @property
    def role(self) -> GroupRole:
        """Return the chosen role (call after the form validated)."""
        return GroupRole(self.data)


class GroupForm(BaseForm):
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=16),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9.\-]*$",
                message=_l("Use letters, digits, dots and hyphens only, e.g. WG1."),
            ),
        ],
    )
    slug = StringField(
        _l("Address"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=SLUG_MAX_LENGTH),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use lowercase letters, digits and hyphens only, e.g. wg1-innovation."),
            ),
            slug_not_reserved,
        ],
    )
    name_en = StringField(
        _l("Name in English"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    name_zh = StringField(
        _l("Name in Chinese"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=5000)]
    )
    description_zh = TextAreaField(
        _l("Description in Chinese"), validators=[Optional(), Length(max=5000)]
    )
    priority_en = StringField(
        _l("Action Plan priority in English"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    priority_zh = StringField(
        _l("Action Plan priority in Chinese"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    submit = SubmitField(_l("Save"))


class CandidateSearchForm(BaseForm):
    """The search for accounts to add: a GET form, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Find a person"), filters=[strip], validators=[Length(max=100)])


class AddMemberForm(BaseForm):
    #: Typed by the search-as-you-type list; the service checks who may be added.
    user_id = IdSelectField(
        _l("Person"),
        widget=HiddenInput(),
        validators=[DataRequired(REQUIRED)],
        validate_choice=False,
        message=_l("Choose a person from the list."),
    )
    role = RoleField(_l("Role in the group"), default=GroupRole.MEMBER.value)
    submit = SubmitField(_l("Add"))


class ChangeRoleForm(BaseForm):
    role = RoleField(_l("Role in the group"))
    submit = SubmitField(_l("Change"))
