"""Ids in addresses, query strings and forms: one rule for the whole portal.

Every table's primary key is a 32-bit integer on PostgreSQL. Werkzeug's own ``int`` converter
accepts any Unicode digit (``٣`` is 3), leading zeros (``007``) and numbers no column can hold,
which reached the database and answered 500. The factory replaces it with `IdConverter`, so
every ``<int:…>`` of every route, present and future, matches only what could be a real id.
"""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, ValidationError

#: The largest value a primary key (PostgreSQL ``integer``) can hold.
MAX_ID = 2**31 - 1

#: ASCII digits, no leading zero: at most ten of them (MAX_ID has ten).
_ID_PATTERN = r"[1-9][0-9]{0,9}"
_ID_RE = re.compile(_ID_PATTERN)


def is_valid_id(value: object) -> bool:
    """Return True for an int that could be a row's primary key (1 … MAX_ID)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(text: object) -> int | None:
    """Return the id that `text` spells (ASCII digits, no leading zero, ≤ MAX_ID), or None."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if is_valid_id(text) else None
    if not isinstance(text, str) or not _ID_RE.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class IdConverter(BaseConverter):
    """``<int:name>``: a primary key; anything else is simply no match (404)."""

    regex = _ID_PATTERN
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def register(app) -> None:
    """Make ``<int:…>`` mean an id in every route of `app`."""
    app.url_map.converters["int"] = IdConverter
