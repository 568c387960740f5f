"""Staff hours: the person is told the truth about when someone will be there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.handoff.hours import StaffHours, StaffHoursError

KARACHI_WEEK = """
timezone: Asia/Karachi
week:
  monday: ["09:00-17:00"]
  friday: ["09:00-12:30", "14:30-17:00"]
"""


@pytest.fixture
def hours(tmp_path: Path) -> StaffHours:
    path = tmp_path / "hours.yml"
    path.write_text(KARACHI_WEEK, encoding="utf-8")
    return StaffHours.from_file(path)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_open_is_judged_in_the_schedules_time_zone(hours: StaffHours) -> None:
    # Monday 2026-11-30, 04:30 UTC is 09:30 in Karachi (UTC+5).
    assert hours.is_open(utc("2026-11-30T04:30:00"))
    assert not hours.is_open(utc("2026-11-30T03:59:00"))  # 08:59 Karachi
    assert not hours.is_open(utc("2026-11-30T12:00:00"))  # 17:00 Karachi: closed


def test_a_break_in_the_day_is_closed(hours: StaffHours) -> None:
    friday_1pm_karachi = utc("2026-12-04T08:00:00")
    assert not hours.is_open(friday_1pm_karachi)
    assert hours.next_opening(friday_1pm_karachi) == datetime.fromisoformat(
        "2026-12-04T14:30:00+05:00"
    )


def test_next_opening_skips_days_without_staff(hours: StaffHours) -> None:
    monday_evening = utc("2026-11-30T13:00:00")  # 18:00 Karachi
    opening = hours.next_opening(monday_evening)
    assert opening is not None
    assert opening.isoformat() == "2026-12-04T09:00:00+05:00"  # Friday


def test_an_empty_week_never_opens(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    path.write_text("timezone: UTC\nweek: {}\n", encoding="utf-8")
    hours = StaffHours.from_file(path)
    assert not hours.is_open(utc("2026-11-30T10:00:00"))
    assert hours.next_opening(utc("2026-11-30T10:00:00")) is None


def test_midnight_is_written_24_00() -> None:
    assert StaffHours.always().is_open(utc("2026-11-29T23:59:59"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("timezone: Mars/Olympus\nweek: {}\n", "unknown timezone"),
        ("timezone: UTC\nweek:\n  funday: ['09:00-10:00']\n", "unknown day"),
        ("timezone: UTC\nweek:\n  monday: ['9-5']\n", "is not HH:MM-HH:MM"),
        ("timezone: UTC\nweek:\n  monday: ['17:00-09:00']\n", "ends before it starts"),
        ("timezone: UTC\nweek:\n  monday: ['25:00-26:00']\n", "is not a time of day"),
        ("timezone: UTC\nweek: [1, 2]\n", "maps day names"),
        ("- not a mapping\n", "expected `timezone` and `week`"),
        ("timezone: [unclosed\n", "cannot read"),
    ],
)
def test_a_broken_schedule_says_what_to_fix(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "hours.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StaffHoursError, match=problem):
        StaffHours.from_file(path)


def test_the_shipped_schedule_loads() -> None:
    hours = StaffHours.from_file(ROOT / "content" / "staff_hours.yml")
    assert str(hours.zone) == "Asia/Karachi"
    assert hours.week  # someone works some day
