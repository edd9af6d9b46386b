"""Series behind the app's charts, computed in the toolkit (hand-worked cases, eager and lazy)."""

from __future__ import annotations

import datetime as dt

import polars as pl

import toolkit
from tests.helpers import T0, log
from toolkit.core.kpis import FactTables
from toolkit.measures.series import (
    inbound_by_hour_of_week,
    response_by_hour_of_week,
    response_series,
    sla_status,
)

# T0 is Monday 2025-03-03 09:00 UTC.
ROWS = [
    ("a", 0, "inbound"), ("a", 10, "outbound"),  # answered in 10 min (met)
    ("b", 60, "inbound"), ("b", 180, "outbound"),  # answered in 2 h (missed)
    ("c", 24 * 60, "inbound"),  # Tuesday 09:00, never answered, waits 1 h 30 (missed)
    ("d", 24 * 60 + 80, "inbound"), ("d", 24 * 60 + 90, "inbound"),  # waits 10 min (pending)
]


def test_inbound_by_hour_of_week(frame_kind):
    cells = inbound_by_hour_of_week(frame_kind(log(ROWS)), timezone="UTC")
    cells = cells.collect() if isinstance(cells, pl.LazyFrame) else cells
    assert cells.height == 168 and cells["inbound_messages"].sum() == 5
    busy = cells.filter(pl.col("inbound_messages") > 0).select("weekday", "hour", "inbound_messages").rows()
    assert busy == [(1, 9, 1), (1, 10, 1), (2, 9, 1), (2, 10, 2)]
    assert cells["inbound_per_week"].max() == 2.0  # the log spans less than a week: one week


def test_inbound_by_hour_of_week_local_time_and_calendar():
    cal = toolkit.BusinessCalendar.parse("mon-fri 09:00-10:00", timezone="Europe/Paris")
    cells = inbound_by_hour_of_week(log(ROWS), calendar=cal)  # Paris is UTC+1 in March
    assert cells.filter(pl.col("inbound_messages") > 0)["hour"].to_list() == [10, 11, 10, 11]
    assert cells["out_of_hours_inbound"].sum() == 5  # 10:00-11:59 Paris is after 10:00 closing
    assert cells.columns[-1] == "open_fraction"


def test_response_by_hour_of_week(frame_kind):
    facts = FactTables(log(ROWS))
    cells = response_by_hour_of_week(facts.turns, timezone="UTC").collect()
    assert cells.rows() == [(1, 9, 600.0, 1), (1, 10, 7200.0, 1)]
    eager = response_by_hour_of_week(facts.turns.collect(), timezone="UTC")
    assert isinstance(eager, pl.DataFrame) and eager.rows() == cells.rows()


def test_sla_status_follows_the_registry_rule():
    facts = FactTables(log(ROWS), sla=3600)
    status = dict(sla_status(facts.turns, facts.context).collect().rows())
    assert status == {"met": 1, "missed": 2, "pending": 1}
    # The same rule as the sla_compliance metric: met / (met + missed).
    assert toolkit.kpis(log(ROWS))["sla_compliance"][0] == 1 / 3
    assert dict(sla_status(facts.turns.collect(), 7200.0).rows()) == {"met": 2, "pending": 2}  # b at exactly 2 h: met


def test_response_series_is_the_registry_per_period():
    facts = FactTables(log(ROWS))
    series = response_series(facts, every="day", timezone="UTC").collect()
    assert series["period"].to_list() == [dt.datetime(2025, 3, 3, tzinfo=dt.UTC), dt.datetime(2025, 3, 4, tzinfo=dt.UTC)]
    assert series.select("art_median_s", "answered_turns").rows() == [(3900.0, 2), (None, 0)]


def test_volumes_over_a_span(frame_kind):
    out = toolkit.volumes(frame_kind(log(ROWS)), every="day", span=(T0.date() - dt.timedelta(days=1), T0.date()))
    out = out.collect() if isinstance(out, pl.LazyFrame) else out
    assert out["inbound_messages"].to_list() == [0, 2]  # Tuesday is outside the span
