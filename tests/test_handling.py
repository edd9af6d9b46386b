"""Issue 5.1: handling time (AHT, THT) per conversation, per group, and across channels."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit
from tests.helpers import log


def test_aht_is_the_mean_of_per_conversation_sums_over_conversations_with_a_value():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("a", 9, "outbound"),
             ("b", 0, "inbound"), ("b", 3, "outbound"),
             ("c", 0, "inbound")],  # c has no handle_seconds at all: not in AHT
            handle_seconds=[None, 100.0, 50.0, 30.0, None, None])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["tht_s"] == 180.0
    assert row["aht_s"] == 90.0  # (150 + 30) / 2
    assert row["ht_median_s"] == 90.0
    conv = toolkit.conversations(m).sort("conversation_id")
    assert conv["handle_seconds"].to_list() == [150.0, 30.0, None]


def test_aht_per_channel_and_agent_and_period():
    m = log([("a", 0, "inbound", False, None, "email"), ("a", 5, "outbound", False, "A1", "email"),
             ("b", 0, "inbound", False, None, "twitter"), ("b", 3, "outbound", False, "A2", "twitter"),
             ("c", 24 * 60, "inbound", False, None, "twitter"),
             ("c", 24 * 60 + 5, "outbound", False, "A2", "twitter")],
            handle_seconds=[None, 600.0, None, 60.0, None, 120.0])
    by_channel = {r["channel"]: r for r in toolkit.kpis(m, by="channel").to_dicts()}
    assert by_channel["email"]["aht_s"] == 600.0 and by_channel["twitter"]["aht_s"] == 90.0
    by_agent = {r["agent_id"]: r for r in toolkit.kpis(m, by="agent_id").to_dicts()}
    assert by_agent["A2"]["tht_s"] == 180.0
    by_day = toolkit.kpis(m, every="1d")
    assert by_day["aht_s"].to_list() == [330.0, 120.0]


def test_handling_by_channel_compares_each_channel_with_the_rest():
    rows, hs = [], []
    for i in range(30):
        for channel, seconds in (("email", 600.0 + i), ("twitter", 200.0 + i), ("facebook", 210.0 + i)):
            rows += [(f"{channel}{i}", 0, "inbound", False, None, channel),
                     (f"{channel}{i}", 5, "outbound", False, "A1", channel)]
            hs += [None, seconds]
    m = log(rows, handle_seconds=hs)
    out = toolkit.handling_by_channel(m, groups={"twitter": "social", "facebook": "social"})
    rows = {r["channel"]: r for r in out.to_dicts()}
    assert set(rows) == {"email", "social"}
    assert rows["email"]["aht_s"] == pytest.approx(614.5)
    assert rows["social"]["aht_s"] == pytest.approx(219.5)
    assert rows["email"]["aht_ratio_vs_rest"] == pytest.approx(614.5 / 219.5)
    assert rows["email"]["p_value"] < 0.001
    assert "longer" in rows["email"]["note"] and "real difference" in rows["email"]["note"]


def test_handling_times_lazy_in_lazy_out_and_needs_the_column():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound")], handle_seconds=[None, 10.0])
    out = toolkit.handling_times(m.lazy())
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["handle_seconds"].to_list() == [10.0]
    with pytest.raises(ValueError, match="handle_seconds"):
        toolkit.handling_times(m.drop("handle_seconds"))


def test_tht_is_empty_not_zero_for_a_group_without_any_handle_seconds():
    m = log([("a", 0, "inbound", False, None, "email"), ("a", 5, "outbound", False, "A1", "email"),
             ("b", 0, "inbound", False, None, "twitter"), ("b", 3, "outbound", False, "A2", "twitter")],
            handle_seconds=[None, 600.0, None, None])
    by_channel = {r["channel"]: r for r in toolkit.kpis(m, by="channel").to_dicts()}
    assert by_channel["email"]["tht_s"] == 600.0
    assert by_channel["twitter"]["tht_s"] is None  # like aht_s, not 0.0
    assert by_channel["twitter"]["aht_s"] is None
