"""The base form every form of the portal derives from, and the one filter on what people type.

Every text a person sends goes through `clean_text` before any validator sees it:

- NUL and the other control characters (C0 except tab and line feed, DEL, C1) and lone
  surrogates are refused with a translated error: they have no place in a name, a title or
  minutes, and PostgreSQL refuses NUL in text outright. A browser's CR LF line ends are
  first made LF, so ordinary multi-line text is never refused.
- The bidirectional controls (U+202A–202E, U+2066–2069, U+200E/F, U+061C) and the invisible
  U+200B and U+FEFF are removed: they can make a file name or a link read as something it
  is not. U+200C and U+200D are kept (emoji sequences and some scripts need them).
- The text is put in Unicode normal form C, so the same name typed on two systems is stored
  and searched as the same characters.

Passwords are only checked, never changed: a secret must stay byte for byte what was typed.
The checks come first in every field's validators (`FIRST_CHECKS`), so no other check, and
nothing the form does after, works on refused text.

Every date a form accepts lies between the years EARLIEST_YEAR and LATEST_YEAR; anything
else is a translated error before the form's own checks run, so no date can reach a place
that cannot hold it (time-zone arithmetic, a calendar file, the database).

Every id a form takes (a person, an organisation, a folder, a document version) comes through
`IdSelectField`: an id as `app.core.routing.parse_id` reads it, or nothing, and never a 500.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation, ValidationError

from app.core.routing import parse_id

#: Tab and line feed are ordinary in multi-line text; every other control character is not.
ALLOWED_CONTROLS = frozenset("\t\n")

#: Removed from every text: bidirectional controls, zero-width space, byte-order mark.
INVISIBLE_CHARACTERS = dict.fromkeys(
    [
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200E,
        0x200F,
        0x061C,
        0x200B,
        0xFEFF,
    ]
)

CONTROL_CHARACTER_MESSAGE = _l("This field contains characters that are not allowed.")

#: What `IdSelectField` says of a value that is no id, or not one of its choices.
CHOOSE_FROM_LIST = _l("Choose from the list.")

#: The plausible range of every date the portal takes from a form.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

DATE_RANGE_MESSAGE = _l(
    "Choose a date between the years %(first)d and %(last)d.",
    first=EARLIEST_YEAR,
    last=LATEST_YEAR,
)

#: Fields whose data is text a person typed or chose.
TEXT_FIELDS = (StringField, SelectField, SelectMultipleField, RadioField)


def has_forbidden_characters(value: str) -> bool:
    """Return True if `value` holds NUL, another control character or a lone surrogate."""
    for char in value:
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return True
    return False


def strip(value: str | None) -> str | None:
    """Trim the spaces around a text field's value (a WTForms filter)."""
    return value.strip() if isinstance(value, str) else value


def _unified_line_ends(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _clean_one(value: str) -> str:
    unified = _unified_line_ends(value)
    if has_forbidden_characters(unified):
        return value  # left as sent: `refuse_controls` refuses it, and nothing is stored
    return unicodedata.normalize("NFC", unified.translate(INVISIBLE_CHARACTERS))


def clean_text(value: object) -> object:
    """Return typed text cleaned as the module says (lists item by item).

    Text holding a forbidden character is returned as it is, for `refuse_controls` to
    refuse; anything that is not text (a number, a date, a file) passes unchanged.
    """
    if isinstance(value, str):
        return _clean_one(value)
    if isinstance(value, list):
        return [_clean_one(v) if isinstance(v, str) else v for v in value]
    return value


def refuse_controls(_form: FlaskForm, field: Field) -> None:
    """Stop a field's checks at a control character, before any other check sees it."""
    if any(has_forbidden_characters(_unified_line_ends(t)) for t in _texts(field.data)):
        raise StopValidation(str(CONTROL_CHARACTER_MESSAGE))


def is_plausible_date(value: date | datetime | None) -> bool:
    """Return True for None or a date whose year lies in the portal's range."""
    return value is None or EARLIEST_YEAR <= value.year <= LATEST_YEAR


def plausible_date(_form: FlaskForm, field: Field) -> None:
    """Stop a field's checks at a date outside the range (also a field's parsed `when`)."""
    for value in (field.data, getattr(field, "when", None)):
        if isinstance(value, date) and not is_plausible_date(value):
            raise StopValidation(str(DATE_RANGE_MESSAGE))


#: What every field checks first, before its own validators and the form's.
FIRST_CHECKS = (refuse_controls, plausible_date)


class PortalMeta(FlaskForm.Meta):
    """Give every field of every form the portal's filter, control check and date range."""

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        args = list(unbound_field.args)
        kwargs = dict(unbound_field.kwargs)
        if issubclass(field_class, TEXT_FIELDS) and not issubclass(field_class, PasswordField):
            kwargs["filters"] = (clean_text, *kwargs.get("filters", ()))
        if len(args) >= 2:  # validators given by position
            args[1] = [*FIRST_CHECKS, *(args[1] or ())]
        else:
            kwargs["validators"] = [*FIRST_CHECKS, *(kwargs.get("validators") or ())]
        checked = UnboundField(field_class, *args, name=unbound_field.name, **kwargs)
        return checked.bind(form=form, **options)


class BaseForm(FlaskForm):
    """A FlaskForm whose every field goes through the portal's text filter and date range."""

    Meta = PortalMeta


def _id_or_none(value: object) -> int | None:
    return None if value is None or value == "" else parse_id(value)


class IdSelectField(SelectField):
    """The id of a row, chosen in a select or typed by a search-as-you-type picker.

    `data` is the id as an int, or None when nothing was chosen (the blank choice, an empty
    hidden input); make it required with DataRequired. Anything that is not an id (not
    ASCII digits, a leading zero, more than MAX_ID) is refused with `message`, which the
    caller may set ("Choose a person from the list.").

    With `validate_choice` (the default) the id must also be one of the field's choices,
    set by the form or the view. A picker's field, or one whose service refuses an id it
    does not offer with a clearer message, passes ``validate_choice=False``: the form then
    checks only that it is an id, and the service decides whether it may be chosen.
    """

    def __init__(self, label=None, validators=None, *, message=None, **kwargs) -> None:
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, coerce=_id_or_none, **kwargs)
        self.type = "SelectField"  # rendered like every other list by the `field` macro
        self.message = message if message is not None else CHOOSE_FROM_LIST

    def process_formdata(self, valuelist) -> None:
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        self.data = parse_id(valuelist[0])
        if self.data is None:
            raise ValueError(str(self.message))

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # the one message is already there; nothing else runs
        if not self.validate_choice or self.data is None:
            return
        choices = self._choices_from_input(self.choices) or []
        offered = {_id_or_none(choice.value) for choice in choices}
        if self.data not in offered:
            raise ValidationError(str(self.message))

    def _value(self) -> str:
        """Return the id as text, for a hidden input (a picker's field)."""
        return "" if self.data is None else str(self.data)


class ButtonForm(BaseForm):
    """A button that only needs the CSRF token (remove, reopen, discard, confirm …)."""
