"""One comparison engine: any registered metric, two groups, with statistics.

A :class:`Split` assigns every row of the fact tables to side ``a``, side ``b`` or neither, with
one polars expression per table (turns by their start, conversations by their first message,
messages by their time; or by a carried column such as ``channel``; or by the answering agent).
:func:`compare` then takes each metric of the registry (:meth:`toolkit.FactTables.metrics`),
collects the eligible per-row values of each side once, and reports:

* both values (the metric's statistic on each side), ``difference`` = a - b, ``ratio`` = a / b;
* a bootstrap percentile confidence interval of the difference (seeded, vectorised with numpy:
  means resample index matrices in bounded chunks (normal limit above 50 000 values); medians and percentiles draw the bootstrap
  sample's order statistics directly - exact in distribution and O(resamples) in memory; rates
  draw binomial counts);
* a test from scipy: Mann-Whitney U (two-sided) for times and values, a two-proportion z-test for
  rates (Fisher's exact test when an expected cell count is below 5); counts get no test;
* the direction (``better`` / ``worse`` / ``no significant difference`` by the metric's
  ``polarity``; metrics without one only ``higher`` / ``lower``) and a sentence.

Side ``a`` is the group of interest, side ``b`` the reference: peak vs normal, out of hours vs
in hours, after vs before a date, channel A vs channel B, an agent vs the rest, an event vs the
rest of the time. Fewer than ``min_n`` observations on a side (default
:data:`toolkit.analysis.thin.MIN_SAMPLE`, 30: the one minimum sample of the toolkit, the CLI and
the app) gives ``test = "not enough data"`` and no p-value or interval.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from toolkit._frames import as_lazy
from toolkit.analysis.thin import MIN_SAMPLE
from toolkit.calendar.business_hours import as_calendar
from toolkit.core.kpis import FactTables, aggregate
from toolkit.core.metrics import Metric
from toolkit.errors import ArgumentError, ColumnNotFoundError, DataError, did_you_mean
from toolkit.present import format as fmt
from toolkit.present.i18n import N_, _, ngettext, speaks

__all__ = [
    "INSTANT_COLUMN",
    "Split",
    "SplitContext",
    "SplitKind",
    "bootstrap_difference",
    "compare",
    "headline",
    "parse_split",
    "register_split",
    "split_registry",
    "split_syntax",
    "two_proportion_test",
    "unregister_split",
]

#: The instant that places a row of each table in time.
INSTANT_COLUMN = {"turns": "start", "conversations": "started_at", "messages": "created_at"}
#: The same instants on the DuckDB/Spark fact tables (integer epoch microseconds).
INSTANT_US = {"turns": "start_us", "conversations": "started_us", "messages": "_t"}
#: Rows per fact table and side that feed the tests and intervals on DuckDB/Spark (a systematic
#: sample by input row number beyond it; the two sides' statistics always use every row).
ENGINE_SAMPLE_ROWS = 200_000

NOT_ENOUGH = "not enough data"
_CHUNK_ELEMENTS = 2_000_000
_NORMAL_MEAN_ABOVE = 50_000

SideBuilder = Callable[[str, list[str]], pl.Expr]


@dataclass(frozen=True)
class Split:
    """How rows are assigned to side ``a`` (the group of interest) and side ``b`` (reference).

    ``side(level, columns)`` returns a Boolean expression over the fact table of that level:
    True for side a, False for side b, null for rows in neither. Build one with the
    constructors (:meth:`periods`, :meth:`before`, :meth:`hours`, :meth:`values`) or
    :func:`parse_split`.
    """

    name: str
    a_label: str
    b_label: str
    side: SideBuilder = field(compare=False, repr=False)
    needs_calendar: bool = False
    #: The metrics compared when the caller names none (those the data supports); empty: all.
    default_metrics: tuple[str, ...] = ()
    #: The side as an engine-neutral (narwhals) expression over the DuckDB/Spark fact tables
    #: (instants in :data:`INSTANT_US`); None: this split runs on the polars engine only.
    neutral: Callable[[str, list[str]], Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def periods(
        cls,
        starts: Sequence[Any] | pl.Series,
        ends: Sequence[Any] | pl.Series,
        *,
        name: str = "periods",
        a_label: str = "during the periods",
        b_label: str = "at other times",
    ) -> Split:
        """Rows whose instant falls in one of the ``[start, end)`` periods vs all others."""
        from toolkit.analysis.peaks import in_periods

        def side(level: str, columns: list[str]) -> pl.Expr:
            return in_periods(INSTANT_COLUMN[level], starts, ends)

        def neutral(level: str, columns: list[str]) -> Any:
            from toolkit.analysis.peaks import in_periods_us

            return in_periods_us(INSTANT_US[level], starts, ends)

        return cls(name, a_label, b_label, side, neutral=neutral)

    @classmethod
    def before(cls, cut: dt.date | dt.datetime | str, timezone: str = "UTC") -> Split:
        """Rows from ``cut`` on (side a) vs rows before it (side b); a date means local midnight."""
        from zoneinfo import ZoneInfo

        if isinstance(cut, str):
            try:
                cut = dt.datetime.fromisoformat(cut.strip())
            except ValueError:
                msg = _("split='before:{cut}': expects a date YYYY-MM-DD after before:").format(cut=cut)
                raise DataError(msg) from None
        if not isinstance(cut, dt.datetime):
            cut = dt.datetime(cut.year, cut.month, cut.day)
        if cut.tzinfo is None:
            cut = cut.replace(tzinfo=ZoneInfo(timezone))
        instant = cut.astimezone(dt.UTC)
        text = cut.date().isoformat() if cut.time() == dt.time(0) else cut.isoformat(timespec="minutes")

        def side(level: str, columns: list[str]) -> pl.Expr:
            return pl.col(INSTANT_COLUMN[level]) >= pl.lit(instant, pl.Datetime("us", "UTC"))

        cut_us = (instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)

        def neutral(level: str, columns: list[str]) -> Any:
            import narwhals.stable.v2 as nw

            return nw.col(INSTANT_US[level]) >= cut_us

        return cls(f"before:{text}", f"since {text}", f"before {text}", side, neutral=neutral)

    @classmethod
    def hours(cls, calendar: Any) -> Split:
        """Out of opening hours (side a) vs in hours (side b), by the row's start instant."""

        def side(level: str, columns: list[str]) -> pl.Expr:
            if level == "turns" and "in_hours" in columns:
                return ~pl.col("in_hours")
            return ~calendar.is_open(INSTANT_COLUMN[level])

        return cls("hours", "out of hours", "in hours", side, needs_calendar=True)

    @classmethod
    def values(
        cls,
        column: str,
        a_values: Sequence[Any],
        b_values: Sequence[Any] | None = None,
        *,
        name: str | None = None,
        a_label: str | None = None,
        b_label: str | None = None,
    ) -> Split:
        """Rows whose ``column`` is in ``a_values`` vs in ``b_values`` (default: any other
        non-null value). Turns carry the case columns of their first message and ``agent_id``
        is the answering agent, so unanswered turns belong to no agent."""
        a_vals = list(a_values)
        b_vals = None if b_values is None else list(b_values)

        def side(level: str, columns: list[str]) -> pl.Expr:
            if column not in columns:
                return pl.lit(None, pl.Boolean)
            col = pl.col(column)
            b_cond = col.is_in(b_vals) if b_vals is not None else col.is_not_null()
            return pl.when(col.is_in(a_vals)).then(True).when(b_cond).then(False)

        def neutral(level: str, columns: list[str]) -> Any:
            import narwhals.stable.v2 as nw

            if column not in columns:
                return nw.lit(None, nw.Boolean)
            col = nw.col(column)
            b_cond = col.is_in(b_vals) if b_vals is not None else ~col.is_null()
            return nw.when(col.is_in(a_vals)).then(nw.lit(value=True)).when(b_cond).then(nw.lit(value=False))

        a_text = ",".join(map(str, a_vals))
        b_text = "the rest" if b_vals is None else ",".join(map(str, b_vals))
        return cls(
            name or f"{column}:{a_text}",
            a_label or a_text,
            b_label or b_text,
            side,
            neutral=neutral,
        )


