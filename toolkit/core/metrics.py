"""Named metrics: one definition feeds ``kpis``, comparisons and the app.

A metric is a statistic of a value over the rows of one fact table:

* ``level``: which table its rows come from: ``"messages"``, ``"turns"`` or ``"conversations"``;
* ``value``: a per-row expression (a time in seconds, a 0/1 outcome, an id to count);
* ``where``: which rows are eligible (e.g. answered first turns for FRT);
* ``stat``: ``count``, ``sum``, ``mean``, ``median``, ``p90``, ``share`` (mean of a 0/1 outcome,
  a rate) or ``n_unique``.

Because the per-row values are explicit, the comparison engine can test any metric (Mann-Whitney
for times, a two-proportion test for shares) and bootstrap its statistic, including metrics a
researcher registers:

>>> import polars as pl
>>> from toolkit.core.metrics import Metric, register_metric, unregister_metric
>>> _ = register_metric(Metric(
...     name="long_turn_share", level="turns", stat="share",
...     value=pl.col("inbound_messages") >= 3, description="turns of 3+ messages"))
>>> unregister_metric("long_turn_share")

``value`` and ``where`` may also be callables taking a :class:`MetricContext` (SLA target,
calendar), for metrics whose definition depends on the settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import narwhals.stable.v2 as nw
import polars as pl

from toolkit.errors import DataError
from toolkit.io.schema import INBOUND, OUTBOUND
from toolkit.present.i18n import N_, _

__all__ = [
    "Metric",
    "MetricContext",
    "available_metrics",
    "get_metric",
    "metric_registry",
    "register_metric",
    "unregister_metric",
]

Level = Literal["messages", "turns", "conversations"]
Polarity = Literal["lower", "higher"] | None
Stat = Literal["count", "sum", "mean", "median", "p90", "share", "n_unique"]
AnyExpr = nw.Expr | pl.Expr
ExprOrBuilder = AnyExpr | Callable[["MetricContext"], AnyExpr]

_STATS = ("count", "sum", "mean", "median", "p90", "share", "n_unique")
_LEVELS = ("messages", "turns", "conversations")


@dataclass(frozen=True)
class MetricContext:
    """Settings a metric definition may depend on."""

    sla: float = 3600.0
    calendar: Any = None  # toolkit.business_hours.BusinessCalendar | None
    #: Per-channel SLA targets ((channel, seconds), ...); ``sla`` is the default.
    sla_channels: tuple[tuple[str, float], ...] = ()


def to_polars(expr: nw.Expr | pl.Expr) -> pl.Expr:
    """A narwhals expression as the polars expression it stands for (polars ones pass through).

    The polars engine runs neutral definitions natively through this translation, so a metric
    written once costs the same on polars as one written in polars.
    """
    if isinstance(expr, pl.Expr):
        return expr
    from narwhals._polars.namespace import PolarsNamespace
    from narwhals._utils import Version

    return expr._to_compliant_expr(PolarsNamespace(version=Version.V2)).native


@dataclass(frozen=True)
class Metric:
    """A named statistic over one fact table (see the module docstring).

    Besides its definition a metric carries how people read it, and no other table of these
    exists: ``label`` (plain words for a manager, e.g. "first response time (median)"; default:
    the name in words), ``unit`` (``"s"`` for durations, ``"share"`` for fractions in [0, 1],
    ``"count"``; default by ``stat``), ``polarity`` (``"lower"`` or ``"higher"`` is better, or
    ``None`` for no judgement; default: lower for times, higher for shares, else None) and
    ``description`` (one sentence: what is counted over which rows).
    """

    name: str
    level: Level
    stat: Stat
    value: ExprOrBuilder = field(default_factory=lambda: nw.lit(1))
    where: ExprOrBuilder | None = None
    requires: tuple[str, ...] = ()
    needs_calendar: bool = False
    description: str = ""
    unit: str = ""
    label: str = ""
    polarity: Polarity | Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        if self.level not in _LEVELS:
            msg = _("Metric {name!r}: level must be one of {allowed}, got {level!r}").format(name=self.name, allowed=list(_LEVELS), level=self.level)
            raise ValueError(msg)
        if self.stat not in _STATS:
            msg = _("Metric {name!r}: stat must be one of {allowed}, got {stat!r}").format(name=self.name, allowed=list(_STATS), stat=self.stat)
            raise ValueError(msg)
        if self.polarity not in ("auto", "lower", "higher", None):
            msg = _("Metric {name!r}: polarity must be 'lower', 'higher' or None, got {polarity!r}").format(name=self.name, polarity=self.polarity)
            raise ValueError(msg)
        if not self.unit:
            unit = {"share": "share", "count": "count", "n_unique": "count"}.get(self.stat, "")
            object.__setattr__(self, "unit", unit)
        if not self.label:
            object.__setattr__(self, "label", self.name.removesuffix("_s").replace("_", " "))
        if self.polarity == "auto":
            # Times: shorter is better; rates: higher is better; other values: no judgement.
            auto = {"time": "lower", "rate": "higher"}.get(self.kind)
            object.__setattr__(self, "polarity", auto)

    @property
    def kind(self) -> Literal["time", "rate", "count", "value"]:
        """How the comparison engine treats it: times and values get Mann-Whitney, rates a
        two-proportion test, counts no test."""
        if self.stat == "share":
            return "rate"
        if self.stat in ("count", "n_unique", "sum"):
            return "count"
        return "time" if self.unit == "s" else "value"

    def _raw(self, part: ExprOrBuilder | None, ctx: MetricContext) -> AnyExpr | None:
        if part is None:
            return None
        return part(ctx) if callable(part) and not isinstance(part, (nw.Expr, pl.Expr)) else part

    def is_neutral(self, ctx: MetricContext | None = None) -> bool:
        """Whether the metric is written in the engine-neutral form (narwhals expressions) and
        so runs on every engine; a metric written with polars expressions runs on polars only."""
        ctx = ctx or MetricContext()
        parts = [self._raw(self.value, ctx), self._raw(self.where, ctx)]
        return type(self).aggregation is Metric.aggregation and all(
            p is None or isinstance(p, nw.Expr) for p in parts
        )

    def value_expr(self, ctx: MetricContext) -> pl.Expr:
        """The per-row value as a polars expression (a neutral definition translated)."""
        return to_polars(self._raw(self.value, ctx))  # type: ignore[arg-type]

    def where_expr(self, ctx: MetricContext) -> pl.Expr | None:
        where = self._raw(self.where, ctx)
        return None if where is None else to_polars(where)

    def aggregation(self, ctx: MetricContext) -> pl.Expr:
        """The group aggregation this metric computes on polars, aliased to its name."""
        value = self.value_expr(ctx)
        where = self.where_expr(ctx)
        if where is not None:
            value = value.filter(where)
        agg: pl.Expr
        if self.stat == "count":
            agg = value.len().cast(pl.Int64) if where is not None else pl.len().cast(pl.Int64)
        elif self.stat == "n_unique":
            agg = value.drop_nulls().n_unique().cast(pl.Int64)
        elif self.stat == "sum":
            # A sum over no values is unknown, not zero (THT of a group that logs no time).
            agg = pl.when(value.count() > 0).then(value.sum())
        elif self.stat == "mean":
            agg = value.cast(pl.Float64).mean()
        elif self.stat == "median":
            agg = value.cast(pl.Float64).median()
        elif self.stat == "p90":
            agg = value.cast(pl.Float64).quantile(0.9, "linear")
        else:  # share
            agg = value.drop_nulls().cast(pl.Float64).mean()
        return agg.alias(self.name)

    def neutral_aggregation(self, ctx: MetricContext) -> nw.Expr:
        """The same aggregation written for every engine (DuckDB, Spark, polars via narwhals).

        Masked with ``when(where).then(value)`` (SQL engines cannot filter inside an
        aggregation); the result is Int64 for counts and Float64 otherwise, as on polars.
        """
        if not self.is_neutral(ctx):
            msg = (
                _("metric {name!r} is written with polars expressions, so it runs on the polars engine only; write its value/where with narwhals expressions (import narwhals.stable.v2 as nw) to run it on DuckDB and Spark").format(name=self.name)
            )
            raise DataError(msg)
        value = self._raw(self.value, ctx)
        where = self._raw(self.where, ctx)
        masked = value if where is None else nw.when(where).then(value)
        if self.stat == "count":
            agg = nw.len() if where is None else nw.when(where).then(nw.lit(1)).count()
            agg = agg.cast(nw.Int64)
        elif self.stat == "n_unique":
            agg = (masked.n_unique() - (masked.null_count() > 0).cast(nw.Int64)).cast(nw.Int64)
        elif self.stat == "sum":
            agg = nw.when(masked.count() > 0).then(masked.cast(nw.Float64).sum())
        elif self.stat == "median":
            agg = masked.cast(nw.Float64).median()
        elif self.stat == "p90":
            agg = masked.cast(nw.Float64).quantile(0.9, "linear")
        else:  # mean, share
            agg = masked.cast(nw.Float64).mean()
        return agg.cast(nw.Int64 if self.stat in ("count", "n_unique") else nw.Float64).alias(self.name)

    def supported_by(self, columns: Iterable[str], ctx: MetricContext) -> bool:
        cols = set(columns)
        return all(c in cols for c in self.requires) and (
            not self.needs_calendar or ctx.calendar is not None
        )


_REGISTRY: dict[str, Metric] = {}


def register_metric(metric: Metric, *, replace: bool = False) -> Metric:
    """Add a metric; it then appears in :func:`toolkit.kpis`, comparisons and the app."""
    if metric.name in _REGISTRY and not replace:
        msg = _("a metric named {metric_name!r} exists already; pass replace=True to redefine it").format(metric_name=metric.name)
        raise ValueError(msg)
    _REGISTRY[metric.name] = metric
    return metric


def unregister_metric(name: str) -> None:
    """Remove a metric (no error if it is not there)."""
    _REGISTRY.pop(name, None)


def get_metric(name: str) -> Metric:
    try:
        return _REGISTRY[name]
    except KeyError:
        msg = _("unknown metric {name!r}; known: {known}").format(name=name, known=sorted(_REGISTRY))
        raise KeyError(msg) from None


def metric_registry() -> dict[str, Metric]:
    """All registered metrics by name, in registration order."""
    return dict(_REGISTRY)


#: Metrics that need one row per message: absent for ticket exports (``source_level`` =
#: "ticket", :mod:`toolkit.io.presets._tickets`), which give each ticket's first reply only.
MESSAGE_LEVEL_ONLY: frozenset[str] = frozenset(
    {
        "inbound_messages", "outbound_messages", "turns", "answered_turns",
        "art_mean_s", "art_median_s", "art_p90_s", "art_bh_mean_s", "art_bh_median_s", "art_bh_p90_s",
        "art_km_median_s", "sentiment_conversion", "neutral_conversion", "fcr_rate",
        "aht_s", "tht_s", "ht_median_s", "deflection_rate",
    }
)
#: Why they are absent, in a user's words.
TICKET_LEVEL_NOTE = N_(
    "This export has one row per ticket with its times already computed, not one row per "
    "message: measures that need every message (average response time over all replies, "
    "customer turns, message counts, sentiment, handling time) cannot be computed from it."
)


def available_metrics(
    columns: Iterable[str], ctx: MetricContext | None = None
) -> dict[str, Metric]:
    """The metrics a log with these columns supports (calendar ones only with a calendar)."""
    ctx = ctx or MetricContext()
    cols = list(columns)
    ticket_level = "source_level" in cols
    return {
        n: m
        for n, m in _REGISTRY.items()
        if m.supported_by(cols, ctx) and not (ticket_level and n in MESSAGE_LEVEL_ONLY)
    }


# --- the core metrics of SPEC ------------------------------------------------------------------

# Written once with narwhals expressions: the same definitions run on polars (translated by
# to_polars), DuckDB and Spark.
_inbound = nw.col("direction") == INBOUND
_outbound = nw.col("direction") == OUTBOUND
_answered = ~nw.col("answered_at").is_null()


def _sla_target(ctx: MetricContext) -> nw.Expr:
    from toolkit.core.sla import sla_target_expr

    return sla_target_expr(ctx.sla, ctx.sla_channels)


def sla_target(ctx: MetricContext) -> pl.Expr:
    """A turn's SLA target in seconds: its channel's target, else the default ``ctx.sla``."""
    return to_polars(_sla_target(ctx))


def _sla_met(ctx: MetricContext, seconds: str = "response_seconds") -> nw.Expr:
    return _answered & (nw.col(seconds) <= _sla_target(ctx))


def _sla_decided(ctx: MetricContext, seconds: str = "response_seconds", waited: str = "waited_seconds") -> nw.Expr:
    # met, or missed: answered later than T, or still unanswered more than T after its start.
    return _answered | (nw.col(waited) > _sla_target(ctx))


def sla_met(ctx: MetricContext, seconds: str = "response_seconds") -> pl.Expr:
    """The SLA rule's "met" (answered within the turn's target), as a polars expression."""
    return to_polars(_sla_met(ctx, seconds))


def sla_decided(ctx: MetricContext, seconds: str = "response_seconds", waited: str = "waited_seconds") -> pl.Expr:
    """The SLA rule's "decided" (met or missed; pending turns are not), as a polars expression."""
    return to_polars(_sla_decided(ctx, seconds, waited))


