"""Engines: the fact tables and the metrics, written once with narwhals, run on polars, DuckDB or Spark.

``kpis(..., engine="duckdb")`` and ``engine="spark"`` build the same fact tables as the polars
kernel (:mod:`toolkit.core.turns`), with narwhals expressions that each engine runs itself, and
aggregate the registered metrics through their engine-neutral definitions
(:meth:`toolkit.core.metrics.Metric.neutral_aggregation`). The data never has to fit in the
Python process: a canonical Parquet file, directory or glob is read by the engine; any other
source is loaded by the toolkit's loader first.

The definition, in narwhals (see SPEC "Engines"):

* messages are ordered within their conversation by time, ties by ``row_nr`` (input order);
  bot messages are dropped before turns are cut (they neither answer nor interrupt);
* a turn is a run of consecutive inbound messages (``shift`` over the conversation), numbered by
  a running sum of run starts; its answer is the message after the run's last message;
* times are integer epoch microseconds (the one per-engine helper, :func:`_with_epoch_us`),
  so differences are exact on every engine;
* business time: the calendar (built in Python, DST- and holiday-exact) becomes a small table,
  one row per UTC day with the open microseconds before the day and that day's open
  intervals; an equi-join on the day and a sum of clamped overlaps give the open time before
  any instant, on every engine (no as-of join, which Spark lacks).
"""

from __future__ import annotations

import datetime as dt
import glob as globlib
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from toolkit.core.metrics import Metric, MetricContext, available_metrics
from toolkit.core.turns import dimension_columns
from toolkit.errors import DataError
from toolkit.io.schema import INBOUND
from toolkit.present.i18n import _

__all__ = ["ENGINES", "EngineTables", "check_engine"]

ENGINES = ("polars", "duckdb", "spark")
_DAY_US = 86_400_000_000
_US = 1_000_000
_REQUIRED = ("conversation_id", "created_at", "direction", "row_nr", "is_bot")


def check_engine(engine: str) -> str:
    """The engine name, or a clear error naming the allowed ones."""
    if engine not in ENGINES:
        msg = _("engine={engine!r} is not one of {allowed}").format(engine=engine, allowed=list(ENGINES))
        raise DataError(msg)
    return engine


# ---- sources ------------------------------------------------------------------------------


