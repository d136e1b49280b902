"""Project months: M1 is the month of the start date; Mn is due on the last day of month n."""

from __future__ import annotations

from datetime import date

import pytest

from app.deliverables import months
from app.deliverables.services import FieldErrors, due_text, parse_due, resolve_due

JANUARY_2020 = date(2020, 1, 1)


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (1, date(2020, 1, 31)),
        (2, date(2020, 2, 29)),  # a leap year
        (12, date(2020, 12, 31)),
        (14, date(2021, 2, 28)),
        (18, date(2021, 6, 30)),
        (23, date(2021, 11, 30)),
        (48, date(2023, 12, 31)),
    ],
)
def test_a_month_is_due_on_its_last_day(month, due):
    """M18 of a project that began in January 2020 is due on 30 June 2021."""
    assert months.due_date(JANUARY_2020, month) == due


def test_month_one_is_the_month_of_the_start_date_whatever_its_day():
    """A project starting mid-month has that whole month as M1; M2 is the next month."""
    start = date(2021, 11, 15)
    assert months.first_day_of_month(start, 1) == date(2021, 11, 1)
    assert months.due_date(start, 1) == date(2021, 11, 30)
    assert months.due_date(start, 2) == date(2021, 12, 31)
    assert months.due_date(start, 3) == date(2022, 1, 31)
    assert months.month_of(start, date(2021, 11, 1)) == 1


@pytest.mark.parametrize(
    ("day", "month"),
    [
        (date(2020, 1, 1), 1),
        (date(2020, 1, 31), 1),
        (date(2020, 2, 1), 2),
        (date(2021, 6, 1), 18),
        (date(2021, 6, 30), 18),
        (date(2023, 12, 31), 48),
        (date(2019, 12, 31), 0),
    ],
)
def test_a_date_belongs_to_the_month_that_holds_it(day, month):
    """Any day of June 2021 is in M18; a day before M1 has no positive month."""
    assert months.month_of(JANUARY_2020, day) == month


def test_month_and_date_round_trip():
    """Every month's due date lies in that month, for ten years."""
    for month in range(1, 121):
        assert months.month_of(JANUARY_2020, months.due_date(JANUARY_2020, month)) == month


def test_month_zero_does_not_exist():
    """Project months start at 1."""
    with pytest.raises(ValueError):
        months.first_day_of_month(JANUARY_2020, 0)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("M18", 18),
        ("m18", 18),
        (" 18 ", 18),
        ("M 7", 7),
        ("2021-06-15", date(2021, 6, 15)),
        ("M18.5", None),
        ("June", None),
        ("2021-02-30", None),
        ("", None),
        ("M-3", None),
    ],
)
def test_parse_due(text, value):
    """A due date is typed as a project month or an ISO date; anything else is refused."""
    assert parse_due(text) == value


def test_resolve_due_from_a_month_and_from_a_date(project):
    """A month gives its last day; a date keeps its day and gives its month."""
    assert resolve_due(project, 18) == (18, date(2021, 6, 30))
    assert resolve_due(project, date(2021, 6, 15)) == (18, date(2021, 6, 15))


@pytest.mark.parametrize("due", [0, months.MAX_MONTH + 1, date(2019, 12, 31)])
def test_resolve_due_refuses_what_is_outside_the_project(project, due):
    """Month 0, an absurd month and a date before M1 are field errors on "due"."""
    with pytest.raises(FieldErrors) as caught:
        resolve_due(project, due)
    assert "due" in caught.value.errors


def test_resolve_due_needs_the_project(app):
    """Without the project's start date no due date can be worked out."""
    with pytest.raises(FieldErrors) as caught:
        resolve_due(None, 18)
    assert "start date" in caught.value.errors["due"]


def test_due_text_shows_a_month_end_as_the_month():
    """The form shows M18 for the month's last day, and the date itself otherwise."""
    assert due_text(18, date(2021, 6, 30), JANUARY_2020) == "M18"
    assert due_text(18, date(2021, 6, 15), JANUARY_2020) == "2021-06-15"
    assert due_text(18, date(2021, 6, 30), None) == "2021-06-30"