def _times(prefix: str, where: nw.Expr, seconds: str, label: str, *, bh: bool = False) -> None:
    for stat, word in (("mean", "mean"), ("median", "median"), ("p90", "90th percentile")):
        register_metric(
            Metric(
                name=f"{prefix}_{stat}_s",
                level="turns",
                stat=stat,  # type: ignore[arg-type]
                value=nw.col(seconds),
                where=where,
                needs_calendar=bh,
                unit="s",
                label=f"{label} ({word})",
                polarity="lower",
                description=f"{label}: {word} over {_TIME_SUBJECT[prefix]}, in seconds",
            )
        )


_TIME_SUBJECT = {
    "frt": "the first turns of conversations that got a human reply",
    "art": "all customer turns that got a human reply",
    "frt_bh": "the first answered turns, counting only opening hours",
    "art_bh": "all answered turns, counting only opening hours",
}

register_metric(Metric("inbound_messages", "messages", "count", where=_inbound,
                       label="inbound messages", polarity=None,
                       description="messages from customers"))
register_metric(Metric("outbound_messages", "messages", "count", where=_outbound,
                       label="replies sent", polarity=None,
                       description="messages from the brand (replies), bots included"))
register_metric(Metric("conversations", "messages", "n_unique", value=nw.col("conversation_id"),
                       label="conversations", polarity=None,
                       description="distinct conversations with a message in the group"))
