"""The comparison engine: side assignment, statistics with known answers, words, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

import toolkit
from tests.helpers import log
from tests.test_peaks import PEAK_DAYS, START, synthetic_log
from toolkit.analysis.compare import (
    Split,
    _bootstrap,
    bootstrap_difference,
    compare,
    parse_split,
    two_proportion_test,
)
from toolkit.analysis.peaks import promotion

REQUIRED = {"metric", "a", "b", "a_label", "b_label", "difference", "ci_low", "ci_high", "p_value",
            "test", "n_a", "n_b", "ratio", "direction", "sentence"}


@pytest.fixture(scope="module")
def peaky() -> pl.DataFrame:
    return synthetic_log(weeks=8, peak_days=PEAK_DAYS, seed=7, change_day=28)


def by_metric(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["metric"]: r for r in frame.to_dicts()}


# --- statistics with known answers --------------------------------------------------------------


def test_two_proportion_z_test_matches_a_hand_computation():
    p, name = two_proportion_test(90, 100, 75, 100)
    pooled = 165 / 200
    z = (0.90 - 0.75) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert name == "two-proportion z-test"
    assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)


def test_small_counts_use_fisher_exact():
    p, name = two_proportion_test(9, 10, 3, 10)
    assert name == "Fisher exact"
    assert p == pytest.approx(stats.fisher_exact([[9, 1], [3, 7]]).pvalue)


def test_mann_whitney_p_value_is_scipys_on_the_same_response_times():
    rng = np.random.default_rng(0)
    fast = rng.integers(1, 30, 25)
    slow = rng.integers(10, 60, 20)
    rows = []
    for i, minutes in enumerate(fast):
        rows += [(f"a{i}", 0, "inbound", False, None, "chat"), (f"a{i}", int(minutes), "outbound", False, "A1", "chat")]
    for i, minutes in enumerate(slow):
        rows += [(f"b{i}", 0, "inbound", False, None, "email"), (f"b{i}", int(minutes), "outbound", False, "A1", "email")]
    out = by_metric(compare(log(rows), "channel:email,chat", metrics=["art_median_s", "art_mean_s"], min_n=20))
    row = out["art_median_s"]
    expected = stats.mannwhitneyu(slow * 60.0, fast * 60.0, alternative="two-sided").pvalue
    assert row["test"] == "Mann-Whitney U" and row["p_value"] == pytest.approx(expected)
    assert (row["n_a"], row["n_b"]) == (20, 25)
    assert row["a"] == pytest.approx(np.median(slow) * 60) and row["b"] == pytest.approx(np.median(fast) * 60)
    assert row["difference"] == pytest.approx(row["a"] - row["b"])
    assert out["art_mean_s"]["a"] == pytest.approx(slow.mean() * 60)


def test_bootstrap_interval_covers_the_true_difference_on_a_large_sample():
    rng = np.random.default_rng(42)
    a = rng.exponential(2000, 4000)
    b = rng.exponential(1000, 5000)
    for stat, true in (("median", math.log(2) * 1000), ("mean", 1000.0), ("p90", math.log(10) * 1000)):
        lo, hi = bootstrap_difference(a, b, stat, n_boot=1000, rng=1)
        assert lo < true < hi, stat
        assert hi - lo < 0.5 * true  # and it is informative
    ya, yb = rng.random(3000) < 0.6, rng.random(3000) < 0.5
    lo, hi = bootstrap_difference(ya, yb, "share", n_boot=1000, rng=1)
    assert lo < 0.1 < hi


def test_order_statistic_bootstrap_matches_the_index_matrix_bootstrap():
    rng = np.random.default_rng(3)
    x = rng.lognormal(6, 1, 301)
    brute_idx = rng.integers(0, x.size, size=(4000, x.size))
    for stat, q in (("median", 0.5), ("p90", 0.9)):
        brute = np.quantile(x[brute_idx], q, axis=1)
        fast = _bootstrap(x, stat, 4000, np.random.default_rng(5))
        assert fast.mean() == pytest.approx(brute.mean(), rel=0.02)
        assert fast.std() == pytest.approx(brute.std(), rel=0.1)
        assert np.quantile(fast, [0.025, 0.975]) == pytest.approx(np.quantile(brute, [0.025, 0.975]), rel=0.03)


def test_small_groups_say_not_enough_data():
    rows = []
    for i in range(5):
        rows += [(f"a{i}", 0, "inbound", False, None, "chat"), (f"a{i}", 3, "outbound", False, "A1", "chat")]
    for i in range(30):
        rows += [(f"b{i}", 0, "inbound", False, None, "email"), (f"b{i}", 30, "outbound", False, "A1", "email")]
    out = by_metric(compare(log(rows), "channel:chat,email"))
    for name in ("art_median_s", "reply_rate", "sla_compliance"):
        assert out[name]["test"] == "not enough data"
        assert out[name]["p_value"] is None and out[name]["ci_low"] is None
        assert out[name]["direction"] == "not enough data"
        assert "too few messages to compare (5 vs 30)" in out[name]["sentence"]
    assert out["art_median_s"]["a"] == 180.0  # the values are still reported
    assert out["turns"]["test"] is None and out["turns"]["a"] == 5  # counts: no test


def test_one_minimum_sample_for_the_toolkit_the_cli_and_the_app(tmp_path, capsys):
    """25 vs 20 turns: tested with min_n=20, "not enough data" under the default, which is the
    app's constant (toolkit.analysis.thin.MIN_SAMPLE = 30), on the CLI as in Python."""
    import inspect

    from toolkit.analysis.thin import MIN_SAMPLE
    from toolkit.cli import main

    assert MIN_SAMPLE == 30 and inspect.signature(compare).parameters["min_n"].default == MIN_SAMPLE
    rows = []
    for i in range(25):
        rows += [(f"a{i}", 0, "inbound", False, None, "chat"), (f"a{i}", 5 + i, "outbound", False, "A1", "chat")]
    for i in range(20):
        rows += [(f"b{i}", 0, "inbound", False, None, "email"), (f"b{i}", 40 + i, "outbound", False, "A1", "email")]
    m = log(rows)
    assert by_metric(compare(m, "channel:email,chat", min_n=20))["art_median_s"]["test"] == "Mann-Whitney U"
    assert by_metric(compare(m, "channel:email,chat"))["art_median_s"]["test"] == "not enough data"
    path = tmp_path / "log.csv"
    m.write_csv(path)
    code = main(["compare", str(path), "--split", "channel:email,chat", "--metrics", "art_median_s",
                 "--format", "json", "--quiet"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out[0]["test"] == "not enough data" and out[0]["p_value"] is None


# --- sides ----------------------------------------------------------------------------------------


def test_peak_split_finds_the_slower_replies_during_injected_peaks(peaky):
    out = by_metric(compare(peaky, "peak", metrics=["art_median_s", "sla_compliance", "turns"]))
    row = out["art_median_s"]
    assert row["a_label"] == "during peaks" and row["direction"] == "worse"
    assert row["p_value"] < 0.001 and row["ratio"] > 2
    assert row["ci_low"] > 0  # the interval of a - b excludes 0
    assert "longer" in row["sentence"] and "p < 0.001" in row["sentence"]
    assert out["sla_compliance"]["direction"] == "worse"
    # hourly peaks give the same verdict
    hourly = by_metric(compare(peaky, "peak:hour", metrics=["art_median_s"]))
    assert hourly["art_median_s"]["direction"] == "worse"


def test_before_split_uses_turn_start_and_local_midnight(peaky):
    out = by_metric(compare(peaky, "before:2025-09-29", metrics=["turns", "inbound_messages"]))
    cut = dt.datetime(2025, 9, 29, tzinfo=dt.UTC)
    t = toolkit.turns(peaky)
    assert out["turns"]["a"] == t.filter(pl.col("start") >= cut).height
    assert out["turns"]["b"] == t.filter(pl.col("start") < cut).height
    assert out["inbound_messages"]["a"] == peaky.filter(pl.col("created_at") >= cut, pl.col("direction") == "inbound").height
    local = by_metric(compare(peaky, "before:2025-09-29", metrics=["turns"], timezone="Asia/Tokyo"))
    cut_tokyo = dt.datetime(2025, 9, 28, 15, tzinfo=dt.UTC)
    assert local["turns"]["a"] == t.filter(pl.col("start") >= cut_tokyo).height


def test_process_change_on_handle_time_has_the_right_sign(peaky):
    pytest.importorskip("toolkit.measures.handling")
    out = by_metric(compare(peaky, "before:2025-09-29", metrics=["aht_s"]))
    assert out["aht_s"]["direction"] == "better" and out["aht_s"]["a"] < out["aht_s"]["b"]


def test_agent_split_uses_the_answering_agent(peaky):
    out = by_metric(compare(peaky, "agent:A1", metrics=["answered_turns", "art_median_s"]))
    t = toolkit.turns(peaky)
    assert out["answered_turns"]["a"] == t.filter(pl.col("agent_id") == "A1").height
    assert out["answered_turns"]["b"] == t.filter(pl.col("agent_id") != "A1").height
    assert out["art_median_s"]["direction"] == "no significant difference"
    assert out["art_median_s"]["a_label"] == "by agent A1"


def test_channel_split_against_the_rest(peaky):
    out = by_metric(compare(peaky, "channel:email", metrics=["turns"]))
    assert out["turns"]["a"] + out["turns"]["b"] == toolkit.turns(peaky).height
    assert out["turns"]["b_label"] == "on the rest"


def test_event_split_and_unknown_event(peaky):
    day = (START + dt.timedelta(days=PEAK_DAYS[1])).date()
    out = by_metric(compare(peaky, "event:Promo", events=[promotion("Promo", day, day)], metrics=["art_median_s"]))
    assert out["art_median_s"]["direction"] == "worse" and out["art_median_s"]["a_label"] == "during Promo"
    with pytest.raises(toolkit.DataError, match=r"no event named 'Nope'.*Promo"):
        compare(peaky, "event:Nope", events=[promotion("Promo", day, day)])


def test_hours_split_needs_a_calendar_and_compares_out_vs_in(peaky):
    with pytest.raises(toolkit.DataError, match="opening hours"):
        compare(peaky, "hours")
    from toolkit.calendar.business_hours import BusinessCalendar

    cal = BusinessCalendar.parse("mon-sun 08:00-20:00").with_span("2025-08-01", "2025-12-31")
    out = by_metric(compare(peaky, "hours", calendar=cal, metrics=["turns", "in_hours_share"]))
    t = toolkit.turns(peaky)
    hours = t["start"].dt.hour()
    assert out["turns"]["a"] == int(((hours < 8) | (hours >= 20)).sum())
    assert out["in_hours_share"]["a"] == 0.0 and out["in_hours_share"]["b"] == 1.0


def test_custom_split_object_and_registered_metric(peaky):
    from toolkit.core.metrics import Metric, register_metric, unregister_metric

    register_metric(Metric("long_wait_share", "turns", "share", value=pl.col("response_seconds") > 1800,
                           where=pl.col("answered_at").is_not_null(), description="replies after 30 min"))
    try:
        split = Split.values("channel", ["email"], ["twitter"], a_label="on email", b_label="on twitter")
        out = by_metric(compare(peaky, split, metrics=["long_wait_share"]))
        assert out["long_wait_share"]["test"] == "two-proportion z-test"
        assert out["long_wait_share"]["kind"] == "rate"
    finally:
        unregister_metric("long_wait_share")


def test_results_are_seeded_and_independent_of_the_metric_selection(peaky):
    one = compare(peaky, "peak", metrics=["art_median_s"], seed=3)
    two = compare(peaky, "peak", metrics=["turns", "art_median_s"], seed=3)
    assert one.row(0) == two.filter(pl.col("metric") == "art_median_s").row(0)
    lazy = compare(peaky.lazy(), "peak", metrics=["art_median_s"], seed=3)
    assert lazy.row(0) == one.row(0)


def test_unknown_split_is_a_clear_error(peaky):
    with pytest.raises(toolkit.DataError, match=r"split=.sideways. is not a split; write peak[:BUCKET] | hours"):
        parse_split("sideways", peaky)


def test_cli_compare_json(tmp_path, peaky, capsys):
    from toolkit.cli import main

    path = tmp_path / "log.csv"
    peaky.write_csv(path)
    code = main(["compare", str(path), "--split", "peak", "--metrics", "art_median_s", "reply_rate",
                 "--format", "json", "--quiet"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and set(rows[0]) >= REQUIRED
    assert [r["metric"] for r in rows] == ["art_median_s", "reply_rate"]
    assert rows[0]["direction"] == "worse"
    code = main(["compare", str(path), "--split", "hours", "--quiet"])
    assert code == 2 and "opening hours" in capsys.readouterr().err
