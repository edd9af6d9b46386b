"""Customer sentiment: scores, labels, conversion, series and drill-down.

The ``sentiment`` column holds a score in [-1, 1]; a label column (``negative`` / ``neutral`` /
``positive``, also ``neg`` / ``pos``, any case) is read as -1 / 0 / 1. Labels from a score:
negative below -0.05, positive above 0.05, else neutral (VADER's usual cut-offs).

When a log has ``text`` but no ``sentiment``, :func:`add_sentiment` scores the texts with VADER
(``vaderSentiment``'s compound score). That is per-text Python - the one place the toolkit runs
Python per value - so it is an explicit opt-in step: it scores each distinct text once and joins
the scores back. Cost: about 0.1-0.2 ms per distinct short text (5,000 tweets of twcs_head take
well under a second; see ``docs/metrics_extra.md`` for the measurement); the full 2.8 M-tweet twcs
file would take several minutes.

Registered metrics (conversation level, need ``sentiment``):

* ``sentiment_conversion_rate``: among conversations whose first customer message with a
  sentiment is negative and that have a later customer message with a sentiment, the share whose
  last such message is positive;
* ``sentiment_neutral_or_better_rate``: the same conversations, share whose last one is neutral or
  positive;
* ``customer_sentiment_mean`` (message level): mean sentiment of inbound messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.core.metrics import Metric, register_metric
from toolkit.errors import check_choice, check_columns
from toolkit.io.schema import INBOUND, OUTBOUND

__all__ = [
    "NEGATIVE_BELOW",
    "POSITIVE_ABOVE",
    "add_sentiment",
    "sentiment_drivers",
    "sentiment_label",
    "sentiment_score",
    "sentiment_series",
]


NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05

_LABELS = {
    "negative": -1.0,
    "neg": -1.0,
    "neutral": 0.0,
    "neu": 0.0,
    "positive": 1.0,
    "pos": 1.0,
}


def sentiment_score(expr: pl.Expr, dtype: pl.DataType | None = None) -> pl.Expr:
    """A numeric sentiment in [-1, 1] from a score or label column.

    Parameters
    ----------
    expr
        The sentiment column.
    dtype
        Its dtype, when known. A string column is read as labels (or numbers written as text);
        None (unknown) works for either kind, a little slower.
    """
    if dtype is None or dtype == pl.String:
        # Unknown dtype: going through text works for both numbers and labels.
        cleaned = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
        return pl.coalesce(
            cleaned.replace_strict(_LABELS, default=None, return_dtype=pl.Float64),
            cleaned.cast(pl.Float64, strict=False),
        ).clip(-1.0, 1.0)
    return expr.cast(pl.Float64, strict=False).clip(-1.0, 1.0)


def sentiment_label(expr: pl.Expr) -> pl.Expr:
    """``"negative"`` (< -0.05), ``"positive"`` (> 0.05) or ``"neutral"``; null stays null."""
    return (
        pl.when(expr < NEGATIVE_BELOW)
        .then(pl.lit("negative"))
        .when(expr > POSITIVE_ABOVE)
        .then(pl.lit("positive"))
        .when(expr.is_not_null())
        .then(pl.lit("neutral"))
    )


def _scored(lf: pl.LazyFrame) -> pl.LazyFrame:
    schema = lf.collect_schema()
    if "sentiment" not in schema:
        msg = (
            f"messages have no 'sentiment' column (found: {schema.names()}); "
            "score the text first with toolkit.add_sentiment(messages)"
        )
        raise ValueError(msg)
    return lf.with_columns(sentiment=sentiment_score(pl.col("sentiment"), schema["sentiment"]))


def add_sentiment(
    messages: Frame,
    *,
    text: str = "text",
    overwrite: bool = False,
    analyzer: Any = None,
) -> Frame:
    """Score message texts with VADER (opt-in; per-text Python, each distinct text once).

    Parameters
    ----------
    messages
        Canonical messages with a ``text`` column, eager or lazy (a LazyFrame's distinct texts
        are collected to score them; the result stays lazy).
    text
        The text column.
    overwrite
        Replace an existing ``sentiment`` column; by default existing non-null scores are kept
        and only the missing ones are filled.
    analyzer
        A ``vaderSentiment`` ``SentimentIntensityAnalyzer`` (or anything with
        ``polarity_scores(str) -> {"compound": float}``); default a new VADER analyser.

    Returns
    -------
    The messages with ``sentiment`` (Float64, VADER compound in [-1, 1]; null for empty text).
    """
    lf = as_lazy(messages)
    schema = lf.collect_schema()
    if text not in schema:
        msg = f"add_sentiment needs a {text!r} column (found: {schema.names()})"
        raise ValueError(msg)
    if analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
    unique = (
        lf.select(pl.col(text).cast(pl.String))
        .filter(pl.col(text).str.strip_chars().str.len_chars() > 0)
        .unique()
        .collect()
        .get_column(text)
        .to_list()
    )
    # The opt-in per-text step: VADER is a Python library, so this loop is over distinct texts.
    scores = [analyzer.polarity_scores(t)["compound"] for t in unique]
    lookup = pl.LazyFrame(
        {text: unique, "_vader": scores}, schema={text: pl.String, "_vader": pl.Float64}
    )
    joined = lf.with_columns(pl.col(text).cast(pl.String).alias("_text_key")).join(
        lookup.rename({text: "_text_key"}), on="_text_key", how="left", maintain_order="left"
    )
    if "sentiment" in schema and not overwrite:
        existing = sentiment_score(pl.col("sentiment"), schema["sentiment"])
        joined = joined.with_columns(sentiment=pl.coalesce(existing, pl.col("_vader")))
    else:
        joined = joined.with_columns(sentiment=pl.col("_vader"))
    result = joined.drop("_text_key", "_vader")
    return same_kind(result, messages)


def sentiment_series(
    messages: Frame,
    every: str = "1d",
    *,
    by: str | list[str] | None = None,
    direction: str | None = INBOUND,
    timezone: str = "UTC",
) -> Frame:
    """Sentiment over time: mean score and label shares per period.

    Parameters
    ----------
    messages
        Canonical messages with ``sentiment``.
    every
        Period: ``"hour"``, ``"day"``, ``"week"``, ``"month"`` ... or a duration (``"1h"``,
        ``"1d"``, ``"1w"``, ``"1mo"``), local to ``timezone``.
    by
        Extra group column(s), e.g. ``"channel"``.
    direction
        Which messages: ``"inbound"`` (customers, default), ``"outbound"`` or None for all.

    Returns
    -------
    ``period``, the group columns, ``messages`` (with a sentiment), ``sentiment_mean``,
    ``sentiment_median``, ``negative_share``, ``neutral_share``, ``positive_share``.
    """
    lf = _scored(as_lazy(messages))
    groups = check_columns(lf, "by", by)
    check_choice("direction", direction, [INBOUND, OUTBOUND, None])
    every = parse_period(every)
    if direction is not None:
        lf = lf.filter(pl.col("direction") == direction)
    label = sentiment_label(pl.col("sentiment"))
    result = (
        lf.filter(pl.col("sentiment").is_not_null())
        .with_columns(period=pl.col("created_at").dt.convert_time_zone(timezone).dt.truncate(every))
        .group_by("period", *groups)
        .agg(
            pl.len().cast(pl.Int64).alias("messages"),
            pl.col("sentiment").mean().alias("sentiment_mean"),
            pl.col("sentiment").median().alias("sentiment_median"),
            (label == "negative").mean().alias("negative_share"),
            (label == "neutral").mean().alias("neutral_share"),
            (label == "positive").mean().alias("positive_share"),
        )
        .sort("period", *groups)
    )
    return same_kind(result, messages)


def _as_utc(value: dt.datetime | dt.date | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def sentiment_drivers(
    messages: Frame,
    start: dt.datetime | dt.date | str | None = None,
    end: dt.datetime | dt.date | str | None = None,
    n: int = 10,
) -> Frame:
    """The conversations that moved customer sentiment most in a period, with their texts.

    Parameters
    ----------
    messages
        Canonical messages with ``sentiment`` (and ``text`` to show texts).
    start, end
        The period ``[start, end)`` (naive times are UTC); conversations whose customer messages
        with a sentiment fall in it are ranked, using only those messages. None: open-ended.
    n
        How many conversations to return.

    Returns
    -------
    One row per conversation, biggest ``abs(change)`` first: ``conversation_id``,
    ``customer_messages`` (with a sentiment), ``first_sentiment``, ``last_sentiment``,
    ``change`` (last - first), ``min_sentiment``, ``first_label``, ``last_label``, and with
    ``text``: ``first_text``, ``last_text``, ``first_message_id``, ``last_message_id``.
    Conversations with a single scored customer message are ranked by how far that message is
    from neutral (``change`` = its score).
    """
    lf = _scored(as_lazy(messages))
    has_text = "text" in lf.collect_schema().names()
    keep = (pl.col("direction") == INBOUND) & pl.col("sentiment").is_not_null()
    if start is not None:
        keep &= pl.col("created_at") >= _as_utc(start)
    if end is not None:
        keep &= pl.col("created_at") < _as_utc(end)
    aggs = [
        pl.len().cast(pl.Int64).alias("customer_messages"),
        pl.col("sentiment").first().alias("first_sentiment"),
        pl.col("sentiment").last().alias("last_sentiment"),
        pl.col("sentiment").min().alias("min_sentiment"),
        pl.col("message_id").first().alias("first_message_id"),
        pl.col("message_id").last().alias("last_message_id"),
    ]
    if has_text:
        aggs += [pl.col("text").first().alias("first_text"), pl.col("text").last().alias("last_text")]
    result = (
        lf.filter(keep)
        .sort("conversation_id", "created_at", "row_nr")
        .group_by("conversation_id", maintain_order=True)
        .agg(aggs)
        .with_columns(
            change=pl.when(pl.col("customer_messages") > 1)
            .then(pl.col("last_sentiment") - pl.col("first_sentiment"))
            .otherwise(pl.col("first_sentiment")),
            first_label=sentiment_label(pl.col("first_sentiment")),
            last_label=sentiment_label(pl.col("last_sentiment")),
        )
        .sort(
            [pl.col("change").abs(), pl.col("customer_messages"), pl.col("conversation_id")],
            descending=[True, True, False],
        )
        .head(n)
    )
    cols = [
        "conversation_id", "customer_messages", "first_sentiment", "last_sentiment", "change",
        "min_sentiment", "first_label", "last_label", "first_message_id", "last_message_id",
    ]
    if has_text:
        cols += ["first_text", "last_text"]
    return same_kind(result.select(cols), messages)


# --- registered metrics ------------------------------------------------------------------------

_eligible = (pl.col("first_customer_sentiment") < NEGATIVE_BELOW) & (
    pl.col("customer_sentiment_messages") >= 2
)

register_metric(
    Metric(
        "sentiment_conversion_rate",
        "conversations",
        "share",
        value=pl.col("last_customer_sentiment") > POSITIVE_ABOVE,
        where=_eligible,
        requires=("sentiment",),
        description="conversations that start negative and end positive / conversations that "
        "start negative and have a later scored customer message",
    ),
    replace=True,
)
register_metric(
    Metric(
        "sentiment_neutral_or_better_rate",
        "conversations",
        "share",
        value=pl.col("last_customer_sentiment") >= NEGATIVE_BELOW,
        where=_eligible,
        requires=("sentiment",),
        description="conversations that start negative and end neutral or positive / "
        "conversations that start negative and have a later scored customer message",
    ),
    replace=True,
)
register_metric(
    Metric(
        "customer_sentiment_mean",
        "messages",
        "mean",
        value=sentiment_score(pl.col("sentiment")),
        where=(pl.col("direction") == INBOUND) & sentiment_score(pl.col("sentiment")).is_not_null(),
        requires=("sentiment",),
        description="mean sentiment score of customer messages, in [-1, 1]",
    ),
    replace=True,
)