register_metric(Metric("unique_customers", "messages", "n_unique", value=nw.col("customer_id"),
                       where=_inbound, label="unique customers", polarity=None,
                       description="distinct authors of inbound messages"))
register_metric(Metric("turns", "turns", "count", label="customer turns", polarity=None,
                       description="customer turns: runs of consecutive customer messages"))
register_metric(Metric("answered_turns", "turns", "count", where=_answered, label="answered turns",
                       polarity=None, description="turns answered by a human reply"))
register_metric(Metric("reply_rate", "turns", "share", value=_answered, label="reply rate",
                       polarity="higher", description="answered turns / turns"))
_times("frt", nw.col("is_first") & _answered, "response_seconds", "first response time")
_times("art", _answered, "response_seconds", "response time")
register_metric(
    Metric(
        "sla_compliance",
        "turns",
        "share",
        value=lambda ctx: _sla_met(ctx),
        where=lambda ctx: _sla_decided(ctx),
        label="SLA compliance",
        polarity="higher",
        description="turns answered within the SLA target / (met + missed); pending turns left out",
    )
)
_times("frt_bh", nw.col("is_first") & _answered, "response_bh_seconds",
       "first response time in business hours", bh=True)
_times("art_bh", _answered, "response_bh_seconds", "response time in business hours", bh=True)
register_metric(
    Metric(
        "sla_bh_compliance",
        "turns",
        "share",
        value=lambda ctx: _sla_met(ctx, "response_bh_seconds"),
        where=lambda ctx: _sla_decided(ctx, "response_bh_seconds", "waited_bh_seconds"),
        needs_calendar=True,
        label="SLA compliance in business time",
        polarity="higher",
        description="SLA compliance with the target counted in business time",
    )
)
for _stat, _word in (("mean", "mean"), ("median", "median"), ("p90", "90th percentile")):
    # Ticket exports (Zendesk) that report the first reply time within business hours: the
    # helpdesk's own figure, on each ticket's opening message (toolkit.io.presets._tickets).
    register_metric(
        Metric(
            name=f"frt_bh_reported_{_stat}_s",
            level="messages",
            stat=_stat,  # type: ignore[arg-type]
            value=nw.col("reported_frt_bh_seconds"),
            where=_inbound & ~nw.col("reported_frt_bh_seconds").is_null(),
            requires=("reported_frt_bh_seconds",),
            unit="s",
            label=f"first response time in business hours, as the helpdesk reports it ({_word})",
            polarity="lower",
            description=f"{_word} of the first reply time within business hours that the ticket export gives, in seconds",
        )
    )
register_metric(Metric("in_hours_share", "turns", "share", value=nw.col("in_hours"),
                       needs_calendar=True, label="share of turns in opening hours", polarity=None,
                       description="share of turns that start in opening hours"))

#: The keys of SPEC's command-line contract, in order.
CORE_KEYS = (
    "inbound_messages",
    "outbound_messages",
    "conversations",
    "unique_customers",
    "turns",
    "answered_turns",
    "reply_rate",
    "frt_mean_s",
    "frt_median_s",
    "frt_p90_s",
    "art_mean_s",
    "art_median_s",
    "art_p90_s",
    "sla_target_s",
    "sla_compliance",
)
