"""Staff hours: a weekly schedule in a time zone, from `content/staff_hours.yml`.

Survivors are told the truth about when a person will be there (SAFETY.md rule 14), so
the schedule is content an admin can change without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class StaffHoursError(ValueError):
    """The schedule file can't be read; the message says what to fix."""


@dataclass(frozen=True)
class Span:
    start: time
    end: time | None  # None: midnight at the end of the day


@dataclass(frozen=True)
class StaffHours:
    zone: ZoneInfo
    week: dict[int, tuple[Span, ...]]  # weekday (Monday 0) -> spans, in order

    @classmethod
    def from_file(cls, path: Path) -> StaffHours:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise StaffHoursError(f"{path}: cannot read the schedule ({exc})") from exc
        if not isinstance(data, dict):
            raise StaffHoursError(f"{path}: expected `timezone` and `week`")
        try:
            zone = ZoneInfo(str(data.get("timezone", "")))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise StaffHoursError(
                f"{path}: unknown timezone {data.get('timezone')!r} (e.g. Asia/Karachi)"
            ) from exc
        week_data = data.get("week") or {}
        if not isinstance(week_data, dict):
            raise StaffHoursError(f"{path}: `week` maps day names to lists of HH:MM-HH:MM")
        unknown = set(week_data) - set(WEEKDAYS)
        if unknown:
            raise StaffHoursError(f"{path}: unknown day(s) {sorted(unknown)}; use {WEEKDAYS}")
        week = {
            WEEKDAYS.index(day): tuple(_spans(path, day, spans or []))
            for day, spans in week_data.items()
        }
        return cls(zone, week)

    @classmethod
    def always(cls) -> StaffHours:
        """Staffed at every hour (a 24/7 service, or tests)."""
        span = (Span(time(0, 0), None),)
        return cls(ZoneInfo("UTC"), dict.fromkeys(range(7), span))

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(
            span.start <= local.time() and (span.end is None or local.time() < span.end)
            for span in self.week.get(local.weekday(), ())
        )

    def next_opening(self, moment: datetime) -> datetime | None:
        """When staff are next there (local time), or None if the schedule is empty."""
        local = moment.astimezone(self.zone)
        for days_ahead in range(8):
            day = (local + timedelta(days=days_ahead)).date()
            for span in self.week.get(day.weekday(), ()):
                start = datetime.combine(day, span.start, self.zone)
                if start > local:
                    return start
        return None


def _spans(path: Path, day: str, spans: list[object]) -> list[Span]:
    out = []
    for text in spans:
        found = _SPAN.match(str(text).strip())
        if not found:
            raise StaffHoursError(f"{path}: {day}: {text!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise StaffHoursError(f"{path}: {day}: {text!r} is not a time of day")
        start, end = time(h1, m1), (None if h2 == 24 else time(h2, m2))
        if end is not None and end <= start:
            raise StaffHoursError(f"{path}: {day}: {text!r} ends before it starts")
        out.append(Span(start, end))
    return sorted(out, key=lambda span: span.start)
