"""The state of an app view (dataset, filters, settings) and what it does to the fact tables.

A :class:`ViewState` round-trips through URL query parameters (:meth:`ViewState.to_params`,
:meth:`ViewState.from_params`), so a copied link reproduces the view. Decoding never trusts the
URL: a value that does not parse falls back to its default. :func:`filter_tables` applies the
filters to the three fact tables (dates: turns by ``start``, messages by ``created_at``,
conversations by ``started_at``; dimensions by their own column; agent by the answering agent on
turns and the conversation's agent elsewhere; in/out of hours by the turn's or message's start).

>>> v = ViewState(channels=("twitter",), sla_minutes=30)
>>> ViewState.from_params(v.to_params()) == v
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from toolkit.calendar.events import Event, parse_events
from toolkit.core.metrics import Metric, MetricContext
from toolkit.present.i18n import LANGUAGES

__all__ = [
    "DIMENSION_FILTERS",
    "Event",
    "FilteredTables",
    "ViewState",
    "filter_tables",
    "metric_values",
    "parse_events",
    "previous_period",
]

Hours = Literal["all", "in", "out"]

#: Filter field -> canonical column it filters on.
DIMENSION_FILTERS: dict[str, str] = {
    "channels": "channel",
    "brands": "brand",
    "categories": "category",
    "agents": "agent_id",
}

_LIST_SEP = "~"  # not used in channel/brand names in practice, survives URL encoding


@dataclass(frozen=True)
class ViewState:
    """Everything that defines what a page shows, hashable (a cache key)."""

    dataset: str = "sample"
    start: dt.date | None = None
    end: dt.date | None = None
    channels: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    hours: Hours = "all"
    timezone: str = ""  # "" = the dataset's default
    opening_hours: str = ""  # "" = the dataset's default; "24/7" = always open
    holidays: str = ""
    sla_minutes: float = 60.0
    events: tuple[Event, ...] = ()
    split: str = ""  # Compare page: which comparison
    lang: str = ""  # "" = the browser's language (Accept-Language), else en / fr / it
    extra: tuple[tuple[str, str], ...] = field(default=())  # page-specific choices

    # ---- derived -------------------------------------------------------------------------

    @property
    def sla_seconds(self) -> float:
        return float(self.sla_minutes) * 60.0

    def dimension_filters(self) -> dict[str, tuple[str, ...]]:
        """Canonical column -> chosen values, for the filters that are set."""
        return {col: getattr(self, f) for f, col in DIMENSION_FILTERS.items() if getattr(self, f)}

    def get(self, key: str, default: str = "") -> str:
        return dict(self.extra).get(key, default)

    def with_extra(self, key: str, value: str) -> ViewState:
        extra = dict(self.extra)
        if value:
            extra[key] = value
        else:
            extra.pop(key, None)
        return dataclasses.replace(self, extra=tuple(sorted(extra.items())))

    def replace(self, **changes: Any) -> ViewState:
        return dataclasses.replace(self, **changes)

    # ---- URL round trip ----------------------------------------------------------------------

    def to_params(self) -> dict[str, str]:
        """Query parameters for the non-default fields (short, stable keys)."""
        default = ViewState()
        out: dict[str, str] = {}
        if self.dataset != default.dataset:
            out["ds"] = self.dataset
        if self.start is not None:
            out["from"] = self.start.isoformat()
        if self.end is not None:
            out["to"] = self.end.isoformat()
        for f in DIMENSION_FILTERS:
            values = getattr(self, f)
            if values:
                out[f] = _LIST_SEP.join(values)
        if self.hours != "all":
            out["hours"] = self.hours
        if self.timezone:
            out["tz"] = self.timezone
        if self.opening_hours:
            out["open"] = self.opening_hours
        if self.holidays:
            out["holidays"] = self.holidays
        if self.sla_minutes != default.sla_minutes:
            out["sla"] = f"{self.sla_minutes:g}"
        if self.events:
            out["events"] = ";".join(e.to_text() for e in self.events)
        if self.split:
            out["split"] = self.split
        if self.lang:
            out["lang"] = self.lang
        for key, value in self.extra:
            out[f"x.{key}"] = value
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | Sequence[str]]) -> ViewState:
        """Decode query parameters; anything malformed is ignored (default kept).

        >>> ViewState.from_params({"sla": "abc", "hours": "out", "from": "2025-13-01"}).hours
        'out'
        """

        def one(key: str) -> str:
            value = params.get(key, "")
            if not isinstance(value, str):
                value = value[-1] if value else ""
            return value.strip()[:2000]

        def date(key: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(one(key)) if one(key) else None
            except ValueError:
                return None

        changes: dict[str, Any] = {}
        if one("ds"):
            changes["dataset"] = one("ds")
        changes["start"], changes["end"] = date("from"), date("to")
        for f in DIMENSION_FILTERS:
            if one(f):
                changes[f] = tuple(v for v in one(f).split(_LIST_SEP) if v)
        if one("hours") in ("in", "out"):
            changes["hours"] = one("hours")
        for key, attr in (("tz", "timezone"), ("open", "opening_hours"), ("holidays", "holidays")):
            if one(key):
                changes[attr] = one(key)
        try:
            sla = float(one("sla")) if one("sla") else 60.0
            if 0 < sla < 1e7:
                changes["sla_minutes"] = sla
        except ValueError:
            pass
        if one("events"):
            changes["events"] = parse_events(one("events"))[0]
        if one("split"):
            changes["split"] = one("split")
        if one("lang").lower() in LANGUAGES:
            changes["lang"] = one("lang").lower()
        extra = sorted((k[2:], one(k)) for k in params if k.startswith("x.") and one(k))
        changes["extra"] = tuple(extra)
        return cls(**changes)


# ---- filters on fact tables ---------------------------------------------------------------


@dataclass(frozen=True)
class FilteredTables:
    """The three fact tables after the view's filters, as LazyFrames, with the metric context.

    Lazy so that each consumer reads only the columns it needs (a message log's ``text`` column
    is most of its bytes, and most views never touch it).
    """

    messages: pl.LazyFrame
    turns: pl.LazyFrame
    conversations: pl.LazyFrame
    context: MetricContext
    columns: tuple[str, ...]

    def table(self, level: str) -> pl.LazyFrame:
        return {"messages": self.messages, "turns": self.turns, "conversations": self.conversations}[
            level
        ]


def _utc_bounds(
    start: dt.date | None, end: dt.date | None, timezone: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local calendar dates -> [start, end) instants in UTC (end date inclusive)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone or "UTC")
    lo = (
        dt.datetime.combine(start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        if start
        else None
    )
    hi = (
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(
            dt.UTC
        )
        if end
        else None
    )
    return lo, hi


def _between(column: str, lo: dt.datetime | None, hi: dt.datetime | None) -> pl.Expr:
    expr = pl.lit(True)
    if lo is not None:
        expr &= pl.col(column) >= lo
    if hi is not None:
        expr &= pl.col(column) < hi
    return expr


def filter_tables(
    messages: pl.DataFrame | pl.LazyFrame,
    turns: pl.DataFrame | pl.LazyFrame,
    conversations: pl.DataFrame | pl.LazyFrame,
    view: ViewState,
    *,
    context: MetricContext,
    timezone: str = "UTC",
    start: dt.date | None = None,
    end: dt.date | None = None,
    use_dates: bool = True,
) -> FilteredTables:
    """Apply the view's filters to the fact tables (eager or lazy in, lazy out).

    ``start``/``end`` override the view's dates (used for the previous period). Messages and
    conversations are kept when their own start is in the range; turns when they start in it.
    ``messages`` may carry a precomputed boolean ``in_hours`` (the message's time is in opening
    hours) and conversations one for their start; without them the hours filter keeps all.
    """
    lo, hi = _utc_bounds(
        start if start is not None else view.start,
        end if end is not None else view.end,
        timezone,
    ) if use_dates else (None, None)

    m_lf, t_lf, c_lf = messages.lazy(), turns.lazy(), conversations.lazy()
    m_cols = m_lf.collect_schema().names()
    t_cols = t_lf.collect_schema().names()
    c_cols = c_lf.collect_schema().names()
    m_pred = _between("created_at", lo, hi)
    t_pred = _between("start", lo, hi)
    c_pred = _between("started_at", lo, hi)
    agents = view.agents
    for col, values in view.dimension_filters().items():
        if col == "agent_id":
            continue
        chosen = pl.col(col).is_in(list(values))
        if col in m_cols:
            m_pred &= chosen
        if col in t_cols:
            t_pred &= chosen
        if col in c_cols:
            c_pred &= chosen
    if agents:
        t_pred &= pl.col("agent_id").is_in(list(agents))
        if "agent_id" in c_cols:
            c_pred &= pl.col("agent_id").is_in(list(agents))
    if view.hours != "all":
        want = view.hours == "in"
        if "in_hours" in t_cols:
            t_pred &= pl.col("in_hours").fill_null(False) == want
        if "in_hours" in m_cols:
            m_pred &= pl.col("in_hours").fill_null(False) == want
        if "in_hours" in c_cols:
            c_pred &= pl.col("in_hours").fill_null(False) == want

    conv = c_lf.filter(c_pred)
    msgs = m_lf.filter(m_pred)
    if agents:
        # A message belongs to an agent's work when its conversation is that agent's.
        msgs = msgs.join(conv.select("conversation_id"), on="conversation_id", how="semi")
    return FilteredTables(
        messages=msgs,
        turns=t_lf.filter(t_pred),
        conversations=conv,
        context=context,
        columns=tuple(m_cols),
    )


def previous_period(
    start: dt.date, end: dt.date
) -> tuple[dt.date, dt.date]:
    """The period of the same length just before ``start..end`` (inclusive dates).

    >>> previous_period(dt.date(2025, 11, 8), dt.date(2025, 11, 14))
    (datetime.date(2025, 11, 1), datetime.date(2025, 11, 7))
    """
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def metric_values(
    tables: FilteredTables,
    metrics: Mapping[str, Metric],
    *,
    by: str | Sequence[str] | None = None,
) -> pl.DataFrame:
    """Registered metrics over filtered tables: :func:`toolkit.core.kpis.aggregate`, collected.

    One row, or one row per group of ``by`` (the same rule as ``kpis``: a table without a
    group column leaves its metrics out).
    """
    from toolkit.core.kpis import aggregate

    return aggregate(tables, metrics, by=by).collect()
