"""Meeting times: entered in one zone, stored in UTC, shown in three, across clock changes."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale

from app.auth.models import User
from app.meetings import times
from tests.meetings.helpers import utc


@pytest.fixture
def ctx(app):
    """A request context, so Babel knows the locale."""
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("local", "zone", "expected_utc"),
    [
        # Europe is on winter time (UTC+1) until the last Sunday of March 2026 (29 March) …
        (datetime(2026, 3, 27, 10, 0), "Europe/Brussels", utc(2026, 3, 27, 9, 0)),
        # … and on summer time (UTC+2) from then on.
        (datetime(2026, 3, 30, 10, 0), "Europe/Brussels", utc(2026, 3, 30, 8, 0)),
        (datetime(2026, 10, 23, 10, 0), "Europe/Brussels", utc(2026, 10, 23, 8, 0)),
        # Back to winter time on the last Sunday of October (25 October 2026).
        (datetime(2026, 10, 26, 10, 0), "Europe/Brussels", utc(2026, 10, 26, 9, 0)),
        # China keeps UTC+8 all year.
        (datetime(2026, 3, 27, 16, 0), "Asia/Shanghai", utc(2026, 3, 27, 8, 0)),
        (datetime(2026, 3, 30, 16, 0), "Asia/Shanghai", utc(2026, 3, 30, 8, 0)),
        (datetime(2026, 10, 26, 16, 0), "Asia/Shanghai", utc(2026, 10, 26, 8, 0)),
    ],
)
def test_wall_clock_times_become_the_right_utc_instants(local, zone, expected_utc):
    """A wall-clock time in a zone maps to the instant that zone's offset on that day gives."""
    assert times.to_utc(local, zone) == expected_utc
    assert times.to_local(expected_utc, zone) == local


@pytest.mark.parametrize(
    ("instant", "brussels", "beijing"),
    [
        (utc(2026, 3, 27, 9, 0), "10:00", "17:00"),  # before the March change: 7 hours apart
        (utc(2026, 3, 30, 8, 0), "10:00", "16:00"),  # after it: 6 hours apart
        (utc(2026, 10, 23, 8, 0), "10:00", "16:00"),  # before the October change
        (utc(2026, 10, 26, 9, 0), "10:00", "17:00"),  # after it
    ],
)
def test_a_10_oclock_brussels_meeting_in_beijing_across_the_clock_changes(
    ctx, instant, brussels, beijing
):
    """10:00 in Brussels is 17:00 in Beijing in winter and 16:00 in summer."""
    with force_locale("en"):
        rows = times.time_rows(instant, instant.replace(hour=instant.hour + 1), "Europe/Rome")
    by_zone = {row.zone: row for row in rows}
    assert by_zone["Europe/Brussels"].text.split(", ")[-1].startswith(brussels)
    assert by_zone["Asia/Shanghai"].text.split(", ")[-1].startswith(beijing)
    assert by_zone["Europe/Rome"].text.split(", ")[-1].startswith(brussels)


def test_a_meeting_planned_in_shanghai_moves_in_europe_not_in_china(ctx):
    """16:00 in Shanghai is 09:00 in Brussels before the March change and 10:00 after it."""
    before = times.to_utc(datetime(2026, 3, 23, 16, 0), "Asia/Shanghai")
    after = times.to_utc(datetime(2026, 3, 30, 16, 0), "Asia/Shanghai")
    assert times.to_local(before, "Europe/Brussels").hour == 9
    assert times.to_local(after, "Europe/Brussels").hour == 10
    assert times.to_local(before, "Asia/Shanghai").hour == 16
    assert times.to_local(after, "Asia/Shanghai").hour == 16


def test_a_time_the_clocks_skip_is_refused(ctx):
    """02:30 on 29 March 2026 does not exist in Brussels: refused, not moved silently."""
    with pytest.raises(times.LocalTimeError, match="does not exist"):
        times.to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Brussels")


def test_a_time_that_happens_twice_is_refused(ctx):
    """02:30 on 25 October 2026 happens twice in Brussels: refused, not guessed."""
    with pytest.raises(times.LocalTimeError, match="happens twice"):
        times.to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Brussels")
    assert times.to_utc(datetime(2026, 10, 25, 2, 30), "Asia/Shanghai") == utc(2026, 10, 24, 18, 30)


def test_rows_show_the_readers_zone_then_brussels_and_beijing(ctx):
    """A reader in Rome gets three rows: theirs first, labelled with the city, then the two."""
    with force_locale("en"):
        rows = times.time_rows(utc(2026, 6, 3, 8, 0), utc(2026, 6, 3, 9, 30), "Europe/Rome")
    assert [row.label for row in rows] == ["Your time (Rome)", "Brussels time", "Beijing time"]
    assert rows[0].is_reader and not rows[1].is_reader
    assert "10:00" in rows[0].text and "11:30" in rows[0].text
    assert "16:00" in rows[2].text and "17:30" in rows[2].text
    assert rows[2].offset == "GMT+08:00"
    assert rows[1].offset == "GMT+02:00"


def test_a_reader_in_beijing_gets_two_rows_theirs_marked(ctx):
    """A reader in Asia/Shanghai sees Brussels and Beijing, Beijing marked as theirs."""
    with force_locale("en"):
        rows = times.time_rows(utc(2026, 6, 3, 8, 0), utc(2026, 6, 3, 9, 0), "Asia/Shanghai")
    assert [(row.zone, row.is_reader) for row in rows] == [
        ("Europe/Brussels", False),
        ("Asia/Shanghai", True),
    ]


