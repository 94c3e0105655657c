"""The issuer's dashboard: credentials issued per course and per month, verifications per month by channel,
and the bar chart that shows them (geometry only; the template draws it). No Flask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from badges.clock import KOREA
from store import tallies
from store.models import Achievement, Org
from store.tallies import BadgeTally

CHANNELS = ("qr", "page", "api")
CHART_LEFT = 30  # room for the scale's numbers  # QR landings, the verify page (paste / upload), the JSON API


@dataclass(frozen=True, slots=True)
class CourseCount:
    public_id: str
    name_ko: str
    name_en: str
    issued: int
    revoked: int


@dataclass(frozen=True, slots=True)
class Month:
    """One calendar month (Korea time) of the dashboard: credentials issued and verifications by channel."""

    month: str  # "2026-03"
    issued: int
    verified: dict[str, int]

    @property
    def verified_total(self) -> int:
        return sum(self.verified.values())


@dataclass(frozen=True, slots=True)
class Summary:
    issued: int
    revoked: int
    verified: int
    courses: list[CourseCount]
    months: list[Month]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a new organisation's way to its first badge: its name ("profile", "course", "badge"), whether
    it is done, and the console page (under /console/<slug>) that does it."""

    name: str
    done: bool
    path: str


def first_steps(org: Org, summary: Summary) -> list[Step]:
    """The checklist the dashboard shows until the organisation has issued its first badge; [] after that."""
    if summary.issued:
        return []
    return [Step("profile", bool(org.logo_type or org.description_ko or org.description_en), "/profile"),
            Step("course", bool(summary.courses), "/courses/new" if not summary.courses else "/courses"),
            Step("badge", False, "/issue")]


def summary(session: Session, *, org_id: int, now: datetime, months: int = 12) -> Summary:
    """Totals, per-course counts and the last `months` calendar months (Korea time, oldest first) of `org_id`:
    from the counts kept as badges are issued and revoked and as verifications are written (store.tallies)."""
    labels = month_labels(now.astimezone(KOREA), months)
    issued: dict[str, int] = {m: int(n) for m, n in session.execute(
        select(BadgeTally.month, func.sum(BadgeTally.badges))
        .where(BadgeTally.org_id == org_id, BadgeTally.month >= labels[0]).group_by(BadgeTally.month))}
    verified: dict[str, dict[str, int]] = {label: dict.fromkeys(CHANNELS, 0) for label in labels}
    every_month = tallies.verifications(session, org_id)
    for (label, channel), count in every_month.items():
        if label in verified:
            verified[label][channel] = verified[label].get(channel, 0) + count
    courses = per_course(session, org_id=org_id)
    return Summary(issued=sum(c.issued for c in courses), revoked=sum(c.revoked for c in courses),
                   verified=sum(every_month.values()), courses=courses,
                   months=[Month(label, issued.get(label, 0), verified[label]) for label in labels])


def per_course(session: Session, *, org_id: int) -> list[CourseCount]:
    """Every course of the organisation with its issued and revoked counts, most issued first."""
    counts = (select(BadgeTally.achievement_id, func.sum(BadgeTally.badges).label("issued"),
                     func.sum(BadgeTally.revoked).label("revoked"))
              .where(BadgeTally.org_id == org_id).group_by(BadgeTally.achievement_id).subquery())
    issued = func.coalesce(counts.c.issued, 0)
    rows = session.execute(
        select(Achievement.public_id, Achievement.name_ko, Achievement.name_en, issued,
               func.coalesce(counts.c.revoked, 0))
        .outerjoin(counts, counts.c.achievement_id == Achievement.id)
        .where(Achievement.org_id == org_id)
        .order_by(issued.desc(), Achievement.id))
    return [CourseCount(p, ko, en, int(n), int(r)) for p, ko, en, n, r in rows]


def month_labels(now: datetime, months: int) -> list[str]:
    """"YYYY-MM" of the `months` calendar months ending with the one of `now`, oldest first."""
    index = now.year * 12 + now.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]



@dataclass(frozen=True, slots=True)
class Bar:
    """One segment of a stacked bar, in chart units (the template scales nothing)."""

    x: float
    y: float
    width: float
    height: float
    series: str
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    """A stacked bar chart laid out in a `width` × `height` viewBox with room for axis labels."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    maximum: int
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    labels: list[tuple[float, str]]  # (x centre, month) under each bar
    bars: list[Bar]


def bar_chart(columns: list[tuple[str, dict[str, int]]], *, series: tuple[str, ...], width: int = 360,
              height: int = 190) -> Chart:
    """Stacked bars, one column per (label, {series: value}), on a scale that starts at zero; sized so that a
    phone shows it at about 1:1 (its labels stay readable) and a desktop scales it up."""
    left, right, top, bottom = CHART_LEFT, 4, 8, height - 30
    maximum = max([sum(values.get(s, 0) for s in series) for _, values in columns] + [0])
    scale_top = _nice(maximum)
    step = (width - left - right) / max(len(columns), 1)
    bars, labels = [], []
    for i, (label, values) in enumerate(columns):
        x, base = left + i * step + step * 0.15, float(bottom)
        labels.append((left + i * step + step / 2, label))
        for name in series:
            value = values.get(name, 0)
            h = (bottom - top) * value / scale_top
            if value:
                bars.append(Bar(round(x, 1), round(base - h, 1), round(step * 0.7, 1), round(h, 1), name, value))
            base -= h
    ticks = [(round(bottom - (bottom - top) * v / scale_top, 1), v) for v in _ticks(scale_top)]
    return Chart(width, height, left, width - right, top, bottom, maximum, ticks, labels, bars)


def _nice(maximum: int) -> int:
    """The smallest of 1, 2, 5 × 10^n (at least 4) that is >= `maximum`: a scale top with round ticks."""
    top = 1
    while True:
        for factor in (1, 2, 5):
            if factor * top >= max(maximum, 4):
                return factor * top
        top *= 10


def _ticks(scale_top: int) -> list[int]:
    step = scale_top // 4 if scale_top % 4 == 0 else scale_top // 5 if scale_top % 5 == 0 else scale_top // 2
    return list(range(0, scale_top + 1, max(step, 1)))