def _data_span(messages: pl.DataFrame | pl.LazyFrame) -> tuple[dt.datetime | None, dt.datetime | None]:
    lf = messages.lazy() if isinstance(messages, pl.DataFrame) else messages
    row = lf.select(pl.col("created_at").min().alias("a"), pl.col("created_at").max().alias("b")).collect()
    return row["a"][0], row["b"][0]


@dataclass(frozen=True)
class SplitContext:
    """What a split builder may use besides its argument text (all optional)."""

    messages: pl.DataFrame | pl.LazyFrame | None = None
    calendar: Any = None
    timezone: str = "UTC"
    peaks: pl.DataFrame | None = None
    events: Any = None
    k: float = 3.0
    peak_bucket: str = "day"


SplitBuilder = Callable[[str, SplitContext], Split]


@dataclass(frozen=True)
class SplitKind:
    """One kind of comparison split in the registry: how to build it and how to offer it.

    Attributes
    ----------
    name
        The text before ``:`` (``"hours"``, ``"before"``).
    build
        ``build(argument, context) -> Split``; ``argument`` is the text after ``:`` (may be "").
    syntax
        How it is written, for help texts: ``"before:YYYY-MM-DD"``.
    label
        What a chooser shows: ``"Before vs after a date"``.
    argument
        What the argument is, for a chooser: None (no argument), ``"date"``, ``"event"`` (a
        declared event's name) or ``"value"`` (a value of ``column``).
    column
        The column the split reads (a chooser offers it only when the data has values there).
    needs_calendar
        The split needs opening hours.
    """

    name: str
    build: SplitBuilder = field(compare=False, repr=False)
    syntax: str = ""
    label: str = ""
    argument: Literal["date", "event", "value"] | None = None
    column: str | None = None
    needs_calendar: bool = False


_SPLITS: dict[str, SplitKind] = {}
_ALIASES: dict[str, str] = {}


def register_split(kind: SplitKind, *, aliases: Sequence[str] = (), replace: bool = False) -> SplitKind:
    """Add a kind of split: :func:`parse_split`, the app's chooser and the CLI help then offer it.

    Examples
    --------
    >>> def weekend(arg, ctx):
    ...     return Split(
    ...         "weekend", "at the weekend", "on weekdays",
    ...         lambda level, cols: pl.col(INSTANT_COLUMN[level]).dt.weekday() >= 6,
    ...     )
    >>> _ = register_split(SplitKind("weekend", weekend, syntax="weekend", label="Weekend vs weekdays"))
    >>> parse_split("weekend").a_label
    'at the weekend'
    >>> unregister_split("weekend")
    """
    name = kind.name.strip().lower()
    if not replace and (name in _SPLITS or name in _ALIASES):
        msg = _("a split named {name!r} is already registered; pass replace=True to replace it").format(name=name)
        raise DataError(msg)
    _SPLITS[name] = kind
    for alias in aliases:
        _ALIASES[alias.strip().lower()] = name
    return kind


def unregister_split(name: str) -> None:
    """Remove a kind of split (and its aliases)."""
    name = name.strip().lower()
    _SPLITS.pop(name, None)
    for alias in [a for a, n in _ALIASES.items() if n == name]:
        del _ALIASES[alias]


def split_registry() -> dict[str, SplitKind]:
    """The registered kinds of split, by name, in registration order (a copy)."""
    return dict(_SPLITS)


def split_syntax() -> str:
    """How splits are written, for help texts: ``"peak | hours | ... | COLUMN:A,B"``.

    >>> split_syntax().startswith("peak[:BUCKET] | hours | before:YYYY-MM-DD")
    True
    """
    return " | ".join([*(k.syntax or k.name for k in _SPLITS.values()), "COLUMN:A[,B]"])


