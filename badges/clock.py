"""Korea time (Asia/Seoul) for the instants people read: documents and the database keep UTC."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

KOREA = ZoneInfo("Asia/Seoul")


def in_korea(value: datetime | str | None) -> datetime | None:
    """`value` (an aware or naive-UTC datetime, or an ISO 8601 date-time string) in Korea time; None if unreadable."""
    if isinstance(value, str):
        value = _parse(value)
    if not isinstance(value, datetime):
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(KOREA)


def korea_date(value: datetime | date | str | None) -> date | None:
    """The calendar day of `value` in Korea; a bare date ("2026-12-02") is that day; None if unreadable."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return _day(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    moment = in_korea(value)
    return moment.date() if moment else None


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
