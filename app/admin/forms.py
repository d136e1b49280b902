"""Forms of account management: filters, invitation, site role, erasure, file import."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.admin.services import AccountFilters, AccountStatus, AuditFilters
from app.auth.forms import REQUIRED
from app.auth.models import SiteRole, normalise_email
from app.core.audit import ACTIONS, OBJECT_TYPES
from app.core.forms import BaseForm, IdSelectField
from app.core.i18n import LANGUAGE_NAMES, country_name
from app.groups.models import GroupRole, WorkingGroup
from app.organisations.services import organisation_choices

SITE_ROLE_CHOICES = SiteRole.choices()
GROUP_ROLE_CHOICES = [
    ("", _l("Not invited")),
    *GroupRole.choices(),
]
STATUS_CHOICES = [
    ("", _l("Any status")),
    (AccountStatus.ACTIVE, _l("Active")),
    (AccountStatus.DEACTIVATED, _l("Deactivated")),
    (AccountStatus.INVITED, _l("Invited")),
]
#: The audit log's menus: the registries themselves, never the values found in the table.
AUDIT_ACTION_CHOICES = [("", _l("Any action")), *ACTIONS.items()]
AUDIT_OBJECT_TYPE_CHOICES = [("", _l("Any object")), *OBJECT_TYPES.items()]


def _valid_or_none(field) -> object:
    """Return a filter field's value, or None if it is empty or not valid."""
    return None if field.errors or field.data in ("", None) else field.data


class FilterForm(BaseForm):
    """A form read from the query string: no CSRF token, bad values are simply ignored."""

    class Meta:
        csrf = False

    def query_args(self) -> dict[str, str]:
        """Return the valid, non-empty filters as query-string arguments (for page links)."""
        args = {}
        for field in self:
            value = _valid_or_none(field)
            if value is not None and field.type != "SubmitField":
                args[field.name] = value.isoformat() if hasattr(value, "isoformat") else value
        return args


class AccountFilterForm(FilterForm):
    q = SearchField(_l("Name, e-mail or organisation"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Site role"), default="", validate_choice=True)
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="", validate_choice=True)
    group = IdSelectField(_l("Working group"))
    country = SelectField(_l("Country / region"), default="", validate_choice=True)

    def __init__(self, *args, groups: list[WorkingGroup], countries: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("Any role")), *SITE_ROLE_CHOICES]
        self.group.choices = [
            ("", _l("Any group")),
            *((str(g.id), f"{g.code} · {g.name}") for g in groups),
        ]
        self.country.choices = [
            ("", _l("Any country or region")),
            *((code, country_name(code)) for code in countries),
        ]

    def filters(self) -> AccountFilters:
        """Return the valid filters (an invalid value filters nothing)."""
        role = _valid_or_none(self.role)
        return AccountFilters(
            text=(_valid_or_none(self.q) or "").strip() or None,
            site_role=SiteRole(role) if role else None,
            status=_valid_or_none(self.status),
            group_id=_valid_or_none(self.group),
            country=_valid_or_none(self.country),
        )


class InviteForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    locale = SelectField(
        _l("Language of the invitation"),
        choices=list(LANGUAGE_NAMES.items()),
        default="en",
        validate_choice=True,
    )
    site_role = SelectField(
        _l("Site role"), choices=SITE_ROLE_CHOICES, default="member", validate_choice=True
    )
    name = StringField(_l("Name (Latin script)"), validators=[Optional(), Length(max=120)])
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=120)])
    organisation_id = IdSelectField(_l("Organisation"))
    submit = SubmitField(_l("Send the invitation"))

    #: (group, its role select) for each group the invitation may name; see `invite_form`.
    group_fields: list[tuple[WorkingGroup, SelectField]]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = organisation_choices()

    def chosen_groups(self) -> list[tuple[WorkingGroup, GroupRole]]:
        """Return the groups given a role, with that role."""
        return [(group, GroupRole(field.data)) for group, field in self.group_fields if field.data]

    def invitation_values(self) -> dict[str, object]:
        """Return what the invitation says besides the address and the organisation."""
        return {
            "locale": self.locale.data,
            "site_role": SiteRole(self.site_role.data),
            "groups": self.chosen_groups(),
            "name": (self.name.data or "").strip() or None,
            "name_zh": (self.name_zh.data or "").strip() or None,
        }


def invite_form(groups: list[WorkingGroup], **kwargs) -> InviteForm:
    """Return an invitation form with one role select per working group."""
    fields = {
        f"group_{group.id}": SelectField(
            f"{group.code} · {group.name}",
            choices=GROUP_ROLE_CHOICES,
            default="",
            validate_choice=True,
        )
        for group in groups
    }
    form = type("InviteFormWithGroups", (InviteForm,), fields)(**kwargs)
    form.group_fields = [(group, form[f"group_{group.id}"]) for group in groups]
    return form


class SiteRoleForm(BaseForm):
    site_role = SelectField(_l("Site role"), choices=SITE_ROLE_CHOICES, validate_choice=True)
    submit = SubmitField(_l("Change the site role"))


class EraseForm(BaseForm):
    confirm_email = StringField(
        _l("Type the person's e-mail address to confirm"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
    )
    submit = SubmitField(_l("Erase this person's data"))

    def __init__(self, *args, expected_email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def validate_confirm_email(self, field: StringField) -> None:
        """Accept only the account's own address (in any case or spacing)."""
        if normalise_email(field.data or "") != self.expected_email:
            raise ValidationError(_("This is not the account's e-mail address."))


class ImportForm(BaseForm):
    file = FileField(
        _l("CSV file (UTF-8)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(BaseForm):
    #: The checked file, base64-encoded: it is read and checked again before anything is sent.
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Send every invitation"))


class AuditFilterForm(FilterForm):
    action = SelectField(
        _l("Action"), choices=AUDIT_ACTION_CHOICES, default="", validate_choice=True
    )
    actor = SearchField(_l("By (name or e-mail)"), validators=[Optional(), Length(max=200)])
    object_type = SelectField(
        _l("Object"), choices=AUDIT_OBJECT_TYPE_CHOICES, default="", validate_choice=True
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    address = SearchField(_l("Address"), validators=[Optional(), Length(max=64)])

    def filters(self, zone: str) -> AuditFilters:
        """Return the valid filters; dates are whole days in the reader's time zone."""
        tz = ZoneInfo(zone)
        since = _valid_or_none(self.since)
        until = _valid_or_none(self.until)
        return AuditFilters(
            action=_valid_or_none(self.action),
            actor=(_valid_or_none(self.actor) or "").strip() or None,
            object_type=_valid_or_none(self.object_type),
            since=datetime.combine(since, time.min, tzinfo=tz) if since else None,
            before=(
                datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz) if until else None
            ),
            address=(_valid_or_none(self.address) or "").strip() or None,
        )
