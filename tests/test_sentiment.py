"""Issue 5.3: sentiment conversion, labels, VADER opt-in, series and drivers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import toolkit
from tests.helpers import log


def test_conversion_counts_conversations_that_start_negative_and_have_a_later_score():
    m = log([
        ("up", 0, "inbound"), ("up", 5, "outbound"), ("up", 9, "inbound"),        # -0.6 -> 0.7: converted
        ("flat", 0, "inbound"), ("flat", 5, "outbound"), ("flat", 9, "inbound"),  # -0.6 -> 0.0: neutral
        ("down", 0, "inbound"), ("down", 9, "inbound"),                            # -0.6 -> -0.9
        ("once", 0, "inbound"),                                                    # single score: not eligible
        ("pos", 0, "inbound"), ("pos", 9, "inbound"),                              # starts positive: not eligible
        ("gap", 0, "inbound"), ("gap", 5, "outbound"), ("gap", 7, "inbound"), ("gap", 9, "inbound"),
    ], sentiment=[-0.6, 0.9, 0.7, -0.6, None, 0.0, -0.6, -0.9, -0.8, 0.3, -0.9,
                  None, None, -0.2, 0.06])  # gap: first scored -0.2, last 0.06 -> converted
    (row,) = toolkit.kpis(m).to_dicts()
    # eligible: up, flat, down, gap
    assert row["sentiment_conversion_rate"] == pytest.approx(2 / 4)
    assert row["sentiment_neutral_or_better_rate"] == pytest.approx(3 / 4)


def test_thresholds_are_strict_at_plus_minus_0_05():
    m = log([("a", 0, "inbound"), ("a", 1, "inbound"), ("b", 0, "inbound"), ("b", 1, "inbound")],
            sentiment=[-0.05, 0.9, -0.051, 0.05])
    (row,) = toolkit.kpis(m).to_dicts()
    # a starts at exactly -0.05 (neutral): not eligible; b ends at exactly 0.05: neutral
    assert row["sentiment_conversion_rate"] == 0.0
    assert row["sentiment_neutral_or_better_rate"] == 1.0
    labels = pl.select(toolkit.sentiment_label(pl.lit(pl.Series([-0.051, -0.05, 0.05, 0.051]))))
    assert labels.to_series().to_list() == ["negative", "neutral", "neutral", "positive"]


def test_label_strings_count_as_minus_one_zero_one():
    m = log([("a", 0, "inbound"), ("a", 1, "inbound")], sentiment=["Negative", "positive"])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["sentiment_conversion_rate"] == 1.0
    assert row["customer_sentiment_mean"] == 0.0


class _Fake:
    calls: list[str]

    def __init__(self) -> None:
        self.calls = []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.calls.append(text)
        return {"compound": -0.5 if "bad" in text else 0.5}


def test_add_sentiment_scores_each_distinct_text_once_and_keeps_existing_scores():
    m = log([("a", 0, "inbound"), ("a", 1, "inbound"), ("a", 2, "outbound"), ("b", 0, "inbound")],
            text=["bad", "bad", "great", ""], sentiment=[None, 0.2, None, None])
    fake = _Fake()
    out = toolkit.add_sentiment(m, analyzer=fake)
    assert sorted(fake.calls) == ["bad", "great"]
    assert out["sentiment"].to_list() == [-0.5, 0.2, 0.5, None]
    assert toolkit.add_sentiment(m.lazy(), analyzer=_Fake(), overwrite=True).collect()[
        "sentiment"].to_list() == [-0.5, -0.5, 0.5, None]


def test_add_sentiment_with_vader():
    m = log([("a", 0, "inbound"), ("a", 1, "inbound")],
            text=["This is terrible, I am furious", "Thank you so much, great help!"])
    out = toolkit.add_sentiment(m)
    first, last = out["sentiment"].to_list()
    assert first < -0.5 and last > 0.5


def test_sentiment_series_per_day_customer_messages_only():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("b", 24 * 60, "inbound"),
             ("b", 24 * 60 + 1, "inbound")], sentiment=[-1.0, 1.0, 0.0, 1.0])
    out = toolkit.sentiment_series(m, every="1d")
    assert out["messages"].to_list() == [1, 2]
    assert out["sentiment_mean"].to_list() == [-1.0, 0.5]
    assert out["negative_share"].to_list() == [1.0, 0.0]
    assert isinstance(toolkit.sentiment_series(m.lazy()), pl.LazyFrame)


def test_sentiment_drivers_ranks_by_first_to_last_change_in_the_period():
    m = log([("small", 0, "inbound"), ("small", 1, "inbound"),
             ("big", 0, "inbound"), ("big", 2, "inbound"),
             ("late", 3 * 24 * 60, "inbound"), ("late", 3 * 24 * 60 + 1, "inbound")],
            sentiment=[-0.1, 0.1, -0.9, 0.8, -1.0, 1.0],
            text=["meh", "ok", "awful", "brilliant", "x", "y"])
    t0 = m["created_at"].min()
    out = toolkit.sentiment_drivers(m, t0, t0 + dt.timedelta(days=1), n=5)
    assert out["conversation_id"].to_list() == ["big", "small"]
    top = out.row(0, named=True)
    assert top["change"] == pytest.approx(1.7)
    assert (top["first_text"], top["last_text"]) == ("awful", "brilliant")
    assert (top["first_label"], top["last_label"]) == ("negative", "positive")


def test_sentiment_functions_need_the_column():
    with pytest.raises(ValueError, match="add_sentiment"):
        toolkit.sentiment_series(log([("a", 0, "inbound")]))
