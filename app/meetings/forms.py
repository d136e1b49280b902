"""Forms of the meeting pages."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.models import User
from app.core.forms import BaseForm, IdSelectField, strip
from app.core.i18n import all_timezones, is_valid_timezone
from app.documents.models import Document
from app.meetings import times
from app.meetings.models import ActionStatus, AttendanceStatus

REQUIRED = _l("This field is required.")

#: Longest minutes accepted (characters): an hour of typing is far less.
MINUTES_MAX_LENGTH = 200_000


def _person_label(user: User) -> str:
    return f"{user.name} · {user.name_zh}" if user.name_zh else user.name


def people_choices(people: list[User], blank: str | None = None) -> list[SelectChoice]:
    """Return people as choices of a select (their id as value), after an optional blank one."""
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(str(u.id), _person_label(u)) for u in people]


def _choice_values(choices: list[SelectChoice] | None) -> set[str]:
    return {str(choice.value) for choice in choices or []}


class LocalDateTimeField(StringField):
    """A wall-clock date and time (`<input type="datetime-local">`), with translated errors."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"type": "datetime-local"})
        super().__init__(label, validators, **kwargs)
        self.when: datetime | None = None

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        self.when = None
        text = (self.data or "").strip()
        if not text:
            return
        for fmt in self.FORMATS:
            try:
                self.when = datetime.strptime(text, fmt)
                return
            except ValueError:
                continue
        raise ValueError(_("Enter a date and time, e.g. 2026-03-30 16:00."))

    def set_when(self, value: datetime) -> None:
        """Fill the field with a wall-clock time (for a form shown before it is sent)."""
        self.when = value
        self.data = value.strftime("%Y-%m-%dT%H:%M")


class LocalDateField(DateField):
    """A date (`<input type="date">`) with a translated error."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Enter a date, e.g. 2026-04-15.")) from exc


class WholeNumberField(IntegerField):
    """An integer with a translated error for anything that is not one."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(_("Enter a whole number.")) from exc


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes; unknown values are a translated error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError as exc:
            self.data = []
            raise ValueError(_("Choose from the list.")) from exc

    def pre_validate(self, form) -> None:
        allowed = _choice_values(self.choices)
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError(_("Choose from the list."))


class ChoiceField(SelectField):
    """A select whose unknown values are a translated error (never a 500)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.type = "SelectField"  # the shared `field` macro renders it as a select

    def pre_validate(self, form) -> None:
        allowed = _choice_values(self.choices)
        if self.data not in allowed and not (self.data in (None, "") and "" in allowed):
            raise ValidationError(_("Choose from the list."))


def web_link(_form: BaseForm, field: StringField) -> None:
    """Accept only an http(s) address with a host (a link people click, nothing else)."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
        raise ValidationError(_("Enter a web address starting with https://."))


def timezone_valid(_form: BaseForm, field: SelectField) -> None:
    if not is_valid_timezone(field.data):
        raise ValidationError(_("Choose a time zone from the list."))


