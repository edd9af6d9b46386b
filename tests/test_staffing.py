"""Staffing: Erlang C against hand values and a brute-force search, the per-hour table."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import toolkit
from tests.helpers import log
from tests.test_peaks import synthetic_log
from toolkit.analysis.staffing import agents_needed, erlang_c, service_level, staffing


def test_erlang_c_hand_values():
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # c = 1 is M/M/1: P(wait) = rho
    assert erlang_c(1, 0.6) == pytest.approx(0.6)
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(3, 0.0) == 0.0
    # M/M/1: P(wait <= t) = 1 - rho * exp(-(1 - rho) t / h)
    assert service_level(1, 0.5, 60, 120) == pytest.approx(1 - 0.5 * math.exp(-0.5 * 60 / 120))


@pytest.mark.parametrize("concurrency", [1, 3])
def test_vectorised_search_matches_brute_force(concurrency):
    rates = np.array([0.0, 0.5, 3.0, 12.0, 40.0, 150.0])
    handle, sla, target = 420.0, 120.0, 0.8
    fast = agents_needed(rates, handle, sla=sla, target=target, concurrency=concurrency)
    for rate, got in zip(rates, fast, strict=True):
        load = rate * handle / 3600
        n = 0
        while load > 0 and service_level(n * concurrency, load, sla, handle) < target:
            n += 1
        assert got == n


def test_staffing_table_counts_arrivals_and_active_agents():
    # Two Mondays 09:00-10:00 UTC: 4 and 2 turns, answered by {A1, A2} and {A1}.
    week = 7 * 24 * 60
    rows = [
        ("a", 0, "inbound"), ("a", 5, "outbound", False, "A1"),
        ("b", 10, "inbound"), ("b", 15, "outbound", False, "A2"),
        ("c", 20, "inbound"), ("d", 30, "inbound"),
        ("e", week, "inbound"), ("e", week + 5, "outbound", False, "A1"),
        ("f", week + 10, "inbound"),
    ]
    s = staffing(log(rows), sla=600, concurrency=1, handle_seconds=300, min_turns=1)
    assert s.height == 168 and s.columns[:2] == ["weekday", "hour"]
    mon9 = s.filter(pl.col("weekday") == 1, pl.col("hour") == 9).row(0, named=True)
    assert mon9["arrivals_per_hour"] == pytest.approx(3.0)  # (4 + 2) / 2 Mondays-at-9
    assert mon9["agents_active"] == pytest.approx(1.5)  # (2 + 1) / 2
    assert mon9["agents_needed"] == agents_needed([3.0], 300, sla=600, concurrency=1)[0]
    assert mon9["short"] == (mon9["agents_active"] < mon9["agents_needed"])
    # an hour of the week in the span with no arrivals needs nobody
    tue = s.filter(pl.col("weekday") == 2, pl.col("hour") == 9).row(0, named=True)
    assert tue["arrivals_per_hour"] == 0 and tue["agents_needed"] == 0 and not tue["short"]


def test_handle_time_is_measured_when_present_and_concurrency_lowers_the_need():
    m = synthetic_log(weeks=2, per_hour=30, seed=2)
    s1 = staffing(m, sla=300, concurrency=1)
    answered = toolkit.turns(m)["answered_at"].is_not_null().sum()
    assert s1["handle_seconds"][0] == pytest.approx(m["handle_seconds"].sum() / answered)
    s3 = staffing(m, sla=300, concurrency=3)
    assert (s3["agents_needed"] <= s1["agents_needed"]).all()
    assert s3["agents_needed"].sum() < s1["agents_needed"].sum()
    default = staffing(m.drop("handle_seconds"), sla=300)
    assert default["handle_seconds"][0] == 300.0


def test_local_hours_and_bad_settings():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound")])  # Monday 09:00 UTC = 04:00 New York
    s = staffing(m, timezone="America/New_York")
    assert s.filter(pl.col("arrivals_per_hour") > 0)[["weekday", "hour"]].row(0) == (1, 4)
    with pytest.raises(toolkit.DataError):
        staffing(m, target=1.5)
    with pytest.raises(toolkit.DataError):
        staffing(m, concurrency=0)
    assert staffing(log([]).clear())["agents_needed"].sum() == 0


def test_calendar_marks_short_hours_while_open():
    from toolkit.calendar.business_hours import BusinessCalendar

    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("b", 15 * 60, "inbound")])  # Mon 09:00, 00:00
    s = staffing(m, calendar=BusinessCalendar.parse("mon-fri 09:00-17:00"), handle_seconds=300, min_turns=1)
    row = {(r["weekday"], r["hour"]): r for r in s.to_dicts()}
    assert row[(1, 9)]["open_fraction"] == 1.0 and row[(2, 0)]["open_fraction"] == 0.0
    assert row[(2, 0)]["short"] and not row[(2, 0)]["short_while_open"]


def test_an_hour_is_judged_only_on_enough_turns():
    """A sparse log: one Monday-09:00 turn answered by nobody is too little to call the hour short;
    the same hour with 30 such turns is short (nobody active, an agent needed)."""
    one = staffing(log([("a", 0, "inbound")]), sla=600, concurrency=1, handle_seconds=300)
    mon9 = one.filter(pl.col("weekday") == 1, pl.col("hour") == 9).row(0, named=True)
    assert mon9["turns"] == 1 and mon9["agents_needed"] >= 1 and mon9["agents_active"] == 0
    assert not mon9["enough_data"] and not mon9["short"]
    many = staffing(log([(f"c{i}", i, "inbound") for i in range(30)]), sla=600, concurrency=1, handle_seconds=300)
    mon9 = many.filter(pl.col("weekday") == 1, pl.col("hour") == 9).row(0, named=True)
    assert mon9["turns"] == 30 and mon9["enough_data"] and mon9["short"]
    assert many.filter(~pl.col("enough_data"))["short"].sum() == 0
