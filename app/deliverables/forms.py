"""Forms of the deliverables pages: a deliverable, a milestone, the workflow and the filters."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from app.core.forms import BaseForm, IdSelectField, strip
from app.deliverables.models import (
    DeliverableStatus,
    DeliverableType,
    Dissemination,
)
from app.deliverables.services import PROGRESS_STEPS, parse_due
from app.deliverables.tracking import DeliverableSort, DeliverableState
from app.organisations.services import organisation_choices

REQUIRED = _l("This field is required.")


DUE_HELP = _l(
    "A project month such as M18 (due on the last day of that month), or a date such as 2021-06-30."
)


def _as_text(value: Any) -> str:
    """Show a stored value (an id, an enum, None) as the select's option value."""
    return "" if value is None else str(value)


def valid_due(_form: BaseForm, field: StringField) -> None:
    if field.data and parse_due(field.data) is None:
        raise ValidationError(_("Give a project month such as M18 or a date such as 2021-06-30."))


class DeliverableForm(BaseForm):
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=16)],
        description=_l("As in the grant agreement, e.g. D2.3."),
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )
    title_zh = StringField(
        _l("Title in Chinese"), filters=[strip], validators=[Optional(), Length(max=300)]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=10000)],
        description=_l("Markdown is allowed."),
    )
    work_package = StringField(
        _l("Work package"),
        filters=[strip],
        validators=[Optional(), Length(max=16)],
        description=_l("Left blank, it follows the code: D2.3 belongs to WP2."),
    )
    responsible_id = IdSelectField(_l("Responsible person"), validators=[Optional()])
    lead_organisation_id = IdSelectField(_l("Lead beneficiary"), validators=[Optional()])
    type = SelectField(
        _l("Type"), validators=[DataRequired(REQUIRED)], validate_choice=True, coerce=_as_text
    )
    dissemination = SelectField(
        _l("Dissemination level"),
        validators=[DataRequired(REQUIRED)],
        validate_choice=True,
        coerce=_as_text,
    )
    due = StringField(
        _l("Due"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=20), valid_due],
        description=DUE_HELP,
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, responsible_choices: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.responsible_id.choices = [("", _("Nobody yet")), *responsible_choices]
        self.lead_organisation_id.choices = organisation_choices(_("None yet"))
        self.type.choices = [
            (kind.value, f"{kind.value} — {label}")
            for kind, label in DeliverableType.labels().items()
        ]
        self.dissemination.choices = [
            (level.value, f"{level.value} — {label}")
            for level, label in Dissemination.labels().items()
        ]

    def values(self) -> dict[str, Any]:
        """Return what the service needs (call after the form validated)."""
        return {
            "code": self.code.data,
            "title_en": self.title_en.data,
            "title_zh": self.title_zh.data,
            "description": self.description.data,
            "work_package": self.work_package.data,
            "responsible_id": self.responsible_id.data,
            "lead_organisation_id": self.lead_organisation_id.data,
            "type": self.type.data,
            "dissemination": self.dissemination.data,
            "due": parse_due(self.due.data),
        }


