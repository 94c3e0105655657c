"""The issuer's dashboard: counts per month, course and channel (one organisation only), drawn as an SVG chart."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from bootstrap.wiring import Services
from issuer import dashboard, service
from store.db import transaction
from store.models import Org
from tests.factories import issue, make_course, make_org
from tests.issuer.test_console_auth import enter_console, make_member
from verifier.events import EventRecorder


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def verified(svc: Services, org: Org, credential_id: str, channel: str, when: datetime) -> None:
    """One verification counted as the verifier counts it (its event and the dashboard's tally)."""
    EventRecorder(svc.sessions, interval=0).add(org_id=org.id, credential_id=credential_id, channel=channel,
                                                verdict="valid", at=when)


def test_the_summary_counts_per_month_course_and_channel_for_one_organisation_only(svc: Services) -> None:
    acme, _ = make_org(svc, "acme")
    cloud, data = make_course(svc, acme), make_course(svc, acme)
    january = [issue(svc, acme, cloud, email=f"s{n}@example.com", now=at(2026, 1)) for n in range(3)]
    march = issue(svc, acme, data, now=at(2026, 3, 1))
    issue(svc, acme, cloud, now=at(2025, 2))  # before the 12-month window: in the totals only
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, actor="test", org=session.get_one(Org, acme.id), credential_id=january[0],
                       reason="test", now=at(2026, 2))
    for channel, when in (("qr", at(2026, 1, 31)), ("qr", at(2026, 3)), ("api", at(2026, 3)), ("page", at(2025, 12)),
                          ("qr", at(2025, 2))):
        verified(svc, acme, march, channel, when)
    globex, _ = make_org(svc, "globex")
    theirs = issue(svc, globex, make_course(svc, globex), now=at(2026, 3))
    verified(svc, globex, theirs, "qr", at(2026, 3))

    with transaction(svc.sessions) as session:
        summary = dashboard.summary(session, org_id=acme.id, now=at(2026, 3, 31))
    assert (summary.issued, summary.revoked, summary.verified) == (5, 1, 5)
    assert [m.month for m in summary.months] == [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02",
                                                                                            "2026-03"]
    by_month = {m.month: m for m in summary.months}
    assert {m.month: m.issued for m in summary.months if m.issued} == {"2026-01": 3, "2026-03": 1}
    assert by_month["2026-03"].verified == {"qr": 1, "page": 0, "api": 1}
    assert by_month["2026-01"].verified == {"qr": 1, "page": 0, "api": 0}
    assert by_month["2025-12"].verified_total == 1
    assert [(c.public_id, c.issued, c.revoked) for c in summary.courses] == [(cloud.public_id, 4, 1),
                                                                            (data.public_id, 1, 0)]


def test_months_are_korea_months(svc: Services) -> None:
    # 2026-11-30 16:38 UTC is 2026-12-01 01:38 in Korea: a December badge for the people who read the dashboard
    acme, _ = make_org(svc, "acme")
    credential_id = issue(svc, acme, make_course(svc, acme), now=datetime(2026, 11, 30, 16, 38, tzinfo=UTC))
    verified(svc, acme, credential_id, "qr", datetime(2026, 12, 31, 15, 30, tzinfo=UTC))  # 2027-01-01 00:30 KST
    with transaction(svc.sessions) as session:  # 2026-12-31 16:00 UTC: already January 2027 in Korea
        summary = dashboard.summary(session, org_id=acme.id, now=datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert summary.months[-1].month == "2027-01"
    by_month = {m.month: m for m in summary.months}
    assert by_month["2026-12"].issued == 1 and by_month["2026-11"].issued == 0
    assert by_month["2027-01"].verified_total == 1


def test_month_labels_run_back_across_a_year_boundary() -> None:
    assert dashboard.month_labels(at(2026, 2), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize("values, top, ticks", [
    ([0, 0], 5, [0, 1, 2, 3, 4, 5]),
    ([3, 7], 10, [0, 2, 4, 6, 8, 10]),
    ([13], 20, [0, 5, 10, 15, 20]),
    ([180, 40], 200, [0, 50, 100, 150, 200]),
])
def test_the_chart_scale_starts_at_zero_and_ends_on_a_round_number(values: list[int], top: int,
                                                                   ticks: list[int]) -> None:
    chart = dashboard.bar_chart([(f"2026-{i + 1:02d}", {"issued": v}) for i, v in enumerate(values)],
                                series=("issued",))
    assert [value for _, value in chart.ticks] == ticks
    tallest = max(chart.bars, key=lambda b: b.height, default=None)
    if tallest is not None:
        assert tallest.height == pytest.approx((chart.plot_bottom - chart.plot_top) * max(values) / top, abs=0.1)


def test_stacked_bars_sit_on_each_other_in_series_order() -> None:
    chart = dashboard.bar_chart([("2026-03", {"qr": 2, "page": 0, "api": 2})], series=dashboard.CHANNELS)
    qr, api = chart.bars
    assert (qr.series, api.series) == ("qr", "api")
    assert qr.y + qr.height == chart.plot_bottom and api.y + api.height == pytest.approx(qr.y, abs=0.1)


def test_the_dashboard_draws_accessible_charts_with_totals_in_both_languages(client: FlaskClient,
                                                                            svc: Services) -> None:
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    credential = issue(svc, org, course)
    enter_console(client, make_member(svc, org, email="viewer@acme.example", role="viewer"))
    report = client.post("/api/v1/verify", json={"credential": json.loads(
        client.get(f"/credentials/{credential}.json").data)})
    assert report.status_code == 200
    svc.events.flush()  # counted verifications are written within BADGES_VERIFY_EVENTS_SECONDS; now, for the test
    page = client.get("/console/acme").get_data(as_text=True)
    assert "발급한 배지" in page and "월별 발급" in page and "클라우드 네이티브 개발" in page
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" role="img" aria-labelledby="chart-issued-title chart-issued-desc"',
                     page)
    assert '<title id="chart-verified-title">' in page and '<desc id="chart-verified-desc">' in page
    stats = re.findall(r'<span class="stat-value">([\d,]+)</span>', page)
    assert stats == ["1", "1", "0", "1"]  # issued, active, revoked, verifications (the API check above)
    english = client.get("/console/acme?lang=en").get_data(as_text=True)
    assert "Badges issued" in english and "Verifications per month by channel" in english
    assert "<script" not in english and "style=" not in english  # nothing the CSP would block