def parse_split(
    text: str,
    messages: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    calendar: Any = None,
    timezone: str | None = None,
    peaks: pl.DataFrame | None = None,
    events: Any = None,
    k: float = 3.0,
    peak_bucket: str = "day",
) -> Split:
    """A :class:`Split` from its text: a registered kind (:func:`split_registry`: ``peak``,
    ``peak:day``, ``hours``, ``before:YYYY-MM-DD``, ``agent:ID``, ``event:NAME``, with
    ``event:holidays`` = all holidays) or a column split ``COLUMN:A,B`` (``channel:A`` vs the
    rest; any column works: ``brand:X,Y``).

    Parameters
    ----------
    messages
        Needed for ``peak`` (detected on them unless ``peaks`` is given) and for holiday events.
    calendar
        Needed for ``hours``; gives the default time zone and the holiday country.
    peaks
        Peak periods to use for ``peak`` (columns ``start``, ``end``), e.g. from
        :func:`toolkit.analysis.peaks.peak_periods`.
    events
        Declared events for ``event:NAME`` (see :func:`toolkit.analysis.peaks.events_frame`).

    Examples
    --------
    >>> parse_split("before:2025-03-01").b_label
    'before 2025-03-01'
    >>> parse_split("channel:email,twitter").name
    'channel:email,twitter'
    """
    if not isinstance(text, str):
        raise ArgumentError.invalid("split", text, _("write {syntax}").format(syntax=split_syntax()),
                                    why=_("is not a split"))
    tz = timezone or getattr(calendar, "timezone", None) or "UTC"
    kind, _sep, arg = text.strip().partition(":")
    kind = kind.strip().lower()
    arg = arg.strip()
    name = _ALIASES.get(kind, kind)
    if name in _SPLITS:
        context = SplitContext(messages, calendar, tz, peaks, events, k, peak_bucket)
        return _SPLITS[name].build(arg, context)
    if kind and arg:
        return _column_split(text, kind, arg, messages)
    msg = _("split={text!r} is not a split; write {syntax}.").format(text=text, syntax=split_syntax())
    hint = did_you_mean(kind, list(_SPLITS))
    raise ArgumentError(f"{msg} {hint}" if hint else msg)


def _column_split(text: str, column: str, arg: str, messages: pl.DataFrame | pl.LazyFrame | None) -> Split:
    """``channel:A,B`` / ``brand:X`` / ``category:A,B``: rows with one value vs another (or the rest)."""
    values = [v.strip() for v in arg.split(",") if v.strip()]
    if messages is not None:
        _check_split_column(messages, column, values)
    if len(values) == 1:
        return Split.values(column, values, name=text, a_label=f"on {values[0]}", b_label="on the rest")
    if len(values) == 2:
        return Split.values(
            column, [values[0]], [values[1]], name=text, a_label=f"on {values[0]}", b_label=f"on {values[1]}"
        )
    return Split.values(column, values[:1], values[1:], name=text, a_label=f"on {values[0]}",
                        b_label="on " + ", ".join(values[1:]))


# --- the built-in kinds of split ------------------------------------------------------------


def _peak_split(arg: str, ctx: SplitContext) -> Split:
    from toolkit.analysis.peaks import peak_periods

    peaks = ctx.peaks
    if peaks is None:
        if ctx.messages is None:
            msg = _("split 'peak' needs the messages (or peak periods) to find the peaks in")
            raise DataError(msg)
        peaks = peak_periods(ctx.messages, bucket=arg or ctx.peak_bucket, k=ctx.k, timezone=ctx.timezone)
    return Split.periods(
        peaks["start"], peaks["end"], name="peak", a_label="during peaks", b_label="at normal times"
    )


def _hours_split(arg: str, ctx: SplitContext) -> Split:
    if ctx.calendar is None:
        raise ArgumentError.invalid(
            "calendar", None, _('give opening hours, e.g. calendar="mon-fri 09:00-18:00" or a toolkit.BusinessCalendar'),
            why=_("is not allowed with split='hours'"),
        )
    return Split.hours(ctx.calendar)


def _before_split(arg: str, ctx: SplitContext) -> Split:
    if not arg:
        msg = _("split 'before' needs a date: before:YYYY-MM-DD")
        raise DataError(msg)
    return Split.before(arg, ctx.timezone)


def _agent_split(arg: str, ctx: SplitContext) -> Split:
    if not arg:
        msg = _("split 'agent' needs an agent id: agent:ID")
        raise DataError(msg)
    return Split.values(
        "agent_id", [arg], name=f"agent:{arg}", a_label=f"by agent {arg}", b_label="by other agents"
    )


def _event_split(arg: str, ctx: SplitContext) -> Split:
    from toolkit.analysis.peaks import events_frame, holiday_events

    if not arg:
        msg = _("split 'event' needs an event name: event:NAME")
        raise DataError(msg)
    frame = events_frame(ctx.events, ctx.timezone)
    country = getattr(ctx.calendar, "country", None)
    if country and ctx.messages is not None:
        first, last = _data_span(ctx.messages)
        if first is not None and last is not None:
            frame = pl.concat(
                [frame, events_frame(holiday_events(country, first.date(), last.date(),
                                                    subdiv=getattr(ctx.calendar, "subdiv", None)), ctx.timezone)]
            )
    if arg.lower() in ("holiday", "holidays"):
        chosen = frame.filter(pl.col("kind") == "holiday")
    else:
        chosen = frame.filter(pl.col("name").str.to_lowercase() == arg.lower())
    if chosen.height == 0:
        known = sorted(set(frame["name"].to_list()))
        msg = _(
            "no event named {arg!r}; known events: {known}. Declare one (events=[...] "
            "or --event NAME=YYYY-MM-DD..YYYY-MM-DD), or give the calendar a holiday country"
        ).format(arg=arg, known=known or _("none"))
        raise DataError(msg)
    return Split.periods(
        chosen["start"], chosen["end"], name=f"event:{arg}", a_label=f"during {arg}",
        b_label="at other times",
    )


register_split(SplitKind("peak", _peak_split, syntax="peak[:BUCKET]", label=N_("Peak vs normal")))
register_split(SplitKind("hours", _hours_split, syntax="hours", label=N_("Out of hours vs in hours"),
                         needs_calendar=True))
register_split(SplitKind("before", _before_split, syntax="before:YYYY-MM-DD", label=N_("Before vs after a date"),
                         argument="date"), aliases=("after", "date"))
register_split(SplitKind("agent", _agent_split, syntax="agent:ID", label=N_("Agent vs peers"), argument="value",
                         column="agent_id"))
register_split(SplitKind("event", _event_split, syntax="event:NAME", label=N_("During an event vs the rest"),
                         argument="event"))


def _register_domain_splits() -> None:
    # Splits defined with their measures (bad experience vs the rest: toolkit.measures.outcomes),
    # registered after the built-in ones so that the list keeps its order.
    from toolkit.measures.outcomes import _register_experience_split

    _register_experience_split()


