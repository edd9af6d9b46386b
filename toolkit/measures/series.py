"""Series the app, the notebooks and the reports draw: by period, by hour of the week, by SLA status.

Each is one lazy polars query over the messages or the fact tables (lazy in, lazy out):

* :func:`inbound_by_hour_of_week`: customer messages per local weekday x hour (all 168 cells),
  per week on average, and, with opening hours, how many arrived while closed;
* :func:`response_by_hour_of_week`: the median response time of answered turns per cell;
* :func:`sla_status`: turns met / missed / pending under the SLA rule of the metric registry;
* :func:`response_series`: response-time metrics per local period, over any fact tables
  (:class:`toolkit.FactTables` or the app's filtered tables).

>>> import polars as pl, datetime as dt
>>> t0 = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)  # a Monday
>>> m = pl.DataFrame({"direction": ["inbound", "outbound", "inbound"],
...                   "created_at": [t0, t0 + dt.timedelta(minutes=5), t0 + dt.timedelta(days=8)]})
>>> cells = inbound_by_hour_of_week(m)
>>> cells.filter(pl.col("inbound_messages") > 0).select("weekday", "hour", "inbound_messages").rows()
[(1, 9, 1), (2, 9, 1)]
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import Any

import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, same_kind

# The registry's SLA rule itself (shared with the sla_compliance metric), not a restatement.
from toolkit.core.metrics import MetricContext, get_metric, sla_decided, sla_met
from toolkit.io.schema import INBOUND

__all__ = [
    "inbound_by_hour_of_week",
    "response_by_hour_of_week",
    "response_series",
    "sla_status",
    "with_period",
]

#: The instant that places a row of each fact table in time.
_INSTANT = {"messages": "created_at", "turns": "start", "conversations": "started_at"}


def _week_grid() -> pl.LazyFrame:
    return pl.LazyFrame(
        {"weekday": [d for d in range(1, 8) for _ in range(24)], "hour": list(range(24)) * 7},
        schema={"weekday": pl.Int8, "hour": pl.Int8},
    )


def _cell(instant: str, timezone: str) -> list[pl.Expr]:
    local = pl.col(instant).dt.convert_time_zone(timezone)
    return [local.dt.weekday().cast(pl.Int8).alias("weekday"), local.dt.hour().cast(pl.Int8).alias("hour")]


def inbound_by_hour_of_week(
    messages: Frame, *, timezone: str | None = None, calendar: Any = None
) -> Frame:
    """Inbound volume per local hour of the week (168 rows, empty cells as zeros).

    Parameters
    ----------
    messages
        Canonical messages (eager or lazy; the result is the same kind).
    timezone
        IANA zone of the team (default: the calendar's, else UTC).
    calendar
        Opening hours (:class:`toolkit.BusinessCalendar`): adds ``out_of_hours_inbound`` (those
        that arrived while closed, holidays included) and ``open_fraction`` (of the cell's hour).

    Returns
    -------
    ``weekday`` (1 = Monday), ``hour``, ``inbound_messages`` (total), ``inbound_per_week``
    (average over the weeks the log spans, at least one), and the calendar's columns.
    """
    tz = timezone or getattr(calendar, "timezone", None) or "UTC"
    lf = as_lazy(messages).filter(pl.col("direction") == INBOUND)
    aggs = [pl.len().cast(pl.Int64).alias("inbound_messages")]
    cells = _cell("created_at", tz)
    if calendar is not None:
        cells.append((~calendar.is_open("created_at")).alias("_closed"))
        aggs.append(pl.col("_closed").sum().cast(pl.Int64).alias("out_of_hours_inbound"))
    counts = lf.select(cells).group_by("weekday", "hour").agg(aggs)
    weeks = lf.select(
        ((pl.col("created_at").max() - pl.col("created_at").min()).dt.total_seconds() / (7 * 86400))
        .fill_null(0.0)
        .clip(lower_bound=1.0)
        .alias("_weeks")
    )
    filled = [c for c in ("inbound_messages", "out_of_hours_inbound") if c in counts.collect_schema().names()]
    grid = _week_grid()
    columns = ["weekday", "hour", "inbound_messages", "inbound_per_week", *filled[1:]]
    if calendar is not None:
        grid = grid.join(calendar.hour_of_week_open().lazy(), on=["weekday", "hour"], how="left")
        columns.append("open_fraction")
    result = (
        grid.join(counts, on=["weekday", "hour"], how="left")
        .join(weeks, how="cross")
        .with_columns(pl.col(filled).fill_null(0))
        .with_columns(inbound_per_week=pl.col("inbound_messages") / pl.col("_weeks"))
        .select(columns)
        .sort("weekday", "hour")
    )
    return same_kind(result, messages)


def response_by_hour_of_week(turns: Frame, *, timezone: str = "UTC") -> Frame:
    """Median response time of answered turns per local hour of the week (by the turn's start).

    Parameters
    ----------
    turns
        Turns (:func:`toolkit.turns` or a fact table's ``turns``), eager or lazy.
    timezone
        IANA zone of the team.

    Returns
    -------
    ``weekday``, ``hour``, ``art_median_s``, ``answered_turns``: only cells with an answered
    turn, sorted.
    """
    result = (
        as_lazy(turns)
        .filter(pl.col("answered_at").is_not_null())
        .group_by(_cell("start", timezone))
        .agg(
            pl.col("response_seconds").median().alias("art_median_s"),
            pl.len().cast(pl.Int64).alias("answered_turns"),
        )
        .sort("weekday", "hour")
    )
    return same_kind(result, turns)


def sla_status(turns: Frame, context: MetricContext | float = 3600) -> Frame:
    """Turns by SLA status, with the registry's rule: ``met``, ``missed`` or ``pending``.

    A turn is met when answered within its target; missed when answered later or when it has
    waited longer than the target unanswered; pending otherwise (still within the target).

    Parameters
    ----------
    turns
        Turns with ``waited_seconds`` (a fact table's ``turns``).
    context
        The metric context (its SLA target and per-channel targets) or a target in seconds.

    Returns
    -------
    ``sla_status``, ``turns``: most turns first.

    Examples
    --------
    >>> t = pl.DataFrame({"answered_at": [1, None, None], "response_seconds": [60.0, None, None],
    ...                   "waited_seconds": [60.0, 7200.0, 10.0]})
    >>> sla_status(t, 3600).sort("sla_status").rows()
    [('met', 1), ('missed', 1), ('pending', 1)]
    """
    ctx = context if isinstance(context, MetricContext) else MetricContext(sla=float(context))
    status = (
        pl.when(sla_met(ctx)).then(pl.lit("met"))
        .when(sla_decided(ctx)).then(pl.lit("missed"))
        .otherwise(pl.lit("pending"))
    )
    result = (
        as_lazy(turns)
        .group_by(status.alias("sla_status"))
        .agg(pl.len().cast(pl.Int64).alias("turns"))
        .sort("turns", "sla_status", descending=[True, False])
    )
    return same_kind(result, turns)


def with_period(tables: Any, every: str, timezone: str = "UTC") -> Any:
    """A copy of fact tables with a ``period`` column (local start of the row's period) on each.

    Messages are placed by ``created_at``, turns by ``start``, conversations by ``started_at``.
    """
    step = parse_period(every)
    changes = {
        level: tables.table(level).with_columns(
            pl.col(instant).dt.convert_time_zone(timezone).dt.truncate(step).alias("period")
        )
        for level, instant in _INSTANT.items()
    }
    if dataclasses.is_dataclass(tables):
        return dataclasses.replace(tables, **changes)
    out = copy.copy(tables)
    for level, frame in changes.items():
        setattr(out, level, frame)
    return out


def response_series(
    tables: Any,
    *,
    every: str,
    timezone: str = "UTC",
    metrics: Sequence[str] = ("art_median_s", "art_p90_s", "answered_turns"),
) -> pl.LazyFrame:
    """Registered metrics per local period over fact tables (default: response times).

    Parameters
    ----------
    tables
        :class:`toolkit.FactTables` or the app's filtered tables.
    every
        Period name or duration (``"day"``, ``"1h"``...).
    timezone
        IANA zone: periods start at local boundaries.
    metrics
        Registered metric names.

    Returns
    -------
    LazyFrame: ``period`` (local), then one column per metric; periods without rows are absent.
    """
    from toolkit.core.kpis import aggregate

    chosen = {name: get_metric(name) for name in metrics}
    return aggregate(with_period(tables, every, timezone), chosen, by="period")
