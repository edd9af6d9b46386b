"""One aggregation path and one description of each metric (label, unit, polarity, description)."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import toolkit
from tests.helpers import log
from toolkit.analysis import compare as compare_module
from toolkit.app_state.view import ViewState, filter_tables, metric_values
from toolkit.core.kpis import FactTables, aggregate
from toolkit.core.metrics import Metric, metric_registry, register_metric, unregister_metric


def _log() -> pl.DataFrame:
    return log(
        [
            ("c1", 0, "inbound", False, None, "twitter"),
            ("c1", 5, "outbound", False, "A1", "twitter"),
            ("c2", 1, "inbound", False, None, "facebook"),
            ("c2", 2, "inbound", False, None, "facebook"),
            ("c2", 30, "outbound", False, "A2", "facebook"),
            ("c3", 3, "inbound", False, None, "twitter"),
        ],
        sentiment=[0.5, None, -0.5, 0.1, None, 0.0],
    )


def test_every_registered_metric_describes_itself() -> None:
    for name, m in metric_registry().items():
        assert m.label and "_" not in m.label, name
        assert m.description, name
        assert m.polarity in ("lower", "higher", None), name
        assert m.unit in ("s", "share", "count", ""), name
        if m.unit == "s" and m.stat in ("mean", "median", "p90"):
            assert m.polarity == "lower", name
    assert metric_registry()["frt_median_s"].label == "first response time (median)"
    assert metric_registry()["reply_rate"].polarity == "higher"
    assert metric_registry()["inbound_messages"].polarity is None


def test_no_side_tables_of_labels_or_polarity_remain() -> None:
    import app_pages.common as common
    import app_pages.compute as compute

    assert not hasattr(compare_module, "METRIC_POLARITY")
    assert not hasattr(compare_module, "_LABELS")
    assert not hasattr(toolkit, "METRIC_POLARITY")
    assert not hasattr(common, "_MEASURE_NAMES")
    assert all(isinstance(name, str) for name in compute.CARDS)
    assert common.measure_label("frt_bh_median_s") == metric_registry()["frt_bh_median_s"].label


def test_polarity_defaults_by_kind_and_can_be_set() -> None:
    assert Metric("x_s", "turns", "median", value=pl.col("response_seconds"), unit="s").polarity == "lower"
    assert Metric("x", "turns", "share", value=pl.col("is_first")).polarity == "higher"
    assert Metric("x", "turns", "share", value=pl.col("is_first"), polarity=None).polarity is None
    assert Metric("x", "turns", "count").polarity is None
    with pytest.raises(ValueError, match="polarity"):
        Metric("x", "turns", "count", polarity="better")  # type: ignore[arg-type]


def test_compare_reads_the_metric_polarity() -> None:
    """A share where fewer is better: a lower share on side a is 'better'."""
    rows = []
    for i in range(40):
        chan = "twitter" if i % 2 else "facebook"
        conv = f"c{i}"
        rows.append((conv, i * 10, "inbound", False, None, chan))
        if chan == "twitter" or i % 4 == 0:  # facebook has many more multi-message turns
            rows.append((conv, i * 10 + 5, "outbound", False, "A1", chan))
        else:
            rows.append((conv, i * 10 + 1, "inbound", False, None, chan))
            rows.append((conv, i * 10 + 5, "outbound", False, "A1", chan))
    m = log(rows)
    register_metric(Metric("multi_turns", "turns", "share", value=pl.col("inbound_messages") >= 2,
                           polarity="lower", label="multi-message turns"), replace=True)
    try:
        out = toolkit.compare(m, "channel:twitter,facebook", metrics=["multi_turns"], n_boot=200, min_n=20)
    finally:
        unregister_metric("multi_turns")
    row = out.row(0, named=True)
    assert row["a"] == 0.0 and row["b"] == pytest.approx(10 / 20)
    assert row["direction"] == "better"
    assert "multi-message turns" in row["sentence"].lower()


def test_kpis_and_the_app_view_share_one_aggregation() -> None:
    m = _log()
    tables = FactTables(m)
    names = ["inbound_messages", "unique_customers", "turns", "reply_rate", "frt_median_s"]
    chosen = tables.metrics(names)
    f = filter_tables(tables.messages, tables.turns, tables.conversations, ViewState(),
                      context=tables.context, use_dates=False)
    for by in (None, "channel"):
        via_kpis = toolkit.kpis(m, by=by, metrics=names).drop("sla_target_s")
        via_view = metric_values(f, chosen, by=by)
        via_aggregate = aggregate(tables, chosen, by=by).collect()
        assert_frame_equal(via_view, via_kpis.select(via_view.columns))
        assert_frame_equal(via_aggregate, via_view)
    by_channel = toolkit.kpis(m, by="channel", metrics=names).to_dicts()
    assert [r["channel"] for r in by_channel] == ["facebook", "twitter"]
    assert by_channel[1]["turns"] == 2 and by_channel[1]["reply_rate"] == 0.5
    assert by_channel[0]["frt_median_s"] == 29 * 60.0


def test_a_level_without_the_group_column_leaves_its_metrics_out() -> None:
    """``sentiment`` describes a message: message metrics group by it, turn metrics cannot."""
    tables = FactTables(_log())
    out = aggregate(tables, ["inbound_messages", "turns"], by="sentiment").collect()
    assert out.columns == ["sentiment", "inbound_messages"]
    assert out["inbound_messages"].sum() == 4


def test_a_grouping_no_level_supports_is_a_clear_error() -> None:
    tables = FactTables(_log())
    with pytest.raises(toolkit.DataError, match=r"cannot group by \['sentiment'\]: turns have no"):
        aggregate(tables, ["turns", "frt_median_s"], by="sentiment")
    with pytest.raises(toolkit.DataError, match="cannot group by"):
        toolkit.kpis(_log(), by="sentiment", metrics=["turns"])


def test_empty_groups_count_zero_and_have_no_statistic() -> None:
    out = toolkit.kpis(_log(), by="channel").to_dicts()
    twitter = next(r for r in out if r["channel"] == "twitter")
    assert twitter["answered_turns"] == 1
    only_unanswered = log([("c1", 0, "inbound", False, None, "x"), ("c2", 0, "inbound"),
                           ("c2", 1, "outbound")])
    rows = {r["channel"]: r for r in toolkit.kpis(only_unanswered, by="channel").to_dicts()}
    assert rows["x"]["answered_turns"] == 0 and rows["x"]["frt_median_s"] is None