def test_times_are_formatted_in_the_readers_language(ctx):
    """In Chinese the date reads 2026年6月3日周三 and the place names are Chinese."""
    with force_locale("zh"):
        rows = times.time_rows(utc(2026, 6, 3, 8, 0), utc(2026, 6, 3, 9, 0), "Europe/Rome")
    assert rows[0].text.startswith("2026年6月3日周三")
    assert "罗马" in rows[0].label


def test_a_meeting_over_midnight_names_both_days(ctx):
    """A meeting from 23:00 to 01:00 in Beijing shows both dates there."""
    with force_locale("en"):
        text = times.format_span(utc(2026, 6, 3, 15, 0), utc(2026, 6, 3, 17, 0), "Asia/Shanghai")
    assert "Jun 3" in text and "Jun 4" in text


def _person(name: str, country: str, zone: str) -> User:
    return User(name=name, country=country, timezone=zone, email=f"{name}@example.org")


def _keys(warnings) -> set[str]:
    return {w.key for w in warnings}


def test_a_slot_inside_both_working_days_has_no_warning(ctx):
    """10:00–11:30 in Brussels (16:00–17:30 in Beijing) on an ordinary Wednesday is fine."""
    people = [_person("Sofia", "IT", "Europe/Rome"), _person("Wang", "CN", "Asia/Shanghai")]
    assert times.planning_warnings(utc(2026, 6, 3, 8, 0), utc(2026, 6, 3, 9, 30), people) == []


def test_early_in_brussels_is_warned(ctx):
    """07:00 in Brussels is outside the working day there (13:00 in Beijing is fine)."""
    warnings = times.planning_warnings(utc(2026, 6, 3, 5, 0), utc(2026, 6, 3, 6, 0), [])
    assert _keys(warnings) == {"hours:Europe/Brussels"}
    assert "Brussels" in warnings[0].message


def test_late_in_beijing_is_warned_and_depends_on_the_season(ctx):
    """14:00–15:00 in Brussels ends at 21:00 in Beijing in summer (warned), 22:00 in winter."""
    summer = times.planning_warnings(utc(2026, 6, 3, 12, 0), utc(2026, 6, 3, 13, 0), [])
    assert _keys(summer) == {"hours:Asia/Shanghai"}
    # 13:00–14:00 Brussels: 19:00–20:00 in Beijing in summer is fine, 20:00–21:00 in winter not.
    assert times.planning_warnings(utc(2026, 6, 3, 11, 0), utc(2026, 6, 3, 12, 0), []) == []
    winter = times.planning_warnings(utc(2026, 12, 2, 12, 0), utc(2026, 12, 2, 13, 0), [])
    assert _keys(winter) == {"hours:Asia/Shanghai"}


def test_a_chinese_public_holiday_is_warned(ctx):
    """1 October (National Day) is a public holiday in China, whoever is invited."""
    warnings = times.planning_warnings(utc(2026, 10, 1, 8, 0), utc(2026, 10, 1, 9, 0), [])
    assert _keys(warnings) == {"holiday:CN:2026-10-01"}
    assert "National Day" in warnings[0].message


def test_an_invitees_public_holiday_is_warned_with_their_name(ctx):
    """2 June is Republic Day in Italy: the Italian invitee is named."""
    people = [
        _person("Sofia Rossi", "IT", "Europe/Rome"),
        _person("Lars", "DK", "Europe/Copenhagen"),
    ]
    warnings = times.planning_warnings(utc(2026, 6, 2, 8, 0), utc(2026, 6, 2, 9, 0), people)
    assert _keys(warnings) == {"holiday:IT:2026-06-02"}
    assert "Sofia Rossi" in warnings[0].message
    assert "Lars" not in warnings[0].message


def test_the_holiday_is_looked_up_on_the_invitees_own_calendar_day(ctx):
    """23:30 UTC on 1 June is already 2 June in Rome: Republic Day there."""
    people = [_person("Sofia Rossi", "IT", "Europe/Rome")]
    warnings = times.planning_warnings(utc(2026, 6, 1, 22, 30), utc(2026, 6, 1, 23, 0), people)
    assert "holiday:IT:2026-06-02" in _keys(warnings)


def test_holiday_names_follow_the_readers_language(ctx):
    """A Chinese reader reads 国庆节."""
    with force_locale("zh"):
        warnings = times.planning_warnings(utc(2026, 10, 1, 8, 0), utc(2026, 10, 1, 9, 0), [])
    assert "国庆节" in warnings[0].message


def test_a_country_the_library_lacks_is_skipped(ctx):
    """An invitee from a country without a holiday table causes no error and no warning."""
    people = [_person("Nobody", "XX", "Europe/Brussels")]
    assert times.planning_warnings(utc(2026, 6, 3, 8, 0), utc(2026, 6, 3, 9, 0), people) == []


def test_the_fingerprint_changes_with_the_slot_and_the_warnings(ctx):
    """ "Save anyway" only counts for the slot and warnings the organiser saw."""
    start, end = utc(2026, 10, 1, 8, 0), utc(2026, 10, 1, 9, 0)
    warnings = times.planning_warnings(start, end, [])
    digest = times.warnings_fingerprint(start, end, warnings)
    assert digest == times.warnings_fingerprint(start, end, warnings)
    assert digest != times.warnings_fingerprint(start, utc(2026, 10, 1, 9, 30), warnings)
    assert digest != times.warnings_fingerprint(start, end, [])
