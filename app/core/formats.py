"""How the portal writes dates, times and zones: one set of helpers for pages, e-mails,
feeds and exports (the formats are listed in docs/formats.md).

Everything a person reads goes through Babel in the reader's locale and zone: the zone is
flask-babel's (the account's, else Brussels) unless a caller names one, for instance the
meeting's own zone or Beijing next to Brussels. Machine-readable output (CSV, XLSX, JSON,
calendar files) uses ISO 8601 in UTC instead, so a spreadsheet or a calendar program reads it
the same in Milan and in Beijing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.dates import format_interval, format_skeleton, get_timezone_location
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

#: The two zones shown next to the reader's for every meeting: where the EU and China sit.
BRUSSELS = "Europe/Brussels"
BEIJING = "Asia/Shanghai"

PLACE_NAMES = {BRUSSELS: _l("Brussels"), BEIJING: _l("Beijing")}


def _locale(locale: Locale | None = None) -> Locale:
    return locale or get_locale() or Locale("en")


def format_day(value: date | None, length: str = "medium") -> str:
    """Return a date for reading ("1 Mar 2027", "2027年3月1日"); "" for None."""
    return babel_format_date(value, length) if value is not None else ""


def format_moment(value: datetime | None, length: str = "medium", zone: str | None = None) -> str:
    """Return an instant for reading, in the reader's zone or in `zone`; "" for None."""
    if value is None:
        return ""
    if zone is None:
        return babel_format_datetime(value, length)
    return dates.format_datetime(value, length, tzinfo=ZoneInfo(zone), locale=_locale())


def format_span(start: datetime, end: datetime, zone: str, locale: Locale | None = None) -> str:
    """Return "Mon, 30 Mar 2026, 16:00–17:30" for the span in `zone`, in the reader's locale.

    A span over midnight names both days.
    """
    locale = _locale(locale)
    tz = ZoneInfo(zone)
    joined = str(locale.datetime_formats["medium"])
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.date() == local_end.date():
        day = format_skeleton("yMMMEd", start, tzinfo=tz, locale=locale)
        hours = format_interval(start, end, "Hm", tzinfo=tz, locale=locale)
        return joined.format(hours, day)
    first = joined.format(
        format_skeleton("Hm", start, tzinfo=tz, locale=locale),
        format_skeleton("yMMMEd", start, tzinfo=tz, locale=locale),
    )
    last = joined.format(
        format_skeleton("Hm", end, tzinfo=tz, locale=locale),
        format_skeleton("yMMMEd", end, tzinfo=tz, locale=locale),
    )
    return str(locale.interval_formats[None]).format(first, last)


def utc_offset(instant: datetime, zone: str, locale: Locale | None = None) -> str:
    """Return the zone's offset at that instant, e.g. "GMT+08:00"."""
    return dates.format_datetime(instant, "ZZZZ", tzinfo=ZoneInfo(zone), locale=_locale(locale))


def place_name(zone: str, locale: Locale | None = None) -> str:
    """Return the city a zone is named after, in the reader's language (Rome, 罗马)."""
    if zone in PLACE_NAMES:
        return str(PLACE_NAMES[zone])
    return get_timezone_location(ZoneInfo(zone), locale=_locale(locale), return_city=True)


def iso_moment(value: datetime | None) -> str:
    """Return an instant as ISO 8601 in UTC ("2027-03-10T09:30:00Z"), for machines; ""."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(value: date | None) -> str:
    """Return a date as ISO 8601 ("2027-03-10"), for machines; "" for None."""
    return value.isoformat() if value is not None else ""
