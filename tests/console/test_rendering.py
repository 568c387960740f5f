"""Times as staff read them, in the staff hours' zone, on every page."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.console.rendering import local_time, show_times_in, templates

KARACHI = ZoneInfo("Asia/Karachi")  # UTC+5, no daylight saving


def test_a_time_is_shown_in_the_staff_hours_zone() -> None:
    moment = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
    assert local_time(moment, KARACHI) == "01 Mar 15:30"
    assert local_time(moment, None) == "01 Mar 10:30"  # no usable staff hours: UTC


def test_a_naive_time_from_sqlite_is_taken_as_utc() -> None:
    assert local_time(datetime(2025, 3, 1, 23, 0), KARACHI) == "02 Mar 04:00"


def test_no_time_shows_nothing() -> None:
    assert local_time(None, KARACHI) == ""


def test_every_template_shows_times_in_the_zone_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(templates.env.filters, "local", templates.env.filters.get("local"))
    show_times_in(KARACHI)
    shown = templates.env.from_string("{{ at|local }}").render(
        at=datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
    )
    assert shown == "01 Mar 15:30"
