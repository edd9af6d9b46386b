"""The public API a researcher can hold in their head: small, meaningful, lazy in -> lazy out."""

from __future__ import annotations

import importlib
import inspect
import types

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import toolkit
from tests.helpers import log

#: Statistics helpers and thin wrappers: importable from their modules, not at the top level.
INTERNAL = {
    "benjamini_hochberg": "toolkit.analysis.agents",
    "robust_z": "toolkit.analysis.agents",
    "bootstrap_difference": "toolkit.analysis.compare",
    "two_proportion_test": "toolkit.analysis.compare",
    "erlang_c": "toolkit.analysis.staffing",
    "service_level": "toolkit.analysis.staffing",
    "in_periods": "toolkit.analysis.peaks",
    "parse_timestamps": "toolkit.io.timestamps",
}

#: Functions whose result is statistics computed in numpy/scipy or a small summary: always eager.
EAGER_BY_DESIGN = {
    "agent_report", "compare", "handling_by_channel", "hours_report", "kpi_tables", "metric_coverage",
    "opening_hours_whatif", "peak_periods", "staffing", "transition_matrix", "unlocking_columns",
    "event_summary", "read_customers", "load_customers", "load", "read_messages", "detect_preset",
}


def test_dir_is_small_and_meaningful():
    names = dir(toolkit)
    assert len(names) <= 90
    assert not [n for n in names if n.startswith("_") or n == "annotations"]
    assert {"kpis", "read_messages", "compare", "BusinessCalendar", "DataError", "io", "core"} <= set(names)
    for name, module in INTERNAL.items():
        assert name not in names, name
        assert callable(getattr(importlib.import_module(module), name))


def test_submodules_are_modules():
    import toolkit.analysis.compare as compare_module

    assert isinstance(compare_module, types.ModuleType)
    assert compare_module.compare is toolkit.compare


def test_str_or_expr_functions_take_a_column_name():
    frame = pl.DataFrame({"text": ["Thanks! Order 12 ^GA"], "s": [0.5], "nps": [10.0]})
    from toolkit.measures.satisfaction import nps_points

    assert frame.select(toolkit.normalise_reply("text")).item() == "thanks! order <n>"
    assert frame.select(toolkit.sentiment_label("s")).item() == "positive"
    assert frame.select(nps_points("nps")).item() == 100.0


def _messages() -> pl.DataFrame:
    rows = [("a", 0, "inbound"), ("a", 10, "outbound"), ("b", 60, "inbound"), ("b", 90, "outbound")]
    return log(rows, category=["billing", None, "delivery", None], sentiment=[0.5, None, -0.5, None],
               csat=[None, 5.0, None, 2.0], text=["hi", "hello 1", "no", "hello 2"], handle_seconds=[None, 60.0, None, 90.0])


LAZY = [
    name for name in sorted(toolkit.__all__)
    if inspect.isfunction(getattr(toolkit, name))
    and name not in EAGER_BY_DESIGN
    and next(iter(inspect.signature(getattr(toolkit, name)).parameters), None) == "messages"
]


def test_the_lazy_list_is_not_empty():
    assert {"kpis", "volumes", "topic_volumes", "peak_buckets", "inbound_by_hour_of_week"} <= set(LAZY)


@pytest.mark.parametrize("name", LAZY)
def test_lazy_in_lazy_out(name):
    fn = getattr(toolkit, name)
    eager = fn(_messages())
    lazy = fn(_messages().lazy())
    assert isinstance(lazy, pl.LazyFrame), f"{name} collected a lazy input"
    assert isinstance(eager, pl.DataFrame)
    assert_frame_equal(lazy.collect(), eager, check_row_order=False)
