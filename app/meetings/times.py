"""Meeting times across zones: entered in one zone, stored in UTC, shown in three.

A meeting is planned in a wall-clock time of one IANA zone (the organiser's by default) and
stored as UTC instants. Everyone sees it in their own zone and, side by side, in Brussels and
Beijing time (Europe changes its clocks on the last Sundays of March and October, China does
not, so the gap is six or seven hours). Formatting is Babel's, in the reader's locale.

Planning warnings (never errors): a slot outside 08:00–20:00 in Brussels or Beijing, or on a
public holiday in China or in an invitee's country (the `holidays` library).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from babel import Locale
from babel.dates import (
    format_date,
    format_skeleton,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from app.auth.models import User
from app.core.errors import ServiceError
from app.core.formats import BEIJING, BRUSSELS, format_span, place_name, utc_offset
from app.core.i18n import country_name, is_valid_timezone

#: The working day in Brussels and Beijing: a meeting outside it gets a warning.
WORKDAY_START = time(8, 0)
WORKDAY_END = time(20, 0)


class LocalTimeError(ServiceError, ValueError):
    """A wall-clock time that cannot name one instant in its zone; `message` says why."""


def _locale() -> Locale:
    return get_locale() or Locale("en")


def to_utc(local: datetime, zone: str) -> datetime:
    """Return the UTC instant of the naive wall-clock time `local` in `zone`.

    Refuses (LocalTimeError) a time the clocks skip when they go forward, and a time that
    happens twice when they go back: either would silently move the meeting by an hour.
    """
    tz = ZoneInfo(zone)
    local = local.replace(tzinfo=None, second=0, microsecond=0)
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != local:
            raise LocalTimeError(
                _(
                    "This time does not exist in %(zone)s: the clocks go forward that night.",
                    zone=zone,
                )
            )
        raise LocalTimeError(
            _(
                "This time happens twice in %(zone)s: the clocks go back that night. "
                "Choose another time.",
                zone=zone,
            )
        )
    return first.astimezone(UTC)


def to_local(instant: datetime, zone: str) -> datetime:
    """Return the naive wall-clock time of the UTC `instant` in `zone`."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def today_in(zone: str, now: datetime | None = None) -> date:
    """Return today's date in `zone`."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()


@dataclass(frozen=True)
class TimeRow:
    """One line of "when": a zone's label, the span in that zone, and its UTC offset."""

    label: str
    zone: str
    text: str
    offset: str
    is_reader: bool = False


def time_rows(
    start: datetime, end: datetime, reader_zone: str, locale: Locale | None = None
) -> list[TimeRow]:
    """Return the span in the reader's zone, then in Brussels and in Beijing time.

    A reader in Brussels or Beijing gets two rows, theirs marked as their own.
    """
    locale = locale or _locale()
    if not is_valid_timezone(reader_zone):
        reader_zone = BRUSSELS
    rows = []
    if reader_zone not in (BRUSSELS, BEIJING):
        rows.append(
            TimeRow(
                _("Your time (%(place)s)", place=place_name(reader_zone, locale)),
                reader_zone,
                format_span(start, end, reader_zone, locale),
                utc_offset(start, reader_zone, locale),
                is_reader=True,
            )
        )
    for zone, label in ((BRUSSELS, _("Brussels time")), (BEIJING, _("Beijing time"))):
        rows.append(
            TimeRow(
                label,
                zone,
                format_span(start, end, zone, locale),
                utc_offset(start, zone, locale),
                is_reader=zone == reader_zone,
            )
        )
    return rows


# Planning warnings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanningWarning:
    """Something about a slot worth a second look; `key` identifies it whatever the language."""

    key: str
    message: str


@dataclass
class _Holiday:
    name: str
    people: list[str] = field(default_factory=list)


@cache
def _holidays(country: str, year: int, language: str | None) -> dict[date, str]:
    """Return a country's public holidays of one year ({} for a country the library lacks)."""
    try:
        table = holidays.country_holidays(country, years=year, language=language)
    except (NotImplementedError, KeyError):
        return {}
    return dict(table.items())


def _holiday_language(country: str, locale: Locale) -> str | None:
    try:
        supported = holidays.country_holidays(country).supported_languages
    except (NotImplementedError, KeyError):
        return None
    wanted = ("zh_CN",) if locale.language == "zh" else ()
    for language in (*wanted, "en_US", "en_GB"):
        if language in supported:
            return language
    return None


def public_holiday(country: str, day: date, locale: Locale | None = None) -> str | None:
    """Return the name of the public holiday on `day` in `country` (ISO code), or None."""
    locale = locale or _locale()
    language = _holiday_language(country.upper(), locale)
    return _holidays(country.upper(), day.year, language).get(day)


def _local_days(start: datetime, end: datetime, zone: str) -> list[date]:
    tz = ZoneInfo(zone)
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _outside_working_day(start: datetime, end: datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return (
        local_start.time() < WORKDAY_START
        or local_end.date() != local_start.date()
        or local_end.time() > WORKDAY_END
    )


def planning_warnings(
    start: datetime, end: datetime, invitees: Iterable[User], locale: Locale | None = None
) -> list[PlanningWarning]:
    """Return what is awkward about the slot: hours in Brussels or Beijing, public holidays.

    Holidays are looked up for China (on Beijing's calendar day) and for every invitee's
    country (on the calendar day of the invitee's own zone).
    """
    locale = locale or _locale()
    warnings = []
    day_start = format_skeleton(
        "Hm", datetime.combine(date(2000, 1, 1), WORKDAY_START), locale=locale
    )
    day_end = format_skeleton("Hm", datetime.combine(date(2000, 1, 1), WORKDAY_END), locale=locale)
    for zone in (BRUSSELS, BEIJING):
        if _outside_working_day(start, end, zone):
            warnings.append(
                PlanningWarning(
                    f"hours:{zone}",
                    _(
                        "In %(place)s the meeting is on %(span)s: outside %(start)s–%(end)s.",
                        place=place_name(zone, locale),
                        span=format_span(start, end, zone, locale),
                        start=day_start,
                        end=day_end,
                    ),
                )
            )

    found: dict[tuple[str, date], _Holiday] = {}

    def check(country: str, zone: str, person: str | None) -> None:
        for day in _local_days(start, end, zone):
            name = public_holiday(country, day, locale)
            if name is None:
                continue
            entry = found.setdefault((country, day), _Holiday(name))
            if person and person not in entry.people:
                entry.people.append(person)

    check("CN", BEIJING, None)
    for person in invitees:
        if person.country:
            zone = person.timezone if is_valid_timezone(person.timezone) else BRUSSELS
            check(person.country.upper(), zone, person.name)

    for (country, day), entry in sorted(found.items(), key=lambda item: (item[0][1], item[0][0])):
        values = {
            "date": format_date(day, "full", locale=locale),
            "country": country_name(country),
            "holiday": entry.name,
        }
        if entry.people:
            message = _(
                "%(date)s is a public holiday in %(country)s (%(holiday)s) for %(people)s.",
                people=_(", ").join(entry.people),
                **values,
            )
        else:
            message = _("%(date)s is a public holiday in %(country)s (%(holiday)s).", **values)
        warnings.append(PlanningWarning(f"holiday:{country}:{day.isoformat()}", message))
    return warnings


def warnings_fingerprint(start: datetime, end: datetime, warnings: list[PlanningWarning]) -> str:
    """Return a short digest of the slot and its warnings: "seen these" for the form."""
    text = "|".join([start.isoformat(), end.isoformat(), *sorted(w.key for w in warnings)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
