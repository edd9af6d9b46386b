"""Customer sentiment: scores, labels, conversion, series and drill-down.

The ``sentiment`` column holds a score in [-1, 1]; a label column (``negative`` / ``neutral`` /
``positive``, also ``neg`` / ``pos``, any case) is read as -1 / 0 / 1. Labels from a score:
negative below -0.05, positive above 0.05, else neutral (VADER's usual cut-offs).

When a log has ``text`` but no ``sentiment``, :func:`add_sentiment` scores each text in its
language: English with VADER (``vaderSentiment``'s compound score), French and Italian with
VADER's rules and a French / Italian lexicon (:mod:`toolkit.measures.sentiment_lexicons`); the
language comes from a ``language`` column, else is detected offline
(:mod:`toolkit.measures.language`). That is per-text Python - the one place the toolkit runs
Python per value - so it is an explicit opt-in step: it scores each distinct text once and joins
the scores back. Cost: about 0.1-0.3 ms per distinct short text including detection (see
``docs/languages.md`` for the measurement); the full 2.8 M-tweet twcs file would take several
minutes.

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

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, into_expr, same_kind
from toolkit.core.metrics import Metric, register_metric
from toolkit.core.patterns import WHITESPACE
from toolkit.errors import DataError, check_choice, check_columns
from toolkit.io.schema import INBOUND, OUTBOUND
from toolkit.measures.language import detect_languages, language_code
from toolkit.measures.sentiment_lexicons import french_analyzer, italian_analyzer
from toolkit.present.i18n import _

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


def sentiment_score(expr: str | pl.Expr, dtype: pl.DataType | None = None) -> pl.Expr:
    """A numeric sentiment in [-1, 1] from a score or label column.

    Parameters
    ----------
    expr
        The sentiment column.
    dtype
        Its dtype, when known. A string column is read as labels (or numbers written as text);
        None (unknown) works for either kind, a little slower.
    """
    expr = into_expr(expr)
    if dtype is None or dtype == pl.String:
        # Unknown dtype: going through text works for both numbers and labels. Text that is
        # a plain decimal number counts (the same rule on DuckDB and Spark: neutral_sentiment).
        cleaned = expr.cast(pl.String).str.strip_chars(WHITESPACE).str.to_lowercase()
        number = pl.when(cleaned.str.contains(NUMBER_TEXT)).then(cleaned)
        return pl.coalesce(
            cleaned.replace_strict(_LABELS, default=None, return_dtype=pl.Float64),
            number.cast(pl.Float64, strict=False),
        ).clip(-1.0, 1.0)
    return expr.cast(pl.Float64, strict=False).clip(-1.0, 1.0)


#: Text read as a sentiment number: a plain decimal, optionally with an exponent.
NUMBER_TEXT = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def neutral_sentiment(expr: nw.Expr) -> nw.Expr:
    """:func:`sentiment_score` of a text column for every engine (narwhals): the labels as
    -1 / 0 / 1, plain decimal numbers, clipped to [-1, 1]; anything else null."""
    cleaned = expr.cast(nw.String).str.strip_chars(WHITESPACE).str.to_lowercase()
    number = nw.when(cleaned.str.contains(NUMBER_TEXT)).then(cleaned).cast(nw.Float64)
    value = nw.when(cleaned.is_in(["negative", "neg"])).then(nw.lit(-1.0))
    value = value.when(cleaned.is_in(["neutral", "neu"])).then(nw.lit(0.0))
    value = value.when(cleaned.is_in(["positive", "pos"])).then(nw.lit(1.0)).otherwise(number)
    return value.clip(-1.0, 1.0)


def numeric_sentiment(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The messages with ``sentiment`` as numbers (labels and number text read by
    :func:`sentiment_score`); a log without the column or with numbers already is unchanged."""
    schema = lf.collect_schema()
    dtype = schema.get("sentiment")
    if dtype is None or dtype == pl.Float64:
        return lf
    return lf.with_columns(sentiment=sentiment_score(pl.col("sentiment"), dtype))


def sentiment_label(expr: str | pl.Expr) -> pl.Expr:
    """``"negative"`` (< -0.05), ``"positive"`` (> 0.05) or ``"neutral"``; null stays null.

    >>> pl.DataFrame({"s": [-0.5, 0.0, None]}).select(sentiment_label("s")).to_series().to_list()
    ['negative', 'neutral', None]
    """
    expr = into_expr(expr)
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
            _("messages have no 'sentiment' column (found: {names}); score the text first with toolkit.add_sentiment(messages)").format(names=schema.names())
        )
        raise ValueError(msg)
    return lf.with_columns(sentiment=sentiment_score(pl.col("sentiment"), schema["sentiment"]))


