"""Business hours vs overall, and the opening-hours what-if, on logs with known answers."""

from __future__ import annotations

import polars as pl
import pytest

from tests.helpers import log
from toolkit.analysis.hours_report import (
    default_candidates,
    hours_report,
    opening_hours_whatif,
)
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.measures.series import inbound_by_hour_of_week

CAL = BusinessCalendar.parse("mon-fri 09:00-17:00", timezone="UTC")


@pytest.fixture(scope="module")
def messages() -> pl.DataFrame:
    # T0 = Monday 09:00 UTC. 30 turns in hours answered after 10 min; 30 turns at 18:00+ answered
    # the next morning at 09:10 + i min (15 h 10 min later, 10 + i business minutes). 30 a side:
    # the minimum sample before a test (toolkit.analysis.thin.MIN_SAMPLE).
    rows = []
    for i in range(30):
        rows += [(f"in{i}", i, "inbound"), (f"in{i}", i + 10, "outbound")]
        rows += [(f"out{i}", 9 * 60 + i, "inbound"), (f"out{i}", 24 * 60 + i + 10, "outbound")]
    return log(rows)


def test_table_puts_overall_in_and_out_of_hours_side_by_side(messages):
    report = hours_report(messages, CAL)
    t = {r["measure"]: r for r in report.table.to_dicts()}
    assert report.table.columns == ["measure", "overall", "in_hours", "out_of_hours"]
    assert t["turns"]["overall"] == 60 and t["turns"]["in_hours"] == 30
    assert t["volume_share"]["out_of_hours"] == pytest.approx(0.5)
    assert t["art_median_s"]["in_hours"] == 600 and t["art_median_s"]["out_of_hours"] == 54600
    assert t["art_median_s"]["overall"] == pytest.approx((600 + 54600) / 2)
    assert t["art_bh_median_s"]["out_of_hours"] == pytest.approx(1470)  # 10 + 0..29 min: median 24.5
    assert t["sla_compliance"]["in_hours"] == 1.0 and t["sla_compliance"]["out_of_hours"] == 0.0
    assert t["sla_bh_compliance"]["out_of_hours"] == 1.0
    assert t["reply_rate"]["overall"] == 1.0


def test_gap_test_and_sentence(messages):
    report = hours_report(messages, CAL)
    gap = {r["measure"]: r for r in report.gap.to_dicts()}
    assert gap["art_median_s"]["gap_s"] == pytest.approx(27600 - 600)
    art = report.comparison.filter(pl.col("metric") == "art_median_s").row(0, named=True)
    assert art["a_label"] == "out of hours" and art["test"] == "Mann-Whitney U"
    assert art["p_value"] < 0.001 and art["direction"] == "worse"
    assert report.inbound_out_of_hours_share == pytest.approx(0.5)
    assert report.sentence == (
        "Out-of-hours messages wait 91x longer for a reply (median 15 h 10 min vs 10 min, p < 0.001); "
        "50% of inbound arrives outside opening hours."
    )


def test_whatif_counts_the_uncovered_inbound_each_extension_covers(messages):
    out = opening_hours_whatif(messages, CAL, {"evening": "mon-fri 17:00-20:00", "morning": "mon-fri 07:00-09:00"})
    rows = {r["candidate"]: r for r in out.to_dicts()}
    assert rows["evening"]["inbound_covered"] == 30 and rows["evening"]["share_of_uncovered_covered"] == 1.0
    assert rows["morning"]["inbound_covered"] == 0
    assert rows["evening"]["extra_open_hours_per_week"] == 15.0
    assert rows["morning"]["extra_open_hours_per_week"] == 10.0
    assert out["candidate"].to_list() == ["evening", "morning"]  # most coverage first


def test_default_candidates_and_heatmap(messages):
    c = default_candidates(CAL)
    assert c["open 2h later"].startswith("mon 17:00-19:00")
    assert c["open 2h earlier"].startswith("mon 07:00-09:00")
    assert c["open sat 10:00-16:00"] == "sat 10:00-16:00" and "open 24/7" in c
    out = opening_hours_whatif(messages, CAL)
    assert set(out["candidate"]) == set(c)
    assert out.filter(pl.col("candidate") == "open 24/7")["inbound_covered"][0] == 30
    heat = inbound_by_hour_of_week(messages, calendar=CAL)
    assert heat.height == 168
    mon = heat.filter(pl.col("weekday") == 1)
    assert mon.filter(pl.col("hour") == 9)["inbound_messages"][0] == 30
    assert mon.filter(pl.col("hour") == 18)["out_of_hours_inbound"][0] == 30
    assert mon.filter(pl.col("hour") == 9)["open_fraction"][0] == 1.0