def _parquet_paths(source: Any) -> str | None:
    """The Parquet file/dir/glob ``source`` names, as a glob the engines read; else None."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(path.rglob("*.parquet"))
        return os.path.join(text, "**", "*.parquet") if files else None
    if any(ch in text for ch in "*?["):
        files = globlib.glob(text, recursive=True)
        return text if files and all(f.endswith(".parquet") for f in files) else None
    return text if text.endswith(".parquet") and path.is_file() else None


def _is_canonical(schema: Sequence[str]) -> bool:
    return all(c in schema for c in _REQUIRED)


def canonical_parquet(source: Any) -> bool:
    """Whether ``source`` is a Parquet file/dir/glob already in canonical columns (a schema read,
    no data)."""
    paths = _parquet_paths(source)
    if paths is None:
        return False
    first = sorted(globlib.glob(paths, recursive=True))[0]
    return _is_canonical(pl.read_parquet_schema(first))


def _duckdb_connection(memory_limit: str | None) -> Any:
    import duckdb

    # narwhals runs some operations through duckdb's default connection, so the settings go there.
    con = duckdb.default_connection()
    if memory_limit:
        try:
            con.execute(f"SET memory_limit = '{_checked_memory(memory_limit)}'")
        except duckdb.Error as exc:
            msg = _("--memory-limit {memory_limit!r}: DuckDB refuses it ({exc}); use e.g. 4GB or 500MB").format(
                memory_limit=memory_limit, exc=exc)
            raise DataError(msg) from None
        con.execute("SET preserve_insertion_order = false")
    return con


def _checked_memory(text: str) -> str:
    import re

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|B)\s*", text, re.IGNORECASE):
        msg = _("--memory-limit {text!r}: expected a size such as 4GB, 500MB or 2GiB").format(text=text)
        raise DataError(msg)
    return text.strip()


def spark_session(master: str | None = None) -> Any:
    """The Spark session (``local[*]`` by default), UTC session time zone, Arrow transfers."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        msg = _("engine='spark' needs pyspark: pip install -r requirements-dev.txt (and Java 17)")
        raise DataError(msg) from None
    builder = (
        SparkSession.builder.appName("toolkit")
        .master(master or "local[*]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _with_epoch_us(native: Any, engine: str, column: str, alias: str) -> Any:
    """THE per-engine helper: ``alias`` = ``column`` as integer UTC epoch microseconds."""
    if engine == "polars":
        return native.with_columns(pl.col(column).dt.timestamp("us").alias(alias))
    if engine == "duckdb":
        return native.project(f'*, epoch_us("{column}") AS "{alias}"')
    from pyspark.sql import functions as F

    return native.withColumn(alias, F.unix_micros(F.col(column)))


def open_messages(
    source: Any, engine: str, *, memory_limit: str | None = None, spark_master: str | None = None
) -> tuple[Any, Any]:
    """The messages as the engine's native lazy frame (with ``_t``), and the engine handle."""
    check_engine(engine)
    parquet = _parquet_paths(source)
    handle: Any = None
    native: Any
    if engine == "duckdb":
        handle = _duckdb_connection(memory_limit)
    elif engine == "spark":
        handle = spark_session(spark_master)
    if parquet is not None and engine != "polars":
        if engine == "duckdb":
            native = handle.read_parquet(parquet, hive_partitioning=False)
        else:
            native = handle.read.parquet(*sorted(globlib.glob(parquet, recursive=True)))
        columns = list(native.columns)
        if not _is_canonical(columns):
            native = None  # a Parquet file in a source layout: the loader maps it
    else:
        native = None
    if native is None:
        frame = _canonical_polars(source)
        if engine == "polars":
            native = frame
        elif engine == "duckdb":
            native = handle.from_arrow(frame.collect().to_arrow())
        else:
            native = handle.createDataFrame(frame.collect().to_arrow())
    columns = list(native.collect_schema().names()) if engine == "polars" else list(native.columns)
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        msg = _(
            "messages have no {missing} column(s) (found: {columns}). Hint: load the log with "
            "toolkit.read_messages() (or write it with the loader) to get canonical columns."
        ).format(missing=missing, columns=columns)
        raise DataError(msg)
    return _with_epoch_us(native, engine, "created_at", "_t"), handle


def _numeric_sentiment(messages: nw.LazyFrame) -> nw.LazyFrame:
    """``sentiment`` as numbers, as :func:`toolkit.measures.sentiment.numeric_sentiment` gives on
    polars: labels (negative / neutral / positive) and number text are read on the engine."""
    dtype = messages.collect_schema().get("sentiment")
    if dtype is None or dtype == nw.Float64:
        return messages
    if dtype == nw.String:
        from toolkit.measures.sentiment import neutral_sentiment

        return messages.with_columns(sentiment=neutral_sentiment(nw.col("sentiment")))
    return messages.with_columns(sentiment=nw.col("sentiment").cast(nw.Float64).clip(-1.0, 1.0))


def _canonical_polars(source: Any) -> pl.LazyFrame:
    if isinstance(source, pl.DataFrame):
        return source.lazy()
    if isinstance(source, pl.LazyFrame):
        return source
    from toolkit.io.load import read_messages

    loaded = read_messages(source)
    return loaded.lazy() if isinstance(loaded, pl.DataFrame) else loaded


# ---- the fact tables, written once -------------------------------------------------------


def neutral_turns(messages: nw.LazyFrame, carried: Sequence[str], *, has_agent: bool) -> nw.LazyFrame:
    """One row per customer turn (SPEC), on any engine; times in epoch microseconds.

    Columns: ``conversation_id``, ``turn_index``, ``is_first``, ``start_us``, ``start_row_nr``,
    ``inbound_messages``, ``answered_us``, ``answer_message_id``, ``agent_id`` (answering agent),
    ``response_seconds`` and the ``carried`` columns of the turn's first message.
    """
    order = ["_t", "row_nr"]

    def window(expr: nw.Expr) -> nw.Expr:
        return expr.over("conversation_id", order_by=order)

    inbound = nw.col("direction") == INBOUND
    human = messages.filter(~nw.col("is_bot").fill_null(value=False))
    lagged = human.with_columns(
        _prev=window(nw.col("direction").shift(1)),
        _next=window(nw.col("direction").shift(-1)),
        _next_t=window(nw.col("_t").shift(-1)),
        _next_id=window(nw.col("message_id").shift(-1)),
        _next_agent=window(nw.col("agent_id").shift(-1)) if has_agent else nw.lit(None, nw.String),
    )
    # Explicit null tests: a missing neighbour is "not inbound" (no null-skipping shortcuts).
    starts = inbound & (nw.col("_prev").is_null() | (nw.col("_prev") != INBOUND))
    ends = inbound & (nw.col("_next").is_null() | (nw.col("_next") != INBOUND))
    runs = lagged.with_columns(_start=starts, _end=ends).with_columns(
        _run=window(nw.col("_start").cast(nw.Int64).cum_sum())
    )
    answered = nw.col("_end") & ~nw.col("_next").is_null()
    first = nw.col("_start")
    turns = (
        runs.filter(inbound)
        .group_by("conversation_id", "_run")
        .agg(
            nw.col("_t").min().alias("start_us"),
            nw.when(first).then(nw.col("row_nr")).max().alias("start_row_nr"),
            nw.len().cast(nw.Int64).alias("inbound_messages"),
            nw.when(answered).then(nw.col("_next_t")).max().alias("answered_us"),
            nw.when(answered).then(nw.col("_next_id")).max().alias("answer_message_id"),
            nw.when(answered).then(nw.col("_next_agent")).max().alias("agent_id"),
            *[nw.when(first).then(nw.col(c)).max().alias(c) for c in carried],
        )
    )
    return turns.with_columns(
        turn_index=(nw.col("_run") - 1).cast(nw.Int64),
        is_first=nw.col("_run") == 1,
        response_seconds=(nw.col("answered_us") - nw.col("start_us")).cast(nw.Float64) / _US,
    ).drop("_run")


_QUIET_US = 72 * 3600 * _US  # inferred resolution: 72 h of quiet after the last reply (SPEC)


def neutral_conversations(
    messages: nw.LazyFrame,
    turns: nw.LazyFrame,
    carried: Sequence[str],
    *,
    end_us: int,
    columns: Sequence[str],
) -> nw.LazyFrame:
    """One row per conversation with the outcome columns the conversation metrics read, on any
    engine: the neutral twin of :func:`toolkit.core.turns.conversations` +
    :func:`toolkit.measures.outcomes.conversation_outcomes`.

    "First"/"last" values in conversation order (time, ties by ``row_nr``) are fills along the
    ordered conversation (backward fill read at the first message, forward fill read at the
    last), so no engine needs an ordered aggregation. Columns: ``conversation_id``, the
    ``carried`` case columns, ``customer_id``, ``agent_id`` (first human reply's agent),
    ``started_us``, ``last_outbound_us``, ``messages``, ``turns``, ``answered_turns``,
    ``first_response_seconds``, ``human_replied``, ``resolved``, ``resolution_seconds``,
    ``first_of_customer`` and, when their source columns exist, ``handle_seconds``,
    ``last_csat``, ``last_nps``, ``untagged``.
    """
    order = ["_t", "row_nr"]

    def window(expr: nw.Expr) -> nw.Expr:
        return expr.over("conversation_id", order_by=order)

    inbound = nw.col("direction") == INBOUND
    bot = nw.col("is_bot").fill_null(value=False)
    human_out = ~inbound & ~bot
    firsts: dict[str, nw.Expr] = {}  # first non-null value in order, per conversation
    for c in carried:
        if c != "customer_id":
            firsts[c] = nw.col(c)
    if "customer_id" in columns:
        firsts["customer_id"] = nw.when(inbound).then(nw.col("customer_id"))
    if "agent_id" in columns:
        firsts["agent_id"] = nw.when(human_out).then(nw.col("agent_id"))
    if "resolved_at" in columns:
        firsts["resolved_us"] = nw.col("_resolved_us")
    lasts: dict[str, nw.Expr] = {}  # last non-null value in order
    rated: nw.Expr | None = None
    if "sentiment" in columns:  # numbers here (EngineTables reads labels)
        score = nw.col("sentiment").cast(nw.Float64).clip(-1.0, 1.0)
        rated = inbound & ~score.is_null()
        firsts["first_customer_sentiment"] = nw.when(rated).then(score)
        lasts["last_customer_sentiment"] = nw.when(rated).then(score)
    for name, low, high in (("csat", 1, 5), ("nps", 0, 10)):
        if name in columns:
            rating = nw.col(name).cast(nw.Float64)
            lasts[f"last_{name}"] = nw.when((rating >= low) & (rating <= high)).then(rating)
    marked = messages.with_columns(
        _first_row=window(nw.col("row_nr").shift(1)).is_null(),
        _last_row=window(nw.col("row_nr").shift(-1)).is_null(),
        _inbound_seen=window(inbound.cast(nw.Int64).cum_sum()),
        **{f"_f_{k}": window(v.fill_null(strategy="backward")) for k, v in firsts.items()},
        **{f"_l_{k}": window(v.fill_null(strategy="forward")) for k, v in lasts.items()},
    )
    aggs = [
        nw.col("_t").min().alias("started_us"),
        nw.len().cast(nw.Int64).alias("messages"),
        nw.when(human_out).then(nw.col("_t")).max().alias("last_outbound_us"),
        nw.when(human_out).then(nw.lit(1)).count().cast(nw.Int64).alias("_human_replies"),
        nw.when(nw.col("_last_row")).then(human_out.cast(nw.Int64)).max().alias("_last_is_human_reply"),
        *[nw.when(nw.col("_first_row")).then(nw.col(f"_f_{k}")).max().alias(k) for k in firsts],
        *[nw.when(nw.col("_last_row")).then(nw.col(f"_l_{k}")).max().alias(k) for k in lasts],
    ]
    if rated is not None:
        aggs.append(nw.when(rated).then(nw.lit(1)).count().cast(nw.Int64).alias("customer_sentiment_messages"))
    from toolkit.measures.deflection import deflection_message

    moved = deflection_message(columns)
    if moved is not None:
        aggs.append((nw.when(moved).then(nw.lit(1)).count() > 0).alias("deflected"))
    if "handle_seconds" in columns:
        hs = nw.col("handle_seconds").cast(nw.Float64)
        aggs.append(nw.when(hs.count() > 0).then(hs.sum()).alias("handle_seconds"))
    if "mention_type" in columns:
        first_in = inbound & (nw.col("_inbound_seen") == 1)
        kind = nw.col("mention_type").cast(nw.String).str.strip_chars().str.to_lowercase()
        aggs.append(nw.when(first_in).then((kind == "untagged").cast(nw.Int64)).max().alias("untagged"))
    conv = marked.group_by("conversation_id").agg(*aggs)
    turn_stats = turns.group_by("conversation_id").agg(
        nw.len().cast(nw.Int64).alias("turns"),
        nw.when(~nw.col("answered_us").is_null()).then(nw.lit(1)).count().cast(nw.Int64).alias("answered_turns"),
        nw.when(nw.col("is_first")).then(nw.col("response_seconds")).max().alias("first_response_seconds"),
    )
    conv = conv.join(turn_stats, on="conversation_id", how="left").with_columns(
        nw.col("turns").fill_null(0), nw.col("answered_turns").fill_null(0)
    )
    if "resolved_at" in columns:
        resolved = ~nw.col("resolved_us").is_null()
        resolved_us = nw.col("resolved_us")
    else:
        conv = _with_comeback(conv, messages)
        quiet = (nw.lit(end_us) - nw.col("last_outbound_us")) >= _QUIET_US
        came_back = ~nw.col("_next_customer_us").is_null() & (
            (nw.col("_next_customer_us") - nw.col("last_outbound_us")) <= _QUIET_US
        )
        resolved = (nw.col("_last_is_human_reply") == 1) & ~nw.col("last_outbound_us").is_null() & quiet & ~came_back
        resolved_us = nw.lit(None, nw.Int64)
    since = nw.when(resolved_us.is_null()).then(nw.col("last_outbound_us")).otherwise(resolved_us)
    conv = conv.with_columns(
        resolved=resolved,
        resolution_seconds=(since - nw.col("started_us")).cast(nw.Float64) / _US,
        human_replied=nw.col("_human_replies") > 0,
    )
    if "mention_type" in columns:
        conv = conv.with_columns(untagged=nw.col("untagged").fill_null(0) == 1)
    if "_churned_us" in columns:
        conv = conv.with_columns(churn_after_s=(nw.col("_churned_us") - nw.col("started_us")).cast(nw.Float64) / _US)
    if "customer_id" in columns:
        # Where each customer is counted (defection, ARPU): their first conversation.
        rank = nw.col("conversation_id").cum_count().over("customer_id", order_by=["started_us", "conversation_id"])
        conv = conv.with_columns(first_of_customer=~nw.col("customer_id").is_null() & (rank == 1))
    else:
        conv = conv.with_columns(first_of_customer=nw.lit(value=False))
    drop = ["_human_replies", "_last_is_human_reply"] + ([] if "resolved_at" in columns else ["_next_customer_us"])
    return conv.drop(drop)


def _with_comeback(conv: nw.LazyFrame, messages: nw.LazyFrame) -> nw.LazyFrame:
    """``_next_customer_us``: the conversation customer's next inbound message anywhere, strictly
    after the conversation's last human reply (the as-of join of the polars kernel, written as a
    union and a backward fill per customer, which every engine runs)."""
    inbound = nw.col("direction") == INBOUND
    events = messages.filter(inbound & ~nw.col("customer_id").is_null()).select(
        nw.col("customer_id").cast(nw.String), nw.col("_t").alias("_at"), nw.lit(0).cast(nw.Int64).alias("_kind"),
        nw.lit(None, nw.String).alias("_conv"),
    )
    markers = conv.filter(~nw.col("last_outbound_us").is_null() & ~nw.col("customer_id").is_null()).select(
        nw.col("customer_id").cast(nw.String), nw.col("last_outbound_us").alias("_at"),
        nw.lit(1).cast(nw.Int64).alias("_kind"), nw.col("conversation_id").cast(nw.String).alias("_conv"),
    )
    # Messages sort before a reply at the same instant (kind 0 < 1): only later ones count.
    nxt = nw.when(nw.col("_kind") == 0).then(nw.col("_at"))
    stream = nw.concat([events, markers], how="vertical").with_columns(
        _next_customer_us=nxt.fill_null(strategy="backward").over("customer_id", order_by=["_at", "_kind"])
    )
    comeback = stream.filter(nw.col("_kind") == 1).select(
        nw.col("_conv").alias("conversation_id"), "_next_customer_us"
    )
    return conv.join(comeback, on="conversation_id", how="left")


def calendar_days(calendar: Any) -> tuple[pl.DataFrame, int]:
    """The calendar as one row per UTC day: ``_day``, ``_before`` (open microseconds from the
    span's start to the day's start) and the day's open intervals ``_o{i}``/``_c{i}`` (UTC
    microseconds, null when the day has fewer); and how many interval slots there are."""
    from toolkit.calendar.business_hours import _materialise

    table = _materialise(calendar)
    first_day = table.lo_us // _DAY_US - 1
    last_day = table.hi_us // _DAY_US + 1
    per_day: dict[int, list[tuple[int, int]]] = {}
    for s, e in zip(table.starts, table.ends, strict=True):
        d = s // _DAY_US
        while s < e:  # split at UTC midnights so every piece sits in one day
            cut = min(e, (d + 1) * _DAY_US)
            per_day.setdefault(d, []).append((s, cut))
            s, d = cut, d + 1
    slots = max((len(v) for v in per_day.values()), default=0)
    rows: dict[str, list[Any]] = {"_day": [], "_before": []}
    for i in range(slots):
        rows[f"_o{i}"], rows[f"_c{i}"] = [], []
    before = 0
    for d in range(first_day, last_day + 1):
        rows["_day"].append(d)
        rows["_before"].append(before)
        pieces = per_day.get(d, [])
        for i in range(slots):
            s, e = pieces[i] if i < len(pieces) else (None, None)
            rows[f"_o{i}"].append(s)
            rows[f"_c{i}"].append(e)
        before += sum(e - s for s, e in pieces)
    schema = dict.fromkeys(rows, pl.Int64)
    return pl.DataFrame(rows, schema=schema), slots


def _open_before(t: str, slots: int, prefix: str) -> tuple[nw.Expr, nw.Expr]:
    """Open microseconds before instant ``t`` and whether ``t`` is open, from joined day columns."""
    total = nw.col(f"{prefix}_before")
    is_open = nw.lit(value=False)
    for i in range(slots):
        o, c = nw.col(f"{prefix}_o{i}"), nw.col(f"{prefix}_c{i}")
        # clamp(t - o, 0, c - o), written with explicit branches (a null slot adds 0).
        part = (
            nw.when(o.is_null()).then(nw.lit(0))
            .when(nw.col(t) <= o).then(nw.lit(0))
            .when(nw.col(t) >= c).then(c - o)
            .otherwise(nw.col(t) - o)
        )
        total = total + part
        is_open = is_open | (~o.is_null() & (nw.col(t) >= o) & (nw.col(t) < c))
    return total, is_open


def _with_business_time(turns: nw.LazyFrame, days: nw.LazyFrame, slots: int, as_of_us: int, calendar: Any) -> nw.LazyFrame:
    day_cols = ["_before", *[f"_{k}{i}" for i in range(slots) for k in ("o", "c")]]

    def joined(frame: nw.LazyFrame, column: str, prefix: str) -> nw.LazyFrame:
        renamed = days.rename({"_day": f"{prefix}_day", **{c: f"{prefix}{c}" for c in day_cols}})
        keyed = frame.with_columns((nw.col(column) // _DAY_US).alias(f"{prefix}_day"))
        return keyed.join(renamed, on=f"{prefix}_day", how="left").drop(f"{prefix}_day")

    f_as_of = pl.DataFrame({"t": [as_of_us]}).select(
        calendar._open_us_before(pl.col("t"))  # the calendar's own F at the end of the data
    ).item()
    out = joined(joined(turns, "start_us", "_s"), "answered_us", "_a")
    f_start, open_start = _open_before("start_us", slots, "_s")
    f_answer, _ = _open_before("answered_us", slots, "_a")
    out = out.with_columns(_fs=f_start, _fa=f_answer, in_hours=open_start)
    response = nw.col("_fa") - nw.col("_fs")
    waited = nw.when(nw.col("answered_us").is_null()).then(nw.lit(f_as_of) - nw.col("_fs")).otherwise(response)
    out = out.with_columns(
        response_bh_seconds=nw.when(response < 0).then(nw.lit(0)).otherwise(response).cast(nw.Float64) / _US,
        waited_bh_seconds=nw.when(waited < 0).then(nw.lit(0)).otherwise(waited).cast(nw.Float64) / _US,
    )
    drop = ["_fs", "_fa", *[f"{p}{c}" for p in ("_s", "_a") for c in day_cols]]
    return out.drop(drop)


class EngineTables:
    """The fact tables on an engine: ``messages`` and ``turns`` as narwhals LazyFrames.

    ``conversations`` (:func:`neutral_conversations`) is built on first use. Metrics written
    with polars expressions (a researcher's) are left out on DuckDB and Spark with a note
    (:attr:`skipped`); every registered metric of the toolkit runs here.
    """

    def __init__(
        self,
        source: Any,
        *,
        engine: str,
        sla: Any = 3600,
        calendar: Any = None,
        timezone: str | None = None,
        as_of: dt.datetime | None = None,
        every: str | None = None,
        customers: pl.DataFrame | pl.LazyFrame | None = None,
        memory_limit: str | None = None,
        spark_master: str | None = None,
    ) -> None:
        from toolkit.calendar.business_hours import as_calendar
        from toolkit.core.sla import sla_targets

        self.engine = check_engine(engine)
        native, self.handle = open_messages(
            source, engine, memory_limit=memory_limit, spark_master=spark_master
        )
        messages = _numeric_sentiment(nw.from_native(native))
        if customers is not None:
            messages = self._with_customers(messages, customers)
        self.columns = [c for c in messages.collect_schema().names() if c != "_t"]
        calendar = as_calendar(calendar, timezone=timezone)
        lo, hi = (
            messages.select(nw.col("_t").min().alias("lo"), nw.col("_t").max().alias("hi"))
            .collect("polars")
            .to_native()
            .row(0)
        )
        if lo is None:
            msg = _("the message log is empty: there is nothing to compute")
            raise DataError(msg)
        as_of_us = hi if as_of is None else _epoch_us(as_of)
        if calendar is not None and hasattr(calendar, "covering"):
            bounds = pl.DataFrame(
                {"created_at": [lo, hi, as_of_us]}, schema={"created_at": pl.Int64}
            ).select(pl.col("created_at").cast(pl.Datetime("us", "UTC")))
            calendar = calendar.covering(bounds, "created_at", fit=True)
        default_sla, channel_slas = sla_targets(sla)
        self.context = MetricContext(sla=default_sla, calendar=calendar, sla_channels=channel_slas)
        self.timezone = timezone or getattr(calendar, "timezone", None) or "UTC"
        if every is not None:
            messages = self._with_period(messages, every, lo, hi)
            self.columns.append("period")
        carried = dimension_columns(self.columns)
        has_agent = "agent_id" in self.columns
        turns = neutral_turns(messages, carried, has_agent=has_agent)
        turns = turns.with_columns(
            waited_seconds=(
                nw.when(nw.col("answered_us").is_null()).then(nw.lit(as_of_us)).otherwise(nw.col("answered_us"))
                - nw.col("start_us")
            ).cast(nw.Float64) / _US,
            answered_at=nw.col("answered_us"),
        )
        self._base_turns = turns  # without business time: what the conversation table reads
        if calendar is not None:
            days, slots = calendar_days(calendar)
            turns = _with_business_time(turns, self._frame(days), slots, as_of_us, calendar)
        self.messages = messages
        self.turns = turns
        self.skipped: list[str] = []
        self._conversation_args = (carried, as_of_us)
        self._conversations: nw.LazyFrame | None = None

    @property
    def conversations(self) -> nw.LazyFrame:
        """The conversation table (built on first use: only conversation metrics read it)."""
        if self._conversations is None:
            carried, end_us = self._conversation_args
            messages = self.messages
            if "resolved_at" in self.columns:
                native = _with_epoch_us(messages.to_native(), self.engine, "resolved_at", "_resolved_us")
                messages = nw.from_native(native)
            self._conversations = neutral_conversations(
                messages, self._base_turns, carried, end_us=end_us, columns=self.columns
            )
        return self._conversations

    def _with_customers(self, messages: nw.LazyFrame, customers: pl.DataFrame | pl.LazyFrame) -> nw.LazyFrame:
        """Every message with its conversation's customer's columns, as
        :func:`toolkit.measures.outcomes.attach_customers` does: the customer is the author of
        the conversation's first inbound message; clashing names get ``_customer``. The
        customers table (one row per customer: small) is prepared here and joined on the
        engine; ``churned_at`` also comes as epoch microseconds (``_churned_us``)."""
        from toolkit.measures.outcomes import customers_table

        prepared = customers_table(customers, messages.collect_schema().names()).rename({"customer_id": "_owner"})
        if "churned_at" in prepared.collect_schema().names():
            prepared = prepared.with_columns(_churned_us=pl.col("churned_at").dt.timestamp("us"))
        inbound = (nw.col("direction") == INBOUND) & ~nw.col("customer_id").is_null()
        first = nw.col("row_nr").cum_count().over("conversation_id", order_by=["_t", "row_nr"])
        owner = (
            messages.filter(inbound)
            .with_columns(_rank=first)
            .filter(nw.col("_rank") == 1)
            .select("conversation_id", nw.col("customer_id").cast(nw.String).alias("_owner"))
        )
        return (
            messages.join(owner, on="conversation_id", how="left")
            .join(self._frame(prepared.collect()), on="_owner", how="left")
            .drop("_owner")
        )

    def _with_period(self, messages: nw.LazyFrame, every: str, lo: int, hi: int) -> nw.LazyFrame:
        """``period``: the local period (SPEC: "a day starts at local midnight") each message
        falls in, as epoch microseconds (:func:`period_to_datetime` turns it back).

        Periods are cut in Python, DST-exact, for every slot of the log's span: UTC slots of 15
        minutes (or a divisor of a shorter period), since every zone's offset is a multiple of
        15 minutes, so a local period boundary is always a slot boundary. The small slot ->
        period table is joined to the messages on the engine.
        """
        from toolkit._durations import parse_period

        step = parse_period(every)
        slot_us = slot_seconds(step) * _US
        first, last = lo // slot_us, hi // slot_us
        slots = pl.DataFrame({"_slot": pl.int_range(first, last + 1, dtype=pl.Int64, eager=True)}).with_columns(
            period=(pl.col("_slot") * slot_us)
            .cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone(self.timezone)
            .dt.truncate(step)
            .dt.timestamp("us")
        )
        keyed = messages.with_columns((nw.col("_t") // slot_us).alias("_slot"))
        return keyed.join(self._frame(slots), on="_slot", how="left").drop("_slot")

    def _frame(self, df: pl.DataFrame) -> nw.LazyFrame:
        if self.engine == "polars":
            return nw.from_native(df.lazy())
        if self.engine == "duckdb":
            return nw.from_native(self.handle.from_arrow(df.to_arrow()))
        return nw.from_native(self.handle.createDataFrame(df.to_arrow()))

    def table(self, level: str) -> nw.LazyFrame:
        if level == "conversations":
            return self.conversations
        return {"messages": self.messages, "turns": self.turns}[level]

    def metrics(self, names: Sequence[str] | None = None) -> dict[str, Metric]:
        """The registered metrics this engine can compute (optionally only ``names``).

        A metric named explicitly that is polars-only (written with polars expressions) is a
        :class:`DataError`; by default such metrics are skipped and listed in :attr:`skipped`.
        Every registered metric of the toolkit runs on every engine (docs/engines.md).
        """
        from toolkit.core.kpis import _DERIVED_COLUMNS

        supported = available_metrics(set(self.columns) | _DERIVED_COLUMNS, self.context)
        runnable = {n: m for n, m in supported.items() if m.is_neutral(self.context)}
        if names is None:
            self.skipped = [n for n in supported if n not in runnable]
            return runnable
        unknown = [n for n in names if n not in supported]
        if unknown:
            msg = _("metrics not available for this log: {unknown}; available: {supported}").format(
                unknown=unknown, supported=list(supported))
            raise DataError(msg)
        polars_only = [n for n in names if n not in runnable]
        if polars_only:
            msg = _(
                "metrics {polars_only} run on the polars engine only (written with polars "
                "expressions), not on engine={engine!r}; "
                "leave them out or use engine='polars'"
            ).format(polars_only=polars_only, engine=self.engine)
            raise DataError(msg)
        return {n: runnable[n] for n in names}


def slot_seconds(step: str) -> int:
    """The UTC slot (seconds) that divides every local boundary of periods of ``step``: 15
    minutes (time-zone offsets are multiples of it), or a divisor of a shorter fixed period."""
    import math
    import re

    fixed = re.fullmatch(r"(\d+)(s|m|h)", step)
    if fixed:
        return math.gcd(_SLOT_S, int(fixed.group(1)) * {"s": 1, "m": 60, "h": 3600}[fixed.group(2)])
    return _SLOT_S


_SLOT_S = 900


def period_to_datetime(result: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """The engines' ``period`` (epoch microseconds) as the local datetime polars gives."""
    if "period" not in result.columns:
        return result
    return result.with_columns(
        pl.col("period").cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(timezone)
    )


def _epoch_us(instant: dt.datetime) -> int:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    delta = instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def aggregate_on_engine(
    tables: EngineTables, chosen: dict[str, Metric], groups: list[str]
) -> pl.DataFrame:
    """The engine half of :func:`toolkit.core.kpis.aggregate`: neutral aggregations, collected."""
    ctx = tables.context
    parts: list[pl.DataFrame] = []
    kept: list[str] = []
    for level in ("messages", "turns", "conversations"):
        level_metrics = [m for m in chosen.values() if m.level == level]
        if not level_metrics and level != "messages":
            continue
        table = tables.table(level)
        if any(g not in table.collect_schema().names() for g in groups):
            continue
        # Statistics the engine cannot finish in one aggregation (Kaplan-Meier: a running
        # product in duration order) give the engine a small group-by and finish here.
        collected: dict[type, list[Metric]] = {}
        for m in level_metrics:
            if hasattr(m, "aggregate_collected"):
                collected.setdefault(type(m), []).append(m)
        plain = [m for m in level_metrics if not hasattr(m, "aggregate_collected")]
        aggs = [m.neutral_aggregation(ctx) for m in plain] or [nw.len().alias("_rows")]
        query = table.group_by(*groups).agg(*aggs) if groups else table.select(*aggs)
        part = query.collect("polars").to_native()
        for kind, members in collected.items():
            extra = kind.aggregate_collected(table, members, groups, ctx)  # type: ignore[attr-defined]
            if groups:
                part = part.join(extra, on=groups, how="full", nulls_equal=True, coalesce=True)
            else:
                part = pl.concat([part, extra], how="horizontal")
        parts.append(part)
        kept += [m.name for m in level_metrics]
    if groups and not kept and chosen:
        msg = _("cannot group by {groups}: the tables that hold these metrics have no such column").format(
            groups=groups)
        raise DataError(msg)
    from toolkit.core.kpis import join_levels

    result = join_levels(parts, groups)
    counts = [n for n in kept if chosen[n].stat in ("count", "n_unique")]
    result = result.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64)).select(*groups, *kept)
    result = result.with_columns(pl.col(n).cast(pl.Float64) for n in kept if n not in counts)
    return result.sort(groups, nulls_last=True) if groups else result


def warn_skipped(tables: EngineTables) -> None:
    if tables.skipped:
        warnings.warn(
            _("engine={engine!r} leaves out polars-only metrics: {skipped}").format(
                engine=tables.engine, skipped=tables.skipped),
            stacklevel=3,
        )
