"""Honest on thin data (toolkit.analysis.thin): minimum samples, zero baselines, per-day counts,
far-out dates."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import toolkit
from toolkit.analysis import thin
from toolkit.io.timestamps import FAR_OUT_REASON


def test_minimum_sample_on_every_side():
    assert thin.enough(30, 31) and not thin.enough(29, 500) and not thin.enough(None, 40)
    assert thin.enough(5, minimum=5)


def test_no_change_against_a_zero_or_small_baseline():
    assert thin.relative_change(160, 6) is None  # "+2,567%" from 6 messages: not shown
    assert thin.relative_change(10, 0, base_size=100) is None
    assert thin.relative_change(None, 50) is None
    assert thin.relative_change(60, 50) == 0.2


def test_counts_over_unequal_periods_are_compared_per_day():
    # 140 messages in 28 days (5 a day) vs 100 in 14 days (7.1 a day): down, not up 40%.
    assert thin.relative_change(140, 100, days=(28, 14)) == -0.3
    assert thin.relative_change(140, 100, days=(14, 14)) == 0.4


@given(st.integers(30, 10_000), st.integers(30, 10_000), st.integers(1, 60), st.integers(1, 60))
def test_per_day_change_matches_the_rates(new, old, d_new, d_old):
    change = thin.relative_change(new, old, days=(d_new, d_old))
    assert change is not None and abs(change - ((new / d_new) / (old / d_old) - 1)) < 1e-9


def _log(days: list[dt.datetime]) -> pl.DataFrame:
    return pl.DataFrame({"created_at": days}, schema={"created_at": pl.Datetime("us")}).with_columns(pl.col("created_at").dt.replace_time_zone("UTC"))


def test_dense_range_leaves_far_out_dates_out_and_counts_them():
    bulk = [dt.datetime(2017, 10, 1) + dt.timedelta(hours=h) for h in range(24 * 60)]
    early = [dt.datetime(2011, 8, 29), dt.datetime(2016, 8, 6), dt.datetime(2016, 8, 6, 5)]
    r = thin.dense_range(_log(early + bulk))
    assert (r.first, r.last, r.before, r.after, r.total) == (dt.date(2017, 10, 1), dt.date(2017, 11, 29), 3, 0, 1443)


def test_dense_range_keeps_quiet_days_inside_the_bulk():
    days = [dt.datetime(2025, 1, d, 12) for d in range(1, 32) if d not in (10, 11, 12)] * 5
    r = thin.dense_range(_log(days))
    assert (r.first, r.last, r.outside) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31), 0)
    assert thin.dense_range(_log([])) is None


def _csv(tmp_path, times: list[dt.datetime]) -> str:
    path = tmp_path / "log.csv"
    pl.DataFrame({
        "message_id": [f"m{i}" for i in range(len(times))],
        "conversation_id": [f"c{i // 2}" for i in range(len(times))],
        "created_at": [t.isoformat() + "Z" for t in times],
        "direction": ["inbound" if i % 2 == 0 else "outbound" for i in range(len(times))],
    }).write_csv(path)
    return str(path)


@pytest.mark.parametrize("lazy", [False, True])
def test_one_far_out_rule_for_the_quality_report_and_the_default_range(tmp_path, lazy):
    """The quality report flags exactly the messages the default range leaves out; a sparse
    but plausible stretch before the busy weeks (one message a week) is neither."""
    bulk = [dt.datetime(2017, 10, 1) + dt.timedelta(minutes=37 * i) for i in range(2400)]
    sparse = [dt.datetime(2017, 8, 8) + dt.timedelta(days=7 * w) for w in range(7)]
    far = [dt.datetime(2011, 8, 29), dt.datetime(2016, 8, 6), dt.datetime(2016, 8, 6, 5)]
    result = toolkit.load(_csv(tmp_path, far + sparse + bulk), lazy=lazy)
    flagged = [i for i in result.quality.issues if i.reason == FAR_OUT_REASON]
    messages = result.messages.collect() if isinstance(result.messages, pl.LazyFrame) else result.messages
    r = thin.dense_range(messages)
    assert len(flagged) == 1 and flagged[0].rows == r.outside == r.before == 3
    assert (r.first, r.earliest) == (dt.date(2017, 8, 8), dt.date(2011, 8, 29))


def test_far_out_dates_after_the_log_are_counted_as_after():
    bulk = [dt.datetime(2025, 1, 1) + dt.timedelta(hours=h) for h in range(24 * 30)]
    r = thin.dense_range(_log([*bulk, dt.datetime(2031, 5, 1)]))
    assert (r.before, r.after, r.last, r.latest) == (0, 1, dt.date(2025, 1, 30), dt.date(2031, 5, 1))


def test_the_real_excerpt_one_count_of_far_out_dates(realdata):
    """twcs_head: a 2011 and two 2016 tweets in a 2017 log. The report and the range agree on 3
    (an earlier rule left 10 out: the quiet weeks of August and September 2017 too)."""
    result = toolkit.load(realdata / "twcs_head.csv")
    (issue,) = [i for i in result.quality.issues if i.reason == FAR_OUT_REASON]
    r = thin.dense_range(result.messages)
    assert issue.rows == r.outside == 3
    assert r.first == dt.date(2017, 8, 8) and r.last == dt.date(2017, 12, 3)


@given(st.lists(st.one_of(st.none(), st.integers(-(10**15), 10**15), st.integers(0, 3)), max_size=400))
def test_far_out_period_ends_are_the_percentiles_with_a_small_log_trim(values):
    # far_out_stats takes the ends of the period with bottom_k/top_k (fast). Against the slow,
    # obviously right reading: sort, then the value at the 1st / 99th percentile's index
    # (quantile's "lower" / "higher"), moved in to at least min(3, n // 10) values from each end.
    from toolkit.io.timestamps import FAR_OUT_TRIM, far_out_stats

    created = pl.from_epoch(pl.Series("created_at", values, dtype=pl.Int64), time_unit="us")
    got = pl.select(far_out_stats(pl.lit(created))).row(0, named=True)
    xs = sorted(v for v in values if v is not None)
    n = len(xs)
    if not n:
        assert got["__q01"] is None and got["__q99"] is None
        return
    trim = min(FAR_OUT_TRIM, n // 10)
    low = max(math.floor(0.01 * (n - 1)), trim)
    high = min(math.ceil(0.99 * (n - 1)), n - 1 - trim)
    assert (got["__q01"], got["__q99"]) == (xs[low], xs[high])
    if n > 300:  # large logs: exactly polars' percentiles
        us = created.dt.epoch("us")
        assert (got["__q01"], got["__q99"]) == (us.quantile(0.01, "lower"), us.quantile(0.99, "higher"))


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("n", [12, 40, 100, 250])
def test_one_stray_date_in_a_small_log_is_flagged(tmp_path, lazy, n):
    """A 2011 tweet among 11 to 249 messages of 2017 (held out: at 100 messages the 1st
    percentile was the stray date itself, and the report said nothing)."""
    bulk = [dt.datetime(2017, 10, 1) + dt.timedelta(hours=5 * i) for i in range(n - 1)]
    result = toolkit.load(_csv(tmp_path, [*bulk[:5], dt.datetime(2011, 8, 29), *bulk[5:]]), lazy=lazy)
    (issue,) = [i for i in result.quality.issues if i.reason == FAR_OUT_REASON]
    assert (issue.rows, issue.first_rows) == (1, (6,))


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("extra", ["duplicate", "no conversation", "both"])
@pytest.mark.parametrize("n_bulk", [26, 36])
def test_report_and_default_range_judge_the_same_rows_when_rows_are_dropped(tmp_path, lazy, extra, n_bulk):
    """Held out (review): 3 tweets of 2011 among 26 of 2017 plus a duplicate row. The report
    judged the 30 rows before the duplicate was dropped and flagged the 3; the default range
    judged the 29 messages and started in 2011. Both now judge the messages kept."""
    rows = ["message_id,conversation_id,created_at,direction"]
    rows += [f"old{i},o{i},2011-08-2{i} 10:00,inbound" for i in range(3)]
    t = dt.datetime(2017, 10, 1)
    rows += [f"m{i},c{i // 2},{t + dt.timedelta(hours=5 * i):%Y-%m-%d %H:%M},{'inbound' if i % 2 == 0 else 'outbound'}"
             for i in range(n_bulk)]
    if extra in ("duplicate", "both"):
        rows.append(rows[-1])
    if extra in ("no conversation", "both"):
        rows.append(f"x1,,{t:%Y-%m-%d %H:%M},inbound")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n")
    result = toolkit.load(path, lazy=lazy)
    messages = result.messages.collect() if isinstance(result.messages, pl.LazyFrame) else result.messages
    flagged = [i.rows for i in result.quality.issues if i.reason == FAR_OUT_REASON]
    assert sum(flagged) == thin.dense_range(messages).outside
    assert result.quality.summary() == toolkit.load(path, lazy=not lazy).quality.summary()