def add_sentiment(
    messages: Frame,
    *,
    text: str = "text",
    language: str = "language",
    overwrite: bool = False,
    analyzer: Any = None,
) -> Frame:
    """Score message texts in their language (opt-in; per-text Python, each distinct text once).

    English is scored with VADER, French and Italian with the lexicons of
    :mod:`toolkit.measures.sentiment_lexicons` (VADER's rules, each language's words). The
    language of a message is its ``language`` column when the log has one (``"fr"``, ``"fr-FR"``,
    ``"French"``...), else detected from the text (:func:`toolkit.measures.language.detect_languages`,
    offline, once per distinct text); texts too short to tell are scored as English. A message
    whose given language is none of en/fr/it gets a null score rather than a wrong one.

    Parameters
    ----------
    messages
        Canonical messages with a ``text`` column, eager or lazy (a LazyFrame's distinct texts
        are collected to score them; the result stays lazy).
    text
        The text column.
    language
        The column naming each message's language, used when present.
    overwrite
        Replace an existing ``sentiment`` column; by default existing non-null scores are kept
        and only the missing ones are filled.
    analyzer
        Anything with ``polarity_scores(str) -> {"compound": float}`` to score every text with
        (no language detection), or a ``{"en": ..., "fr": ..., "it": ...}`` mapping that replaces
        the default analyser of those languages.

    Returns
    -------
    The messages with ``sentiment`` (Float64 in [-1, 1]; null for empty text).

    Examples
    --------
    >>> m = pl.DataFrame({"text": ["Service nul, je suis très déçu", "Grazie mille, tutto risolto!"]})
    >>> [round(s, 2) for s in add_sentiment(m)["sentiment"]]
    [-0.8, 0.69]
    """
    lf = as_lazy(messages)
    schema = lf.collect_schema()
    if text not in schema:
        msg = _("add_sentiment needs a {text!r} column (found: {names})").format(text=text, names=schema.names())
        raise DataError(msg)
    single = analyzer is not None and not isinstance(analyzer, dict)
    given = (
        language_code(pl.col(language))
        if language in schema and not single
        else pl.lit(None, pl.String)
    )
    keyed = lf.with_columns(_text_key=pl.col(text).cast(pl.String), _lang_key=given)
    pairs = (
        keyed.filter(pl.col("_text_key").str.strip_chars().str.len_chars() > 0)
        .select("_text_key", "_lang_key")
        .unique()
        .collect()
    )
    if single:
        scored = pairs.with_columns(_lang=pl.lit("any"))
        analyzers = {"any": analyzer}
    else:
        undetermined = pairs.filter(pl.col("_lang_key").is_null()).get_column("_text_key")
        detected = pl.DataFrame(
            {"_text_key": undetermined, "_detected": detect_languages(undetermined.to_list())},
            schema={"_text_key": pl.String, "_detected": pl.String},
        )
        scored = pairs.join(detected, on="_text_key", how="left").with_columns(
            _lang=pl.coalesce("_lang_key", "_detected", pl.lit("en"))
        )
        analyzers = {**_default_analyzers(), **(analyzer or {})}
    parts = [pl.DataFrame(schema={"_text_key": pl.String, "_lang_key": pl.String, "_score": pl.Float64})]
    for (lang,), group in scored.partition_by("_lang", as_dict=True).items():
        scorer = analyzers.get(lang)
        texts = group.get_column("_text_key").to_list()
        # The opt-in per-text step: the analysers are Python, so this loop is over distinct texts.
        scores = [None if scorer is None else scorer.polarity_scores(t)["compound"] for t in texts]
        parts.append(
            group.select("_text_key", "_lang_key").with_columns(_score=pl.Series(scores, dtype=pl.Float64))
        )
    lookup = pl.concat(parts).lazy()
    joined = keyed.join(
        lookup, on=["_text_key", "_lang_key"], how="left", nulls_equal=True, maintain_order="left"
    )
    if "sentiment" in schema and not overwrite:
        existing = sentiment_score(pl.col("sentiment"), schema["sentiment"])
        joined = joined.with_columns(sentiment=pl.coalesce(existing, pl.col("_score")))
    else:
        joined = joined.with_columns(sentiment=pl.col("_score"))
    result = joined.drop("_text_key", "_lang_key", "_score")
    return same_kind(result, messages)


def _default_analyzers() -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return {"en": SentimentIntensityAnalyzer(), "fr": french_analyzer(), "it": italian_analyzer()}


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

# Written with narwhals: the same definitions on polars, DuckDB and Spark. The tables hold
# ``sentiment`` as numbers (FactTables / EngineTables read labels); scores are clipped to [-1, 1].
_eligible = (nw.col("first_customer_sentiment") < NEGATIVE_BELOW) & (
    nw.col("customer_sentiment_messages") >= 2
)
_score = nw.col("sentiment").cast(nw.Float64).clip(-1.0, 1.0)

register_metric(
    Metric(
        "sentiment_conversion_rate",
        "conversations",
        "share",
        value=nw.col("last_customer_sentiment") > POSITIVE_ABOVE,
        where=_eligible,
        requires=("sentiment",),
        label="negative conversations turned positive",
        polarity="higher",
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
        value=nw.col("last_customer_sentiment") >= NEGATIVE_BELOW,
        where=_eligible,
        requires=("sentiment",),
        label="negative conversations turned neutral or better",
        polarity="higher",
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
        value=_score,
        where=(nw.col("direction") == INBOUND) & ~_score.is_null(),
        requires=("sentiment",),
        label="customer sentiment (mean)",
        polarity="higher",
        description="mean sentiment score of customer messages, in [-1, 1]",
    ),
    replace=True,
)