class MilestoneForm(BaseForm):
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=16)],
        description=_l("As in the grant agreement, e.g. MS3."),
    )
    title_en = StringField(
        _l("Title in English"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )
    title_zh = StringField(
        _l("Title in Chinese"), filters=[strip], validators=[Optional(), Length(max=300)]
    )
    due = StringField(
        _l("Due"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=20), valid_due],
        description=DUE_HELP,
    )
    verification = TextAreaField(
        _l("Means of verification"),
        validators=[Optional(), Length(max=5000)],
        description=_l("How the funder can check that the milestone was reached."),
    )
    achieved_on = DateField(
        _l("Achieved on"),
        validators=[Optional()],
        description=_l("Leave blank while the milestone is not reached."),
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def values(self) -> dict[str, Any]:
        """Return what the service needs (call after the form validated)."""
        return {
            "code": self.code.data,
            "title_en": self.title_en.data,
            "title_zh": self.title_zh.data,
            "due": parse_due(self.due.data),
            "verification": self.verification.data,
            "achieved_on": self.achieved_on.data,
        }


def valid_step(_form: BaseForm, field: HiddenField) -> None:
    if field.data not in {step.value for step in PROGRESS_STEPS.values()}:
        raise ValidationError(_("Choose a step of the workflow."))


class MoveForm(BaseForm):
    """Move a deliverable one step up (the group's side of the workflow).

    Submitting names a document of the group's library: the view fills `version_id`'s
    choices (the newest version of each document not in the trash), the service decides
    whether the version chosen may be submitted.
    """

    to = HiddenField(validators=[DataRequired(REQUIRED), valid_step])
    version_id = IdSelectField(
        _l("Document to submit"),
        # The service refuses a version that is not offered, with a clearer message.
        validate_choice=False,
        message=_l("Choose a document from the list."),
        description=_l(
            "The newest version of each document of the working group's library; "
            "upload the document to the library first."
        ),
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])

    @property
    def target(self) -> DeliverableStatus:
        """Return the status asked for (call after the form validated)."""
        return DeliverableStatus(self.to.data)

    @property
    def chosen_version_id(self) -> int | None:
        """Return the document version id chosen, or None (call after the form validated)."""
        return self.version_id.data


def valid_decision(_form: BaseForm, field: HiddenField) -> None:
    if field.data not in ("approve", "return"):
        raise ValidationError(_("Approve or return the deliverable."))


class ReviewForm(BaseForm):
    """Approve or return a submitted deliverable (coordinators and administrators)."""

    decision = StringField(validators=[DataRequired(REQUIRED), valid_decision])
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when you return the deliverable: say what must change."),
    )

    @property
    def target(self) -> DeliverableStatus:
        """Return the status the decision leads to (call after the form validated)."""
        if self.decision.data == "approve":
            return DeliverableStatus.APPROVED
        return DeliverableStatus.RETURNED


STATE_LABELS = {
    DeliverableState.OVERDUE: _l("Overdue"),
    DeliverableState.DUE_SOON: _l("Due in the next 30 days"),
    DeliverableState.OPEN: _l("Still owed"),
    DeliverableState.DONE: _l("Submitted or approved"),
}

SORT_LABELS = {
    DeliverableSort.DUE: _l("Due date, earliest first"),
    DeliverableSort.DUE_DESC: _l("Due date, latest first"),
    DeliverableSort.CODE: _l("Code"),
    DeliverableSort.STATUS: _l("Status"),
    DeliverableSort.GROUP: _l("Working group"),
}


class DeliverableFilterForm(BaseForm):
    """The filters above a deliverables table; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    group = SelectField(_l("Working group"), validators=[Optional()], validate_choice=True)
    work_package = SelectField(_l("Work package"), validators=[Optional()], validate_choice=True)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=True)
    state = SelectField(_l("Due date"), validators=[Optional()], validate_choice=True)
    sort = SelectField(_l("Sort by"), validators=[Optional()], validate_choice=True)

    def __init__(
        self,
        *args: Any,
        groups: list[Any] = (),
        packages: list[str] = (),
        with_group: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.group.choices = [("", _l("All working groups")), *((g.slug, g.code) for g in groups)]
        self.work_package.choices = [("", _l("All work packages")), *((p, p) for p in packages)]
        self.status.choices = [
            ("", _l("Any status")),
            *DeliverableStatus.choices(),
        ]
        self.state.choices = [
            ("", _l("Any due date")),
            *((s.value, label) for s, label in STATE_LABELS.items()),
        ]
        sorts = [(s.value, label) for s, label in SORT_LABELS.items()]
        if not with_group:
            sorts = [pair for pair in sorts if pair[0] != DeliverableSort.GROUP.value]
            del self.group
        self.sort.choices = sorts

    def valid_value(self, name: str) -> str | None:
        """Return the field's value if it passed validation and is not blank, else None."""
        if name not in self:
            return None
        field = self[name]
        return field.data if field.data and not field.errors else None