class MeetingForm(BaseForm):
    """Schedule (or edit, or duplicate) a meeting; times are wall-clock times in `timezone`."""

    title_en = StringField(
        _l("Title in English"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )
    title_zh = StringField(
        _l("Title in Chinese"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    timezone = SelectField(
        _l("Time zone of the start and end"), validators=[timezone_valid], validate_choice=False
    )
    starts_at = LocalDateTimeField(_l("Start"), validators=[DataRequired(REQUIRED)])
    ends_at = LocalDateTimeField(_l("End"), validators=[DataRequired(REQUIRED)])
    location = StringField(
        _l("Location"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    online_url = StringField(
        _l("Online meeting link"),
        filters=[strip],
        validators=[Optional(), Length(max=500), web_link],
        render_kw={"type": "url", "placeholder": "https://"},
    )
    invitees = CheckboxListField(_l("Invitees"))
    minute_taker_id = IdSelectField(_l("Minute-taker"))
    #: The warnings the organiser has seen for this slot (a digest): "schedule anyway".
    acknowledged = HiddenField()
    check = SubmitField(_l("Check the times"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, members: list[User], minute_takers: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(tz, tz.replace("_", " ")) for tz in all_timezones()]
        self.invitees.choices = [SelectChoice(u.id, _person_label(u)) for u in members]
        self.minute_taker_id.choices = people_choices(
            minute_takers, _("Nobody yet (the leads write the minutes)")
        )
        self.starts_utc: datetime | None = None
        self.ends_utc: datetime | None = None

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then turn the wall-clock times into UTC instants."""
        valid = super().validate(extra_validators=extra_validators)
        if not is_valid_timezone(self.timezone.data):
            return False
        for field, target in ((self.starts_at, "starts_utc"), (self.ends_at, "ends_utc")):
            if field.when is None or field.errors:
                continue
            try:
                setattr(self, target, times.to_utc(field.when, self.timezone.data))
            except times.LocalTimeError as exc:
                field.errors = [*field.errors, exc.message]
                valid = False
        if self.starts_utc and self.ends_utc and self.ends_utc <= self.starts_utc:
            self.ends_at.errors = [*self.ends_at.errors, _("The meeting must end after it starts.")]
            valid = False
        return valid


class CancelForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (everyone invited will see it)"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )
    submit = SubmitField(_l("Cancel the meeting"))


class AgendaItemForm(BaseForm):
    title = StringField(
        _l("Agenda item"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=300)]
    )
    presenter_id = IdSelectField(_l("Presenter"))
    duration_minutes = WholeNumberField(
        _l("Duration (minutes)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=600, message=_l("Enter between 1 and 600 minutes.")),
        ],
        render_kw={"min": 1, "max": 600},
    )
    document_id = IdSelectField(_l("Document from the library"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, people: list[User], documents: list[Document], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.presenter_id.choices = people_choices(people, "—")
        self.document_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(document.id), document.title) for document in documents
        ]


class MoveForm(BaseForm):
    direction = ChoiceField(choices=[SelectChoice("up"), SelectChoice("down")])


class VersionedButtonForm(BaseForm):
    """A button acting on the minutes as the user read them (circulate, approve)."""

    version = WholeNumberField(validators=[DataRequired(REQUIRED)])


class MinutesForm(BaseForm):
    """The minutes editor.

    `base_version` is the version the text was based on (a save from an older version is a
    conflict). `rescue_key` is signed for the writer: if the session has ended by the time
    the text is sent, it lets the portal keep the text for them (see services).
    """

    text = TextAreaField(_l("Minutes (Markdown)"), validators=[Length(max=MINUTES_MAX_LENGTH)])
    base_version = WholeNumberField(validators=[DataRequired(REQUIRED)])
    rescue_key = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save the minutes"))


class CommentForm(BaseForm):
    text = TextAreaField(
        _l("Your comment"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=5000)]
    )
    submit = SubmitField(_l("Add the comment"))


class DecisionForm(BaseForm):
    text = TextAreaField(
        _l("Decision"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=2000)]
    )
    submit = SubmitField(_l("Record the decision"))


class ActionItemForm(BaseForm):
    text = TextAreaField(
        _l("Action"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=2000)]
    )
    owner_id = IdSelectField(_l("Owner"), validators=[DataRequired(REQUIRED)])
    due_on = LocalDateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Add the action item"))

    def __init__(self, *args, people: list[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id.choices = people_choices(people, "—")


class ActionStatusForm(BaseForm):
    status = ChoiceField(
        _l("Status"),
        validators=[DataRequired(REQUIRED)],
        choices=[SelectChoice(value, label) for value, label in ActionStatus.choices()],
    )


def attendance_form(attendances: list) -> BaseForm:
    """Return a form with one status select per invitee, named `status_<user id>`."""

    class AttendanceForm(BaseForm):
        submit = SubmitField(_l("Save the attendance"))

    choices = [SelectChoice(value, label) for value, label in AttendanceStatus.choices()]
    for attendance in attendances:
        setattr(
            AttendanceForm,
            f"status_{attendance.user_id}",
            ChoiceField(
                _person_label(attendance.user),
                choices=choices,
                default=attendance.status.value,
            ),
        )
    return AttendanceForm()
