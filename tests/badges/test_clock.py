"""Korea time for the instants people read."""
from __future__ import annotations

from datetime import UTC, date, datetime

from badges.clock import in_korea, korea_date


def test_an_instant_late_on_the_2nd_in_utc_is_the_3rd_in_korea() -> None:
    assert korea_date("2026-12-02T16:38:00Z") == date(2026, 12, 3)
    assert korea_date(datetime(2026, 12, 2, 16, 38)) == date(2026, 12, 3)  # naive datetimes are UTC


def test_a_bare_day_stays_that_day_and_nonsense_is_none() -> None:
    assert korea_date("2026-12-02") == date(2026, 12, 2)
    assert korea_date("not a date") is None and in_korea(None) is None


def test_in_korea_is_nine_hours_ahead() -> None:
    moment = in_korea(datetime(2026, 12, 2, 16, 38, tzinfo=UTC))
    assert moment is not None and (moment.hour, moment.minute, moment.utcoffset()) == (1, 38, moment.utcoffset())
    assert str(moment.utcoffset()) == "9:00:00"
