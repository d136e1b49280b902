"""The base form every form of the portal derives from."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

#: Line breaks and tabs are ordinary in multi-line text; every other control character is not.
ALLOWED_CONTROLS = frozenset("\t\n\r")

CONTROL_CHARACTER_MESSAGE = _l("This field contains characters that are not allowed.")


def has_forbidden_characters(value: str) -> bool:
    """Return True if `value` holds NUL, another control character or a lone surrogate."""
    for char in value:
        if char in ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            return True
    return False


def strip(value: str | None) -> str | None:
    """Trim the spaces around a text field's value (a WTForms filter)."""
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """A FlaskForm that refuses control characters in any text field.

    PostgreSQL rejects NUL in text, and the other control characters have no place in a
    name, a title or minutes; they are refused with a form error rather than stored.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            data = field.data
            values = data if isinstance(data, list) else [data]
            if any(isinstance(v, str) and has_forbidden_characters(v) for v in values):
                field.errors = [*field.errors, CONTROL_CHARACTER_MESSAGE]
                valid = False
        return valid
