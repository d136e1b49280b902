"""The one set of date, time and zone formats (docs/formats.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from app.core import formats

SPRING = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)


def test_days_and_moments_follow_the_readers_locale(app):
    with app.test_request_context():
        with force_locale("en"):
            assert formats.format_day(date(2027, 3, 1)) == "Mar 1, 2027"
        with force_locale("zh"):
            assert formats.format_day(date(2027, 3, 1)) == "2027年3月1日"
        assert formats.format_day(None) == formats.format_moment(None) == ""


def test_a_moment_in_a_named_zone(app):
    with app.test_request_context(), force_locale("en"):
        beijing = formats.format_moment(SPRING, "short", zone=formats.BEIJING)
        brussels = formats.format_moment(SPRING, "short", zone=formats.BRUSSELS)
    assert "5:30" in beijing and "10:30" in brussels


def test_places_offsets_and_spans(app):
    with app.test_request_context(), force_locale("zh"):
        assert formats.place_name(formats.BEIJING) == "北京"
        assert formats.place_name("Europe/Rome") == "罗马"
        assert formats.utc_offset(SPRING, formats.BEIJING) == "GMT+08:00"
        span = formats.format_span(SPRING, SPRING.replace(hour=11), formats.BRUSSELS)
    assert "10:30" in span and "12:30" in span


def test_machine_formats_are_iso_in_utc():
    in_beijing = SPRING.astimezone(ZoneInfo(formats.BEIJING))
    assert formats.iso_moment(in_beijing) == "2027-03-10T09:30:00Z"
    assert formats.iso_day(date(2027, 3, 10)) == "2027-03-10"
    assert formats.iso_moment(None) == formats.iso_day(None) == ""
