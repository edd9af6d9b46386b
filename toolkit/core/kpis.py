"""KPIs per group: messages -> fact tables -> ``group_by(dimensions).agg(metrics)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.calendar.business_hours import as_calendar
from toolkit.core.metrics import CORE_KEYS, Metric, MetricContext, available_metrics, sla_target
from toolkit.core.turns import (
    _conversation_rows,
    _in_conversation_order,
    _turn_rows,
    conversation_number,
    dimension_columns,
)
from toolkit.errors import DataError, check_columns
from toolkit.present.i18n import _

__all__ = ["FactTables", "aggregate", "kpi_tables", "kpis"]

class FactTables:
    """The three fact tables of one log under one set of settings, lazily.

    ``messages``, ``turns`` and ``conversations`` are LazyFrames that share the same group and
    filter columns, so a metric of any level can be grouped by the same dimensions. Turns get
    ``waited_seconds`` (start -> answer, or -> end of the data when unanswered) and, with a
    calendar, ``response_bh_seconds``, ``waited_bh_seconds`` and ``in_hours``.
    """

    def __init__(
        self,
        messages: pl.DataFrame | pl.LazyFrame,
        *,
        sla: float | str | dt.timedelta | Mapping[str, float | str | dt.timedelta] = 3600,
        calendar: Any = None,
        every: str | None = None,
        timezone: str | None = None,
        as_of: dt.datetime | None = None,
        customers: pl.DataFrame | pl.LazyFrame | None = None,
    ) -> None:
        from toolkit.core.sla import sla_targets
        from toolkit.measures.outcomes import attach_customers, bad_turn_aggregation, conversation_outcomes
        from toolkit.measures.sentiment import numeric_sentiment

        lf = numeric_sentiment(as_lazy(messages))  # labels as numbers, as on every engine
        calendar = as_calendar(calendar, timezone=timezone)
        self.columns = lf.collect_schema().names()
        for required in ("conversation_id", "created_at", "direction", "row_nr", "is_bot"):
            if required not in self.columns:
                msg = _(
                    "messages have no {required!r} column (found: {columns}). "
                    "Hint: load the log with toolkit.read_messages() to get canonical columns."
                ).format(required=required, columns=self.columns)
                raise DataError(msg)
        if customers is not None:
            lf = attach_customers(lf, customers)
            self.columns = lf.collect_schema().names()
        if calendar is not None and hasattr(calendar, "covering") and as_of is None:
            # One min/max pass: the calendar is materialised for exactly the log's dates, so a
            # log outside its default span just works and the lookup table stays small.
            calendar = calendar.covering(lf, "created_at", fit=True)
        elif calendar is not None and hasattr(calendar, "covering"):
            lo, hi = lf.select(pl.col("created_at").min(), pl.col("created_at").max().alias("hi")).collect().row(0)
            bounds = pl.DataFrame({"created_at": [lo, hi, as_of]}, schema={"created_at": pl.Datetime("us", "UTC")})
            calendar = calendar.covering(bounds, "created_at", fit=True)
        default_sla, channel_slas = sla_targets(sla)
        self.context = MetricContext(sla=default_sla, calendar=calendar, sla_channels=channel_slas)
        tz = timezone or (getattr(calendar, "timezone", None) if calendar is not None else None) or "UTC"
        if every is not None:
            every = parse_period(every)
            # Periods are local to the team: a "day" starts at local midnight.
            lf = lf.with_columns(
                period=pl.col("created_at").dt.convert_time_zone(tz).dt.truncate(every)
            )
        self.messages = lf
        end = (
            pl.lit(as_of, pl.Datetime("us", "UTC")).alias("_as_of")
            if as_of is not None
            else pl.col("created_at").max().alias("_as_of")
        )
        # One sort of the whole log serves both tables: the turns take its human messages (a
        # filter keeps the order), the conversations group it (docs/benchmarks.md).
        # The turns carry their conversation's number (``_cid``) so that the conversation table
        # groups and joins them by an integer, not by the string ids.
        ordered = _in_conversation_order(lf).with_columns(_cid=conversation_number()).cache()
        human = ordered.filter(~pl.col("is_bot").fill_null(False))
        columns = lf.collect_schema().names()
        turn_rows = _turn_rows(human, [*dimension_columns(columns), "_cid"], has_agent="agent_id" in columns)
        facts = turn_rows.join(lf.select(end), how="cross")
        waited = pl.coalesce(pl.col("answered_at"), pl.col("_as_of"))
        facts = facts.with_columns(
            waited_seconds=(waited - pl.col("start")).dt.total_microseconds() / 1e6
        )
        if calendar is not None:
            facts = facts.with_columns(
                response_bh_seconds=calendar.business_seconds("start", "answered_at"),
                waited_bh_seconds=calendar.business_seconds("start", waited),
                in_hours=calendar.is_open("start"),
            )
        numbered_turns = facts.drop("_as_of").cache()
        self.turns = numbered_turns.drop("_cid")
        target = sla_target(self.context)
        conversations = _conversation_rows(
            lf, ordered, numbered_turns, (bad_turn_aggregation(target),), keep_number=True
        )
        self.conversations = conversation_outcomes(conversations, lf, self.turns, as_of=end, sla=target)

    def table(self, level: str) -> pl.LazyFrame:
        return {"messages": self.messages, "turns": self.turns, "conversations": self.conversations}[
            level
        ]

    def metrics(self, names: Sequence[str] | None = None) -> dict[str, Metric]:
        """The registered metrics these tables support (optionally only ``names``)."""
        supported = available_metrics(
            set(self.columns) | _DERIVED_COLUMNS, self.context
        )
        if names is None:
            return supported
        unknown = [n for n in names if n not in supported]
        if unknown:
            msg = _("metrics not available for this log: {unknown}; available: {supported}").format(
                unknown=unknown, supported=list(supported))
            raise DataError(msg)
        return {n: supported[n] for n in names}


# Columns the fact tables derive, so metrics may require them without the source having them.
_DERIVED_COLUMNS = {"response_seconds", "answered_at", "is_first", "inbound_messages", "start"}


def kpi_tables(messages: pl.DataFrame | pl.LazyFrame, **settings: Any) -> FactTables:
    """Build the fact tables once, to compute several KPI views from them."""
    return FactTables(messages, **settings)


def kpis(
    messages: Frame,
    *,
    by: str | Sequence[str] | None = None,
    sla: float | str | dt.timedelta | Mapping[str, float | str | dt.timedelta] = 3600,
    calendar: Any = None,
    every: str | None = None,
    timezone: str | None = None,
    metrics: Sequence[str] | None = None,
    as_of: dt.datetime | None = None,
    customers: pl.DataFrame | pl.LazyFrame | None = None,
    engine: str = "polars",
    memory_limit: str | None = None,
    spark_master: str | None = None,
) -> Frame:
    """Customer-service KPIs, one row per group.

    Parameters
    ----------
    messages
        Canonical messages (:func:`toolkit.read_messages`), a DataFrame or a LazyFrame; the
        result is of the same kind.
    by
        Column(s) to group by, e.g. ``"channel"`` or ``["brand", "channel"]``. Messages are
        grouped by their own value, turns by their first message's value (``agent_id``: the
        answering agent), conversations by their first message's value.
    sla
        SLA target: seconds, a timedelta or text such as ``"1h"`` or ``"30m"`` (default 1 h);
        it must be more than zero. Or per channel: ``{"twitter": "1h", "facebook": "24h",
        "default": 3600}`` or ``"twitter=3600,facebook=86400,default=3600"``
        (``sla_target_s`` reports the default).
    calendar
        A :class:`toolkit.BusinessCalendar` or opening hours as text (``"mon-fri 09:00-18:00"``,
        read in ``timezone``); adds the business-hours keys (``frt_bh_*``,
        ``art_bh_*``, ``sla_bh_compliance``, ``in_hours_share``).
    every
        Also group by period (``"1d"``, ``"1w"``, ``"1mo"``...) in the calendar's time zone (or
        ``timezone``, default UTC): a ``period`` column is added. Turns belong to the period
        they start in.
    metrics
        Registered metric names to compute (default: every metric the log supports).
    as_of
        End of the data for SLA (default: the last message's time).
    engine
        ``"polars"`` (default, in this process), ``"duckdb"`` (bigger than memory on one
        machine; spills to disk under ``memory_limit``, e.g. ``"4GB"``) or ``"spark"`` (a
        cluster at ``spark_master``, default ``local[*]``). Same numbers on every engine
        (docs/engines.md). On DuckDB and Spark ``messages`` may be a canonical Parquet file,
        directory or glob, read by the engine itself. Every registered metric runs on every
        engine; a researcher's metric written with polars expressions runs on polars only (left
        out with a warning, or a :class:`~toolkit.errors.DataError` when named in ``metrics``).
    memory_limit, spark_master
        Engine settings (see ``engine``).
    customers
        A customers table (:func:`toolkit.read_customers`): its columns become dimensions
        (``by="segment"``, ``by="vip"``) and unlock ``defection_rate``, ``arpu``,
        ``churned_revenue``.

    Returns
    -------
    The SPEC keys (``inbound_messages`` ... ``sla_compliance`` with ``sla_target_s``), the extra
    metrics the columns support, and the group columns first.

    Examples
    --------
    >>> import toolkit
    >>> m = toolkit.read_messages(toolkit.sample_path())  # doctest: +SKIP
    >>> toolkit.kpis(m, by="channel").select("channel", "frt_median_s")  # doctest: +SKIP
    """
    if engine != "polars":
        return _kpis_on_engine(
            messages, by=by, sla=sla, calendar=calendar, every=every, timezone=timezone,
            metrics=metrics, as_of=as_of, customers=customers, engine=engine,
            memory_limit=memory_limit, spark_master=spark_master,
        )
    if not isinstance(messages, (pl.DataFrame, pl.LazyFrame)):
        from toolkit.core.engines import _canonical_polars

        messages = _canonical_polars(messages)
    tables = FactTables(
        messages, sla=sla, calendar=calendar, every=every, timezone=timezone, as_of=as_of,
        customers=customers,
    )
    result = _aggregate(tables, _group_columns(by, every, tables.columns), metrics)
    return same_kind(result, messages)


def _kpis_on_engine(messages: Any, *, by: Any, every: str | None, customers: Any, engine: str,
                    metrics: Sequence[str] | None, **settings: Any) -> Frame:
    from toolkit.core.engines import EngineTables, check_engine, period_to_datetime, warn_skipped

    check_engine(engine)
    tables = EngineTables(messages, engine=engine, every=every, customers=customers, **settings)
    groups = _group_columns(by, every, [c for c in tables.columns if c != "period"])
    chosen = tables.metrics(metrics)
    warn_skipped(tables)
    result = period_to_datetime(_aggregate(tables, groups, list(chosen)).collect(), tables.timezone)
    return result.lazy() if isinstance(messages, pl.LazyFrame) else result


def _group_columns(by: str | Sequence[str] | None, every: str | None, columns: list[str]) -> list[str]:
    groups = check_columns(columns, "by", by)
    if every is not None:
        groups = ["period", *groups]
    return groups


def aggregate(
    tables: Any,
    metrics: Mapping[str, Metric] | Sequence[str] | None = None,
    *,
    by: str | Sequence[str] | None = None,
) -> pl.LazyFrame:
    """THE aggregation: registered metrics over fact tables, one row (or one per group).

    Every number of ``kpis``, the app's views, comparisons and the agent report comes from here.

    Parameters
    ----------
    tables
        :class:`FactTables`, or anything with ``table(level)`` and ``context`` (the app's
        filtered tables).
    metrics
        Metrics by name (a mapping), or registered names, or None for every metric the tables
        support (names and None need :class:`FactTables`).
    by
        Group column(s). A fact table that lacks one of them (a message-only column such as
        ``sentiment`` has no meaning for a turn) cannot be grouped by it: its metrics are left
        out of the result. When no table can be grouped so, a :class:`~toolkit.errors.DataError`
        says which columns each table offers.

    Returns
    -------
    polars.LazyFrame
        Group columns first (sorted, nulls last), then one column per metric in the given order;
        counts of empty groups are 0, other statistics of empty groups null.

    Examples
    --------
    >>> import toolkit
    >>> tables = FactTables(toolkit.sample_messages(n_conversations=30, seed=1))  # doctest: +SKIP
    >>> aggregate(tables, ["turns", "frt_median_s"], by="channel").collect()  # doctest: +SKIP
    """
    groups = [by] if isinstance(by, str) else list(dict.fromkeys(by or []))
    if isinstance(metrics, Mapping):
        chosen = dict(metrics)
    else:
        chosen = tables.metrics(None if metrics is None else list(metrics))
    from toolkit.core.engines import EngineTables, aggregate_on_engine

    if isinstance(tables, EngineTables):  # DuckDB or Spark: the neutral definitions, collected
        return aggregate_on_engine(tables, chosen, groups).lazy()
    ctx = tables.context
    parts: list[pl.LazyFrame] = []
    kept: list[str] = []
    offered: dict[str, list[str]] = {}
    for level in ("messages", "turns", "conversations"):
        level_metrics = [m for m in chosen.values() if m.level == level]
        if not level_metrics and level != "messages":
            continue
        table = tables.table(level)
        columns = table.collect_schema().names()
        if any(g not in columns for g in groups):
            offered[level] = columns
            continue
        aggs = [m.aggregation(ctx) for m in level_metrics] or [pl.len().alias("_rows")]
        parts.append(table.group_by(groups).agg(aggs) if groups else table.select(aggs))
        kept += [m.name for m in level_metrics]
    if not parts or (groups and not kept and chosen):
        wanted = sorted({m.level for m in chosen.values()}) or ["messages"]
        missing = {lv: [g for g in groups if g not in offered.get(lv, [])] for lv in wanted}
        msg = _("cannot group by {groups}: {missing}. Group by a case column such as channel, brand, category, "
                "agent_id or customer_id.").format(groups=groups, missing="; ".join(
                    _("{level} have no {columns}").format(level=_(lv), columns=cols)
                    for lv, cols in missing.items() if cols))
        raise DataError(msg)
    result = join_levels(parts, groups)
    counts = [n for n in kept if chosen[n].stat in ("count", "n_unique")]
    result = result.with_columns(pl.col(counts).fill_null(0)).select(*groups, *kept)
    return result.sort(groups, nulls_last=True) if groups else result


def join_levels(parts: list[Any], groups: list[str]) -> Any:
    """One frame from the per-level results: full joins on the groups (a group may exist in
    one level only), or side by side when there are no groups. Eager or lazy, as given."""
    if not groups:
        return pl.concat(parts, how="horizontal")
    result = parts[0]
    for part in parts[1:]:
        result = result.join(part, on=groups, how="full", nulls_equal=True, coalesce=True)
    return result


def _aggregate(
    tables: FactTables, groups: list[str], names: Sequence[str] | None
) -> pl.LazyFrame:
    """``kpis``' columns: :func:`aggregate` with the SLA target, in the SPEC's key order."""
    chosen = tables.metrics(names)
    result = aggregate(tables, chosen, by=groups)
    present = set(result.collect_schema().names())
    order = [k for k in CORE_KEYS if (k in chosen and k in present) or k == "sla_target_s"]
    rest = [n for n in chosen if n not in order and n in present]
    result = result.with_columns(sla_target_s=pl.lit(float(tables.context.sla)))
    if "resolution_rate" in rest:
        basis = "resolved_at" if "resolved_at" in tables.columns else "inferred"
        result = result.with_columns(resolution_basis=pl.lit(basis))
        rest.insert(rest.index("resolution_rate") + 1, "resolution_basis")
    return result.select(*groups, *order, *rest)
