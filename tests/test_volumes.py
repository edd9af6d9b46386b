"""Volume series: local buckets, zeros for empty buckets, groups, distinct counts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import toolkit
from tests.helpers import T0, log
from toolkit.measures.volumes import volumes


def test_hourly_series_has_zeros_for_empty_buckets():
    m = log([("c", 0, "inbound"), ("c", 5, "outbound"), ("d", 180, "inbound"), ("d", 181, "inbound")])
    v = volumes(m, every="hour")
    assert v["bucket"].to_list() == [T0 + dt.timedelta(hours=h) for h in range(4)]
    assert v["inbound_messages"].to_list() == [1, 0, 0, 2]
    assert v["outbound_messages"].to_list() == [1, 0, 0, 0]
    assert v["conversations"].to_list() == [1, 0, 0, 1]
    assert v["unique_customers"].to_list() == [1, 0, 0, 1]


def test_new_conversations_count_only_where_they_start():
    m = log([("c", 0, "inbound"), ("c", 70, "outbound"), ("d", 65, "inbound")])
    v = volumes(m, every="1h")
    assert v["conversations"].to_list() == [1, 2]
    assert v["new_conversations"].to_list() == [1, 1]


def test_groups_each_get_the_full_range():
    m = log([("c", 0, "inbound", False, None, "twitter"), ("d", 2 * 24 * 60, "inbound", False, None, "email")])
    v = volumes(m, every="day", by="channel")
    assert v.group_by("channel").len().sort("channel")["len"].to_list() == [3, 3]
    assert v.filter(pl.col("channel") == "email")["inbound_messages"].to_list() == [0, 0, 1]


def test_days_start_at_local_midnight():
    # 03:00 UTC on Mar 4 is still Mar 3 in New York
    m = log([("c", 0, "inbound"), ("d", 18 * 60, "inbound")])
    v = volumes(m, every="day", timezone="America/New_York")
    assert [b.day for b in v["bucket"].to_list()] == [3]
    assert v["inbound_messages"].to_list() == [2]
    assert str(v["bucket"].dtype.time_zone) == "America/New_York"


def test_weeks_start_on_monday_and_lazy_stays_lazy():
    m = log([("c", 0, "inbound"), ("d", 8 * 24 * 60, "inbound")])
    out = volumes(m.lazy(), every="week")
    assert isinstance(out, pl.LazyFrame)
    v = out.collect()
    assert [b.weekday() for b in v["bucket"].to_list()] == [0, 0]
    assert v["inbound_messages"].to_list() == [1, 1]


def test_empty_log_and_bad_bucket():
    assert volumes(log([]).clear(), every="day").height == 0
    with pytest.raises(toolkit.DataError, match=r"every='fortnight' is not a period; use hour, day"):
        volumes(log([("c", 0, "inbound")]), every="fortnight")
    with pytest.raises(toolkit.DataError, match=r"by=.nope.: no such column"):
        volumes(log([("c", 0, "inbound")]), by="nope")