_register_domain_splits()


def _check_split_column(messages: pl.DataFrame | pl.LazyFrame, column: str, values: list[str]) -> None:
    """A typo in a split's column or values is an error, not a quiet comparison of empty sides."""
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if column not in columns:
        known = list(_SPLITS)
        msg = _("split={value!r}: {column!r} is no column and no kind of split {known}.").format(
            value=column + ":...", column=column, known=known)
        hint = did_you_mean(column, [*columns, *known])
        tail = _("Columns: {columns}.").format(columns=columns)
        raise ColumnNotFoundError(f"{msg} {hint} {tail}" if hint else f"{msg} {tail}")
    found = lf.select(pl.col(column).cast(pl.String).drop_nulls().unique().sort()).collect().to_series()
    unknown = [v for v in values if v not in set(found.to_list())]
    if unknown:
        shown = found.head(20).to_list()
        more = " " + _("and {n} more").format(n=fmt.count(found.len() - 20)) if found.len() > 20 else ""
        msg = _("no {column!r} equal to {unknown}; values found: {shown}{more}").format(
            column=column, unknown=unknown, shown=shown, more=more)
        raise DataError(msg)


# --- statistics on numpy arrays -------------------------------------------------------------


def _bootstrap(values: np.ndarray, stat: str, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap replicates of a statistic of ``values`` (vectorised)."""
    n = values.size
    if stat == "share":
        return rng.binomial(n, float(values.mean()), n_boot) / n
    if stat in ("median", "p90"):
        # The bootstrap sample is x[floor(n U_i)] for n uniforms U_i, so its k-th order
        # statistic is xs[floor(n U_(k))] with U_(k) ~ Beta(k, n - k + 1), and the next one
        # U_(k+1) = U_(k) + (1 - U_(k)) V with V ~ Beta(1, n - k): the exact bootstrap
        # distribution of a linearly interpolated quantile without an n_boot x n matrix.
        q = 0.5 if stat == "median" else 0.9
        xs = np.sort(values)
        pos = (n - 1) * q
        lo = math.floor(pos)
        frac = pos - lo
        k = lo + 1
        u_k = rng.beta(k, n - k + 1, n_boot)
        i_k = np.minimum((u_k * n).astype(np.int64), n - 1)
        out = xs[i_k]
        if frac > 0:
            u_next = u_k + (1 - u_k) * rng.beta(1, n - k, n_boot)
            i_next = np.minimum((u_next * n).astype(np.int64), n - 1)
            out = out + frac * (xs[i_next] - out)
        return out
    if stat == "mean":
        if n > _NORMAL_MEAN_ABOVE:
            # Above this size the bootstrap distribution of a mean is normal to well within the
            # resampling noise (CLT); drawing it directly keeps huge logs fast.
            return rng.normal(float(values.mean()), float(values.std()) / math.sqrt(n), n_boot)
        out = np.empty(n_boot)
        rows = max(1, _CHUNK_ELEMENTS // max(n, 1))
        for start in range(0, n_boot, rows):  # bounded memory: rows x n indices at a time
            stop = min(n_boot, start + rows)
            idx = rng.integers(0, n, size=(stop - start, n))
            out[start:stop] = values[idx].mean(axis=1)
        return out
    msg = _("no bootstrap for statistic {stat!r}").format(stat=stat)
    raise ValueError(msg)


def bootstrap_difference(
    a: np.ndarray,
    b: np.ndarray,
    stat: str,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(a) - stat(b)``, resampling each side separately.

    Parameters
    ----------
    a, b
        Per-row values of each side (0/1 outcomes for ``share``).
    stat
        ``mean``, ``median``, ``p90`` or ``share``.
    n_boot
        Number of resamples.
    confidence
        Coverage of the interval.
    rng
        A numpy Generator or a seed.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = bootstrap_difference(np.arange(100.0) + 10, np.arange(100.0), "mean", n_boot=500)
    >>> lo < 10 < hi
    True
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    diff = _bootstrap(a, stat, n_boot, gen) - _bootstrap(b, stat, n_boot, gen)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(diff, [tail, 100 - tail])
    return float(low), float(high)


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> tuple[float, str]:
    """p-value (two-sided) for equal proportions, and the test's name.

    The pooled two-proportion z-test; Fisher's exact test when an expected count of the 2x2
    table is below 5.

    Examples
    --------
    >>> p, name = two_proportion_test(90, 100, 75, 100)
    >>> name, round(p, 4)
    ('two-proportion z-test', 0.0052)
    """
    from scipy import stats

    pooled = (successes_a + successes_b) / (n_a + n_b)
    expected = min(pooled * n_a, (1 - pooled) * n_a, pooled * n_b, (1 - pooled) * n_b)
    if expected < 5:
        table = [[successes_a, n_a - successes_a], [successes_b, n_b - successes_b]]
        return float(stats.fisher_exact(table).pvalue), "Fisher exact"
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (successes_a / n_a - successes_b / n_b) / se
    return float(2 * stats.norm.sf(abs(z))), "two-proportion z-test"


# --- words ------------------------------------------------------------------------------------


_STAT_WORDS = {"mean": N_("mean"), "median": N_("median"), "p90": N_("90th percentile")}
_SUBJECTS = {"frt": N_("first replies"), "art": N_("replies"), "frt_bh": N_("first replies"), "art_bh": N_("replies")}


def _time_prefix(metric: Metric) -> str | None:
    for stat in ("mean", "median", "p90"):
        suffix = f"_{stat}_s"
        if metric.name.endswith(suffix):
            return metric.name[: -len(suffix)]
    return None


def _label(metric: Metric) -> str:
    return metric.label


def _fmt(value: float | None, metric: Metric) -> str:
    kind = metric.kind
    if kind == "time" or metric.unit == "s":
        return fmt.duration(value)
    if kind == "rate":
        return fmt.percent(value, decimals=0 if value is not None and abs(value) >= 0.1 else 1)
    if kind == "count":
        return fmt.count(value)
    return fmt.number(value, decimals=2)


def _fmt_p(p: float) -> str:
    return fmt.p_value(p)


def polarity(metric: Metric) -> Literal["lower", "higher"] | None:
    """Which direction is better for a metric: its :attr:`~toolkit.core.metrics.Metric.polarity`."""
    return metric.polarity


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


_SIDE_PATTERN = re.compile(r"^(since|before|during|by agent|on) (.+)$")


def side_label(label: str) -> str:
    """A split side's label in the current language: fixed ones from the catalogue, and
    ``since X`` / ``before X`` / ``during X`` / ``by agent X`` / ``on X`` with X kept as it is."""
    whole = _(label)
    found = _SIDE_PATTERN.match(label)
    if whole != label or found is None:
        return whole
    word, value = found.groups()
    templates = {
        "since": N_("since {value}"), "before": N_("before {value}"), "during": N_("during {value}"),
        "by agent": N_("by agent {value}"), "on": N_("on {value}"),
    }  # fmt: skip
    if word in ("since", "before") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = fmt.date(dt.date.fromisoformat(value))  # a date in the reader's format: 3 nov. 2025
    return _(templates[word]).format(value=value)


def _sentence(row: dict[str, Any], metric: Metric, alpha: float) -> str:
    """The comparison in one sentence, in the current language (:mod:`toolkit.present.i18n`)."""
    a, b = row["a"], row["b"]
    parts: dict[str, Any] = {
        "label": _(_label(metric)), "a_label": side_label(row["a_label"]),
        "b_label": side_label(row["b_label"]), "a": _fmt(a, metric), "b": _fmt(b, metric),
    }  # fmt: skip
    if metric.kind == "count":
        return _upper_first(_("{label}: {a} {a_label} vs {b} {b_label}.").format(**parts))
    if row["test"] == NOT_ENOUGH:
        return _upper_first(
            _("{label} {a_label} vs {b_label}: too few messages to compare ({n_a} vs {n_b}).").format(
                **parts, n_a=fmt.count(row["n_a"]), n_b=fmt.count(row["n_b"])
            )
        )
    p = row["p_value"]
    if row["direction"] == "no significant difference" or p is None or a is None or b is None:
        if p is not None and p < alpha and row.get("ci_low") is not None and row.get("ci_high") is not None:
            # The test sees some difference in the distributions, the interval of this statistic
            # includes no change: say so rather than print a small p next to "no difference".
            return _upper_first(_(
                "No clear difference in {label} {a_label} vs {b_label} ({a} vs {b}): the 95% interval "
                "of the difference includes no change."
            ).format(**parts))
        if p is None:
            text = _("No significant difference in {label} {a_label} vs {b_label} ({a} vs {b}).")
        else:
            text = _("No significant difference in {label} {a_label} vs {b_label} ({a} vs {b}, {p}).")
        return _upper_first(text.format(**parts, p=_fmt_p(p) if p is not None else ""))
    parts["p"] = _fmt_p(p)
    if metric.kind == "time":
        ratio = row["ratio"]
        prefix = _time_prefix(metric)
        subject = _SUBJECTS.get(prefix or "")
        if subject:
            parts["subject"] = _(subject)
            parts["stat"] = _(_STAT_WORDS.get(metric.stat, metric.stat))
        if ratio is None or ratio == 0 or not math.isfinite(ratio):
            longer = a > b
            if subject:
                text = _("{subject} {a_label} take longer than {b_label} ({stat} {a} vs {b}), {p}.") if longer \
                    else _("{subject} {a_label} are faster than {b_label} ({stat} {a} vs {b}), {p}.")
            else:
                text = _("{label} {a_label} is longer than {b_label} ({a} vs {b}), {p}.") if longer \
                    else _("{label} {a_label} is shorter than {b_label} ({a} vs {b}), {p}.")
            return _upper_first(text.format(**parts))
        if ratio >= 1:
            parts["amount"] = fmt.ratio(ratio) if ratio >= 1.5 else fmt.percent(ratio - 1, decimals=0)
            text = _("{subject} {a_label} take {amount} longer than {b_label} ({stat} {a} vs {b}), {p}.") \
                if subject else _("{label} {a_label} is {amount} longer than {b_label} ({a} vs {b}), {p}.")
        elif ratio <= 1 / 1.5:
            parts["amount"] = fmt.ratio(1 / ratio)
            text = _("{subject} {a_label} are {amount} faster than {b_label} ({stat} {a} vs {b}), {p}.") \
                if subject else _("{label} {a_label} is {amount} shorter than {b_label} ({a} vs {b}), {p}.")
        else:
            parts["amount"] = fmt.percent(1 - ratio, decimals=0)
            text = _("{subject} {a_label} take {amount} less time than {b_label} ({stat} {a} vs {b}), {p}.") \
                if subject else _("{label} {a_label} is {amount} shorter than {b_label} ({a} vs {b}), {p}.")
        return _upper_first(text.format(**parts))
    higher = a > b
    if metric.kind == "rate":
        points = abs(a - b) * 100
        shown = round(points) if points >= 1 else round(points, 1)
        parts["amount"] = ngettext("{n} point", "{n} points", 1 if shown == 1 else 2).format(
            n=fmt.number(shown, decimals=0 if points >= 1 else 1)
        )
        text = _("{label} {a_label} is {amount} higher than {b_label} ({a} vs {b}), {p}.") if higher \
            else _("{label} {a_label} is {amount} lower than {b_label} ({a} vs {b}), {p}.")
        return _upper_first(text.format(**parts))
    text = _("{label} {a_label} is higher than {b_label} ({a} vs {b}), {p}.") if higher \
        else _("{label} {a_label} is lower than {b_label} ({a} vs {b}), {p}.")
    return _upper_first(text.format(**parts))


def _direction(row: dict[str, Any], metric: Metric, alpha: float) -> str | None:
    if metric.kind == "count":
        return None
    if row["test"] == NOT_ENOUGH:
        return NOT_ENOUGH
    p = row["p_value"]
    if p is None or p >= alpha or row["a"] is None or row["b"] is None or row["a"] == row["b"]:
        return "no significant difference"
    lower = row["a"] < row["b"]
    low, high = row["ci_low"], row["ci_high"]
    if low is not None and high is not None and low <= 0 <= high:
        # The test sees a difference in distribution but the statistic itself is not clearly
        # different (e.g. medians differ, means do not): no verdict on this statistic.
        return "no significant difference"
    pol = polarity(metric)
    if pol is None:
        return "lower" if lower else "higher"
    return "better" if lower == (pol == "lower") else "worse"


# --- the engine -------------------------------------------------------------------------------

_SCHEMA = {
    "split": pl.String,
    "metric": pl.String,
    "kind": pl.String,
    "level": pl.String,
    "stat": pl.String,
    "a_label": pl.String,
    "b_label": pl.String,
    "n_a": pl.Int64,
    "n_b": pl.Int64,
    "a": pl.Float64,
    "b": pl.Float64,
    "difference": pl.Float64,
    "ratio": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "test": pl.String,
    "direction": pl.String,
    "sentence": pl.String,
}


@speaks
def compare(
    messages: pl.DataFrame | pl.LazyFrame,
    split: str | Split,
    *,
    sla: float | dict[str, float] | str = 3600,
    calendar: Any = None,
    metrics: Sequence[str] | None = None,
    peaks: pl.DataFrame | None = None,
    events: Any = None,
    seed: int = 0,
    n_boot: int = 1000,
    timezone: str | None = None,
    k: float = 3.0,
    peak_bucket: str = "day",
    alpha: float = 0.05,
    min_n: int = MIN_SAMPLE,
    tables: FactTables | None = None,
    customers: pl.DataFrame | pl.LazyFrame | None = None,
    engine: str = "polars",
    memory_limit: str | None = None,
    spark_master: str | None = None,
) -> pl.DataFrame:
    """Compare two groups on every metric (or ``metrics``), with a CI and a test each.

    Parameters
    ----------
    messages
        Canonical messages.
    split
        A :class:`Split` or its text (see :func:`parse_split`): ``peak``, ``hours``,
        ``before:YYYY-MM-DD``, ``channel:A,B``, ``agent:ID``, ``event:NAME``.
    sla
        SLA target: seconds or text such as ``"1h"``, or per channel (see :func:`toolkit.kpis`).
    calendar
        Opening hours (:class:`toolkit.BusinessCalendar` or text such as
        ``"mon-fri 09:00-18:00"``): needed for ``hours`` and for the
        business-hours metrics; its zone is the default ``timezone``.
    metrics
        Registered metric names (default: all the log supports).
    peaks, events, k, peak_bucket
        Peak periods / declared events / peak detection settings for ``peak`` and ``event:``.
    seed, n_boot
        Bootstrap seed and number of resamples; results are reproducible for a seed and do not
        depend on which other metrics are compared.
    alpha
        Significance level for the direction and the sentence.
    min_n
        Fewest observations a side needs for a test and an interval (default
        :data:`toolkit.analysis.thin.MIN_SAMPLE`, the minimum sample used everywhere).
    tables
        Fact tables already built for these messages and settings (to save work).
    customers
        A customers table (:func:`toolkit.read_customers`): unlocks defection, ARPU and
        churned revenue, and its columns can split (``segment:gold``).
    engine, memory_limit, spark_master
        Where the fact tables are built and aggregated: ``"polars"`` (default), ``"duckdb"`` or
        ``"spark"`` (see :func:`toolkit.kpis`; ``messages`` may then be a canonical Parquet
        file, directory or glob). On DuckDB/Spark the two sides' values (``a``, ``b``) are the
        engine's aggregation over every row; the tests and bootstrap intervals run here, on the
        rows of each side collected from the engine: all of them up to
        :data:`ENGINE_SAMPLE_ROWS` per table and side, beyond that a systematic sample by
        input row number (``n_a``/``n_b`` say how many). Splits by period (``peak``,
        ``event:``, ``before:``) and by value (``channel:``, ``agent:``, any column) run on
        every engine; ``hours``, a customers table and splits registered with polars
        expressions run on polars only (a clear error).
    lang
        The language of the sentences (``"en"``, ``"fr"``, ``"it"``; default the current one,
        :func:`toolkit.present.i18n.set_language`); column names and values stay English.

    Returns
    -------
    polars.DataFrame
        One row per metric: ``split``, ``metric``, ``kind``, ``level``, ``stat``, ``a_label``,
        ``b_label``, ``n_a``, ``n_b``, ``a``, ``b``, ``difference`` (a - b), ``ratio`` (a / b),
        ``ci_low``, ``ci_high`` (bootstrap interval of the difference), ``p_value``, ``test``,
        ``direction`` (of a relative to b), ``sentence``.
    """

    if engine != "polars":
        return _compare_on_engine(
            messages, split, sla=sla, calendar=calendar, metrics=metrics, peaks=peaks, events=events,
            seed=seed, n_boot=n_boot, timezone=timezone, k=k, peak_bucket=peak_bucket, alpha=alpha,
            min_n=min_n, customers=customers, engine=engine, memory_limit=memory_limit,
            spark_master=spark_master,
        )
    calendar = as_calendar(calendar, timezone=timezone)
    tz = timezone or getattr(calendar, "timezone", None) or "UTC"
    if customers is not None:
        from toolkit.measures.outcomes import attach_customers

        messages = attach_customers(messages, customers)  # so a split may use their columns
    sp = split if isinstance(split, Split) else parse_split(
        split, messages, calendar=calendar, timezone=tz, peaks=peaks, events=events, k=k,
        peak_bucket=peak_bucket,
    )
    if sp.needs_calendar and calendar is None:
        msg = _("split {name!r} needs opening hours (a calendar)").format(name=sp.name)
        raise DataError(msg)
    facts = tables or FactTables(messages, sla=sla, calendar=calendar, timezone=tz)
    if metrics is None and sp.default_metrics:
        supported = facts.metrics()
        metrics = [m for m in sp.default_metrics if m in supported] or None
    chosen = facts.metrics(metrics)
    ctx = facts.context
    rows: list[dict[str, Any]] = []
    computable: dict[str, Metric] = {}
    for level in ("messages", "turns", "conversations"):
        columns = facts.table(level).collect_schema().names()
        computable |= {
            m.name: m for m in chosen.values() if m.level == level and _computable(m, ctx, columns)
            # Statistics whose rows are not a sample of them (Kaplan-Meier: censored turns) are left out.
            and getattr(m, "per_row", True)
        }
    # The two sides' values come from THE aggregation (kpis, the app) grouped by side; the
    # per-row values below only feed the tests and the bootstrap.
    sided = aggregate(_SideTables(facts, sp), computable, by="_side").collect() if computable else None
    for level in ("messages", "turns", "conversations"):
        table = facts.table(level)
        columns = table.collect_schema().names()
        # A metric whose expressions need a column this view lacks cannot be computed here.
        level_metrics = [m for m in computable.values() if m.level == level]
        if not level_metrics:
            continue
        exprs: list[pl.Expr] = [sp.side(level, columns).alias("_side")]
        for i, m in enumerate(level_metrics):
            exprs.append(m.value_expr(ctx).alias(f"_v{i}"))
            where = m.where_expr(ctx)
            exprs.append((where if where is not None else pl.lit(True)).fill_null(False).alias(f"_w{i}"))
        frame = table.select(exprs).filter(pl.col("_side").is_not_null()).collect()
        rows += _metric_rows(frame, level_metrics, sp, sided, seed=seed, n_boot=n_boot, alpha=alpha, min_n=min_n)
    order = {name: i for i, name in enumerate(chosen)}
    if not rows:
        return pl.DataFrame(schema=_SCHEMA)
    rows.sort(key=lambda r: order[r["metric"]])
    for row in rows:  # labels people read, in the chosen language (sentences already are)
        row["a_label"], row["b_label"] = side_label(row["a_label"]), side_label(row["b_label"])
    return pl.DataFrame(rows, schema=_SCHEMA)


def _compare_on_engine(
    messages: Any, split: str | Split, *, sla: Any, calendar: Any, metrics: Sequence[str] | None,
    peaks: pl.DataFrame | None, events: Any, seed: int, n_boot: int, timezone: str | None, k: float,
    peak_bucket: str, alpha: float, min_n: int, customers: Any, engine: str, memory_limit: str | None,
    spark_master: str | None,
) -> pl.DataFrame:
    """:func:`compare` with the fact tables on DuckDB/Spark: aggregation there, statistics here."""
    import narwhals.stable.v2 as nw

    from toolkit.core.engines import (
        EngineTables,
        _canonical_polars,
        _parquet_paths,
        aggregate_on_engine,
        check_engine,
    )

    check_engine(engine)
    if customers is not None:
        msg = _("compare with a customers table runs on the polars engine only, not engine={engine!r}").format(
            engine=engine)
        raise DataError(msg)
    calendar = as_calendar(calendar, timezone=timezone)
    tz = timezone or getattr(calendar, "timezone", None) or "UTC"
    # What the split's checks read (a column's values, the data's span): a lazy scan of the
    # Parquet file(s), or the loaded log; the engine itself builds the tables.
    parquet = _parquet_paths(messages)
    scan = pl.scan_parquet(parquet) if parquet is not None else _canonical_polars(messages)
    if isinstance(split, str) and split.strip().lower().partition(":")[0] == "peak" and peaks is None:
        from toolkit.analysis.peaks import peak_periods

        bucket = split.strip().partition(":")[2].strip() or peak_bucket
        peaks = peak_periods(messages, bucket=bucket, k=k, timezone=tz, engine=engine,
                             memory_limit=memory_limit, spark_master=spark_master)
    sp = split if isinstance(split, Split) else parse_split(
        split, scan, calendar=calendar, timezone=tz, peaks=peaks, events=events, k=k, peak_bucket=peak_bucket,
    )
    if sp.neutral is None:
        msg = _(
            "split {name!r} runs on the polars engine only (it is written with polars "
            "expressions), not engine={engine!r}; splits by period (peak, event:, before:) and by "
            "value (channel:, agent:, a column) run on every engine"
        ).format(name=sp.name, engine=engine)
        raise DataError(msg)
    source = messages if parquet is not None else scan
    facts = EngineTables(source, engine=engine, sla=sla, calendar=calendar, timezone=tz,
                         memory_limit=memory_limit, spark_master=spark_master)
    if metrics is None and sp.default_metrics:
        supported = facts.metrics()
        metrics = [m for m in sp.default_metrics if m in supported] or None
    chosen = facts.metrics(metrics)
    ctx = facts.context
    sided_tables = _EngineSideTables(facts, sp)
    computable = {n: m for n, m in chosen.items() if getattr(m, "per_row", True)}
    sided = aggregate_on_engine(sided_tables, computable, ["_side"]) if computable else None  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = []
    row_number = {"messages": "row_nr", "turns": "start_row_nr", "conversations": None}
    for level in ("messages", "turns", "conversations"):
        level_metrics = [m for m in computable.values() if m.level == level]
        if not level_metrics:
            continue
        table = sided_tables.table(level)
        exprs: list[Any] = [nw.col("_side")]
        for i, m in enumerate(level_metrics):
            value = m._raw(m.value, ctx)
            where = m._raw(m.where, ctx)
            exprs.append(value.alias(f"_v{i}"))
            exprs.append((where if where is not None else nw.lit(value=True)).fill_null(value=False).alias(f"_w{i}"))
        numbered = row_number[level]
        if numbered is not None:
            exprs.append(nw.col(numbered).alias("_rn"))
            sizes = table.group_by("_side").agg(nw.len().alias("n")).collect("polars").to_native()
            step = max(1, -(-int(sizes["n"].max() or 0) // ENGINE_SAMPLE_ROWS))
            selected = table.select(*exprs)
            if step > 1:
                selected = selected.filter(nw.col("_rn") % step == 0)
        else:
            selected = table.select(*exprs)
        frame = selected.collect("polars").to_native()
        rows += _metric_rows(frame, level_metrics, sp, sided, seed=seed, n_boot=n_boot, alpha=alpha, min_n=min_n)
    if not rows:
        return pl.DataFrame(schema=_SCHEMA)
    order = {name: i for i, name in enumerate(chosen)}
    rows.sort(key=lambda r: order[r["metric"]])
    for row in rows:
        row["a_label"], row["b_label"] = side_label(row["a_label"]), side_label(row["b_label"])
    return pl.DataFrame(rows, schema=_SCHEMA)


class _EngineSideTables:
    """:class:`_SideTables` on DuckDB/Spark: the engine tables with ``_side`` (neutral)."""

    def __init__(self, facts: Any, split: Split) -> None:
        self.context = facts.context
        self._facts = facts
        self._split = split

    def table(self, level: str) -> Any:
        import narwhals.stable.v2 as nw

        table = self._facts.table(level)
        side = self._split.neutral(level, table.collect_schema().names())  # type: ignore[misc]
        return table.with_columns(side.alias("_side")).filter(~nw.col("_side").is_null())


class _SideTables:
    """The fact tables with a ``_side`` column (True: side a, False: side b), rows in neither
    side dropped, for :func:`~toolkit.core.kpis.aggregate`."""

    def __init__(self, facts: FactTables, split: Split) -> None:
        self.context = facts.context
        self._facts = facts
        self._split = split

    def table(self, level: str) -> pl.LazyFrame:
        table = self._facts.table(level)
        side = self._split.side(level, table.collect_schema().names())
        return table.with_columns(side.alias("_side")).filter(pl.col("_side").is_not_null())


def _metric_rows(frame: pl.DataFrame, level_metrics: list[Any], sp: Any, sided: pl.DataFrame | None,
                 **options: Any) -> list[dict[str, Any]]:
    """One comparison row per metric of one level: the per-row values ``_v{i}`` kept by
    ``_w{i}`` and split by ``_side`` feed the tests and the bootstrap; the sides' values come
    from ``sided`` (THE aggregation grouped by side). Shared by every engine."""
    from scipy import stats

    side = frame["_side"]
    rows = []
    for i, m in enumerate(level_metrics):
        keep = frame[f"_w{i}"]
        values = frame[f"_v{i}"]
        if m.stat == "share":
            values = values.cast(pl.Float64)
        rows.append(_compare_metric(
            m, values.filter(keep & side), values.filter(keep & ~side), sp,
            (_side_value(sided, m.name, True), _side_value(sided, m.name, False)),
            mannwhitneyu=stats.mannwhitneyu, **options,
        ))
    return rows


def _side_value(values: pl.DataFrame | None, name: str, side: bool) -> float | None:
    if values is None or name not in values.columns:
        return None
    row = values.filter(pl.col("_side") == side)
    if row.height == 0:  # no rows on this side: counts are 0, other statistics undefined
        return 0.0 if values[name].dtype.is_integer() else None
    value = row[name][0]
    return None if value is None else float(value)


def _computable(metric: Metric, ctx: Any, columns: list[str]) -> bool:
    exprs = [metric.value_expr(ctx), metric.where_expr(ctx)]
    try:
        needed = {name for e in exprs if e is not None for name in e.meta.root_names()}
    except Exception:  # an unusual expression: let polars decide
        return True
    return needed <= set(columns)


def _compare_metric(
    metric: Metric,
    a_values: pl.Series,
    b_values: pl.Series,
    split: Split,
    statistics: tuple[float | None, float | None],
    *,
    seed: int,
    n_boot: int,
    alpha: float,
    min_n: int,
    mannwhitneyu: Callable[..., Any],
) -> dict[str, Any]:
    stat = metric.stat
    if stat == "count":
        xa, xb = a_values.to_numpy(), b_values.to_numpy()
    elif stat == "n_unique":
        xa, xb = a_values.drop_nulls().to_numpy(), b_values.drop_nulls().to_numpy()
    else:
        xa = a_values.drop_nulls().cast(pl.Float64).to_numpy()
        xb = b_values.drop_nulls().cast(pl.Float64).to_numpy()
    # In value order: the bootstrap then depends on the values alone, not on the order in which
    # an engine returns rows (the same interval on polars, DuckDB and Spark).
    xa, xb = np.sort(xa), np.sort(xb)
    a, b = statistics
    row: dict[str, Any] = {
        "split": split.name,
        "metric": metric.name,
        "kind": metric.kind,
        "level": metric.level,
        "stat": stat,
        "a_label": split.a_label,
        "b_label": split.b_label,
        "n_a": int(xa.size),
        "n_b": int(xb.size),
        "a": a,
        "b": b,
        "difference": a - b if a is not None and b is not None else None,
        "ratio": a / b if a is not None and b not in (None, 0) else None,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
        "test": None,
    }
    if metric.kind != "count":
        if xa.size < min_n or xb.size < min_n:
            row["test"] = NOT_ENOUGH
        else:
            rng = np.random.default_rng([seed, zlib.crc32(metric.name.encode())])
            row["ci_low"], row["ci_high"] = bootstrap_difference(xa, xb, stat, n_boot=n_boot, rng=rng)
            if metric.kind == "rate":
                row["p_value"], row["test"] = two_proportion_test(
                    round(float(xa.sum())), xa.size, round(float(xb.sum())), xb.size
                )
            else:
                row["p_value"] = float(mannwhitneyu(xa, xb, alternative="two-sided").pvalue)
                row["test"] = "Mann-Whitney U"
    row["direction"] = _direction(row, metric, alpha)
    row["sentence"] = _sentence(row, metric, alpha)
    return row


def headline(result: pl.DataFrame, n: int = 4) -> list[str]:
    """The few sentences a manager should read first from a :func:`compare` result.

    Significant differences only (p < 0.05 and a direction), medians and rates before means and
    90th percentiles (SPEC: medians lead; a mean and a median can point different ways when a
    few very long waits sit on one side), and at most one statistic per time measure.

    >>> rows = pl.DataFrame({
    ...     "metric": ["frt_mean_s", "frt_median_s", "reply_rate", "turns"],
    ...     "kind": ["time", "time", "rate", "count"], "p_value": [0.001, 0.001, 0.02, None],
    ...     "direction": ["better", "worse", "worse", None],
    ...     "sentence": ["mean", "median", "rate", "count"]})
    >>> headline(rows)
    ['median', 'rate']
    """
    if result.height == 0:
        return []
    rank = (
        pl.when(pl.col("metric").str.ends_with("_median_s")).then(0)
        .when(pl.col("kind") == "rate").then(1)
        .when(pl.col("metric").str.ends_with("_mean_s") | pl.col("metric").str.ends_with("_p90_s")).then(3)
        .otherwise(2)
    )
    measure = pl.col("metric").str.replace(r"_(mean|median|p90)_s$", "")
    chosen = (
        result.filter(
            (pl.col("p_value") < 0.05)
            & pl.col("direction").is_not_null()
            & ~pl.col("direction").str.starts_with("no ")
            & pl.col("kind").is_in(["time", "rate", "value"])
        )
        .with_columns(_rank=rank, _measure=measure, _order=pl.int_range(pl.len()))
        .sort("_rank", "_order")
        .unique("_measure", keep="first", maintain_order=True)
    )
    return chosen["sentence"].head(n).to_list()
