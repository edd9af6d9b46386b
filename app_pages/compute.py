"""Cached computations behind the pages: thin calls into the toolkit, keyed by the view.

``ViewState`` is frozen and hashable, so ``st.cache_data`` keys on (view, arguments); the big
frames behind it are cached by dataset id and settings in :mod:`app_pages.common`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from app_pages import common
from toolkit.analysis import thin
from toolkit.analysis.agents import agent_report
from toolkit.analysis.compare import compare
from toolkit.analysis.hours_report import default_candidates, opening_hours_whatif
from toolkit.analysis.hours_report import hours_report as _hours_report
from toolkit.analysis.peaks import judged_share, peak_buckets, peak_periods, unjudged_note
from toolkit.analysis.staffing import staffing
from toolkit.app_state.view import ViewState, metric_values, previous_period
from toolkit.calendar.business_hours import hour_of_week_open
from toolkit.core.metrics import Metric, metric_registry
from toolkit.errors import DataError
from toolkit.measures.series import (
    inbound_by_hour_of_week,
    response_by_hour_of_week,
    response_series,
    sla_status,
)
from toolkit.measures.volumes import volumes
from toolkit.present import charts
from toolkit.present import format as fmt
from toolkit.present.i18n import N_, LazyText, _
from toolkit.present.report import Cards, Figure, Table, Text

EVERY_LABEL = {"1h": "hour", "1d": "day", "1w": "week"}
#: Whole phrases per period, so each language words them its own way (not "par day").
RESPONSE_TIME_PER = {
    "1h": N_("Response time per hour"),
    "1d": N_("Response time per day"),
    "1w": N_("Response time per week"),
}
CONVERSATIONS_IN = {
    "1h": N_("**Conversations that started in the selected hour**"),
    "1d": N_("**Conversations that started in the selected day**"),
    "1w": N_("**Conversations that started in the selected week**"),
}


def date_range(v: ViewState) -> tuple[dt.date, dt.date]:
    """The view's dates; without dates chosen, the log without its far-out dates (one rule:
    ``toolkit.analysis.thin.dense_range``, the data-quality report's)."""
    f = common.facts(v)
    return (v.start or f.dense_first, v.end or f.dense_last)


#: The dates the trend charts draw: the same as every figure's.
chart_range = date_range


def default_every(v: ViewState) -> str:
    a, b = chart_range(v)
    days = (b - a).days + 1
    return "1h" if days <= 4 else ("1d" if days <= 200 else "1w")


# ---- KPI cards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    delta_color: str
    help: str


@dataclass(frozen=True)
class CardSet:
    items: list[Card]
    caption: str
    all_metrics: pl.DataFrame


#: The headline cards, by metric name; each card's title is the metric's own label.
CARDS: tuple[str, ...] = (
    "inbound_messages",
    "outbound_messages",
    "conversations",
    "unique_customers",
    "frt_median_s",
    "art_median_s",
    "reply_rate",
    "sla_compliance",
)


def _delta(
    metric: Metric, now: Any, before: Any, *, sizes: tuple[Any, Any] = (None, None), days: tuple[int, int] | None = None
) -> tuple[str | None, str]:
    """The change shown under a card, or None when it would mislead: too few messages or turns
    on a side (``sizes``), a zero baseline; counts over periods of unequal length per day."""
    if now is None or before is None or not thin.enough(*sizes):
        return None, "off"
    color = {"lower": "inverse", "higher": "normal"}.get(metric.polarity or "", "off")
    if metric.stat == "share" or metric.unit == "s":
        return fmt.measure(float(now) - float(before), kind=metric.kind, unit=metric.unit, difference=True), color
    change = thin.relative_change(now, before, days=days, base_size=sizes[1])
    if change is None:
        return None, "off"
    # More or fewer messages is neither good nor bad: no colour.
    return fmt.percent(change, decimals=0, signed=True) + (" per day" if days and days[0] != days[1] else ""), "off"


def default_window(v: ViewState) -> str:
    """The KPI period a page opens on: the whole (dense) range for a log of a quarter or less,
    or when the last 28 days hold under half of its inbound messages (an export whose busy weeks
    are not the last ones); else the last 28 days."""
    a, b = chart_range(v)
    if (b - a).days + 1 <= 92:
        return "all"
    inbound = pl.col("direction") == "inbound"
    total = common.filtered(v).messages.select(inbound.sum()).collect().item() or 0
    recent = common.filtered(v, start=b - dt.timedelta(days=27), end=b).messages.select(inbound.sum()).collect().item() or 0
    return "28" if total and recent >= total / 2 else "all"


def _window(v: ViewState, window: str) -> tuple[dt.date, dt.date]:
    a, b = chart_range(v)
    if window in ("7", "28"):
        a = max(a, b - dt.timedelta(days=int(window) - 1))
    return a, b


def registry_key() -> tuple[str, ...]:
    """The registered metric names: part of every cache key that depends on the registry."""
    return tuple(metric_registry())


def kpi_cards(v: ViewState, window: str) -> CardSet:
    return _kpi_cards(v, window, registry_key())


# ``registry`` is only a cache key: a metric registered later must not hit a stale entry.
@st.cache_data(max_entries=64, show_spinner=False)
def _kpi_cards(v: ViewState, window: str, registry: tuple[str, ...]) -> CardSet:
    f = common.facts(v)
    metrics = common.supported_metrics(v)
    a, b = _window(v, window)
    pa, pb = previous_period(a, b)
    now = metric_values(common.filtered(v, start=a, end=b), metrics).to_dicts()
    # The previous period must hold data of the same range: not the gap before the log, nor
    # (dates not chosen) the far-out dates left out of every figure.
    floor = f.first_day if v.start is not None else f.dense_first
    has_before = pb >= floor
    before = metric_values(common.filtered(v, start=max(pa, floor), end=pb), metrics).to_dicts() if has_before else [{}]
    now_row, before_row = (now[0] if now else {}), (before[0] if before else {})
    days = ((b - a).days + 1, (pb - max(pa, floor)).days + 1)

    def sizes(m: Metric) -> tuple[Any, Any]:
        # Counts are judged by the messages behind them, times and rates by the answered turns.
        key = "inbound_messages" if m.kind == "count" else "answered_turns"
        return now_row.get(key), before_row.get(key)

    def delta(m: Metric, name: str) -> tuple[str | None, str]:
        return _delta(m, now_row.get(name), before_row.get(name), sizes=sizes(m), days=days) if has_before else (None, "off")

    items = []
    for name in CARDS:
        m = metrics.get(name)
        if m is None:
            continue
        label = _(m.label)
        label = label[:1].upper() + label[1:]
        d, color = delta(m, name)
        items.append(Card(label, common.fmt_value(m, now_row.get(name)), d, color, common.metric_help(name, m) or ""))
    total = common.filtered(v).messages.filter(pl.col("direction") == "inbound").select(pl.len()).collect().item()
    shown = now_row.get("inbound_messages") or 0
    caption = _("{period}: {shown} of {total} inbound messages").format(
        period=fmt.date_range(a, b), shown=fmt.count(shown), total=fmt.count(total)) + (
        f" ({fmt.percent(shown / total)})" if total and shown != total else ""
    )
    too_few = has_before and not thin.enough(before_row.get("inbound_messages"))
    if too_few:
        caption += _("; changes not shown: {why} with {period}").format(why=_(thin.TOO_FEW), period=fmt.date_range(pa, pb))
    elif has_before:
        caption += _("; changes compared with {period}").format(period=fmt.date_range(pa, pb)) + (
            _(" (counts per day)") if days[0] != days[1] else "")
    else:
        caption += _(" (no earlier data to compare with)")
    rows = [
        {
            "metric": common.measure_label(n),
            "description": _(m.description),
            "value": common.fmt_value(m, now_row.get(n)),
            "previous period": common.fmt_value(m, before_row.get(n)) if has_before else "–",
            "change": delta(m, n)[0] or "–",
        }
        for n, m in metrics.items()
    ]
    return CardSet(items, caption, pl.DataFrame(rows))


# ---- series ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    volumes: pl.DataFrame
    peaks: pl.DataFrame | None
    response: pl.DataFrame


def _naive(col: str = "period") -> pl.Expr:
    return pl.col(col).dt.replace_time_zone(None)


@st.cache_data(max_entries=64, show_spinner=False)
def volume_series(v: ViewState, every: str) -> Series:
    """Inbound and replies per local bucket (empty buckets as zeros), peaks, response times."""
    f = common.facts(v)
    a, b = chart_range(v)
    t = common.filtered(v)
    shown = t.messages.select(pl.len()).collect().item()
    counts, response = pl.collect_all([
        volumes(t.messages, every=every, timezone=f.timezone, span=(a, b)),
        response_series(t, every=every, timezone=f.timezone),
    ])
    vol = counts.select(
        _naive("bucket").alias("period"), pl.col("inbound_messages").alias("inbound"), pl.col("outbound_messages").alias("outbound")
    )
    response = response.select(
        _naive("period"), "art_median_s", "art_p90_s", pl.col("answered_turns").alias("turns")
    )
    peaks = None
    if every in ("1h", "1d") and shown:
        # Peaks are judged against the whole log's baseline for that hour/weekday.
        lf = t.messages.select("created_at", "direction")
        pk = peak_buckets(lf, bucket="hour" if every == "1h" else "day", timezone=f.timezone).collect()
        peaks = pk.filter("is_peak").select(_naive("bucket").alias("period"), pl.col("inbound_messages").alias("inbound"))
    return Series(vol, peaks, response)


@st.cache_data(max_entries=32, show_spinner=False)
def conversations_in_bucket(v: ViewState, pick: Any, every: str) -> pl.DataFrame:
    """Conversations (in the view) that started in the clicked bucket."""
    f = common.facts(v)
    t = common.filtered(v)
    keys = [p.get("key") for p in (pick or []) if isinstance(p, dict) and p.get("key")]
    if not keys:
        return pl.DataFrame()
    starts = [dt.datetime.fromisoformat(k) for k in keys]
    local = pl.col("started_at").dt.convert_time_zone(f.timezone).dt.truncate(every).dt.replace_time_zone(None)
    return conversation_table(t.conversations.filter(local.is_in(starts)).collect(), f.timezone)


@st.cache_data(max_entries=32, show_spinner=False)
def conversations_in_cell(v: ViewState, pick: Any, column: str = "start") -> pl.DataFrame:
    """Turns' conversations (in the view) whose start falls in the clicked hour-of-week cell."""
    f = common.facts(v)
    t = common.filtered(v)
    cells = [(int(p["weekday"]), int(p["hour"])) for p in (pick or []) if isinstance(p, dict) and "weekday" in p]
    if not cells:
        return pl.DataFrame()
    local = pl.col("started_at").dt.convert_time_zone(f.timezone)
    pred = pl.lit(False)
    for d, h in cells:
        pred |= (local.dt.weekday() == d) & (local.dt.hour() == h)
    return conversation_table(t.conversations.filter(pred).collect(), f.timezone)


def conversation_table(conv: pl.DataFrame, timezone: str = "UTC") -> pl.DataFrame:
    """Conversations for a table: start in local time (to the minute), durations in minutes."""
    cols = [
        c
        for c in (
            "conversation_id", "started_at", "channel", "brand", "customer_id", "agent_id", "category",
            "messages", "turns", "answered_turns", "first_response_seconds", "resolution_seconds",
        )
        if c in conv.columns
    ]
    return conv.sort("started_at").select(cols).with_columns(
        pl.col("started_at").dt.convert_time_zone(timezone).dt.replace_time_zone(None).dt.truncate("1m"),
        *[(pl.col(c) / 60).round(1).alias(c.replace("_seconds", "_minutes")) for c in cols if c.endswith("_seconds")],
    ).drop([c for c in cols if c.endswith("_seconds")]).head(5000)


# ---- report ---------------------------------------------------------------------------------


def overview_report(v: ViewState, window: str) -> list[Any]:
    cards = kpi_cards(v, window)
    every = default_every(v)
    series = volume_series(v, every)
    ds = common.dataset(v.dataset)
    s = common.settings_of(v, ds)
    return [
        Text(cards.caption),
        Cards([(c.label, c.value, c.delta or "") for c in cards.items]),
        Figure(charts.volume_timeline(series.volumes, every=every, series=(("inbound", "Inbound"), ("outbound", "Replies")), peaks=series.peaks, events=s.events)),
        *([Figure(charts.response_time_trend(series.response, periods=series.volumes["period"], every=every, sla_seconds=v.sla_seconds))]
          if (series.response["turns"].fill_null(0) >= 5).any() else []),
        Table(_("All metrics"), cards.all_metrics),
    ]


# ---- toolkit reports on the view's messages --------------------------------------------------


def messages_of(v: ViewState) -> pl.DataFrame:
    """The view's filtered messages in canonical form (without the app's helper column).

    Without dates chosen, far-out dates (a message from six years before the rest) are left
    out, as in the KPIs and charts: a baseline over years of empty days would make every busy
    day a "peak"."""
    m = common.filtered(v).messages
    return (m.drop("in_hours") if "in_hours" in m.collect_schema().names() else m).collect()


def _calendar(v: ViewState) -> Any:
    return common.facts(v).calendar


def metrics_by(v: ViewState, by: str | None, names: tuple[str, ...] | None = None) -> pl.DataFrame:
    return _metrics_by(v, by, names, registry_key())


# ``registry``: cache key only (see _kpi_cards).
@st.cache_data(max_entries=32, show_spinner=LazyText(N_("Computing…")))
def _metrics_by(v: ViewState, by: str | None, names: tuple[str, ...] | None, registry: tuple[str, ...]) -> pl.DataFrame:
    metrics = common.supported_metrics(v)
    if names is not None:
        metrics = {n: m for n, m in metrics.items() if n in names}
    return metric_values(common.filtered(v), metrics, by=by)


@st.cache_data(max_entries=16, show_spinner=LazyText(N_("Comparing in hours with out of hours…")))
def hours_report(v: ViewState) -> Any:
    """Business hours vs overall (None without opening hours)."""
    cal = _calendar(v)
    if cal is None:
        return None
    return _hours_report(messages_of(v), cal, sla=v.sla_seconds, n_boot=300)


@st.cache_data(max_entries=16, show_spinner=False)
def hours_whatif(v: ViewState, extra: tuple[tuple[str, str], ...]) -> pl.DataFrame | None:
    """The opening-hours what-if: default candidates plus the user's (None without opening hours)."""
    cal = _calendar(v)
    if cal is None:
        return None
    candidates = dict(default_candidates(cal))
    candidates.update(dict(extra))
    return opening_hours_whatif(messages_of(v), cal, candidates)


@st.cache_data(max_entries=16, show_spinner=False)
def inbound_hour_of_week(v: ViewState) -> pl.DataFrame:
    f = common.facts(v)
    return inbound_by_hour_of_week(common.filtered(v).messages, timezone=f.timezone).collect()


@st.cache_data(max_entries=16, show_spinner=False)
def response_hour_of_week(v: ViewState) -> pl.DataFrame:
    f = common.facts(v)
    cells = response_by_hour_of_week(common.filtered(v).turns, timezone=f.timezone)
    return cells.select("weekday", "hour", (pl.col("art_median_s") / 60).alias("median_minutes"), pl.col("answered_turns").alias("turns")).collect()


def open_hours_grid(v: ViewState) -> pl.DataFrame | None:
    cal = _calendar(v)
    return None if cal is None else hour_of_week_open(cal)


@st.cache_data(max_entries=16, show_spinner=False)
def sla_breakdown(v: ViewState) -> pl.DataFrame:
    t = common.filtered(v)
    table = sla_status(t.turns, t.context).rename({"sla_status": "SLA status"}).collect()
    # The statuses as words of the reader's language (the toolkit's values stay English).
    words = {"met": _("met"), "missed": _("missed"), "pending": _("pending")}
    return table.with_columns(pl.col("SLA status").replace(words))


@st.cache_data(max_entries=16, show_spinner=LazyText(N_("Finding peaks…")))
def peak_table(v: ViewState, bucket: str) -> pl.DataFrame:
    """Peak periods (local times); daily periods as first and last day (inclusive)."""
    f = common.facts(v)
    s = common.settings_of(v, common.dataset(v.dataset))
    peaks = peak_periods(messages_of(v), bucket=bucket, timezone=f.timezone, events=list(s.events) or None)
    if bucket == "day":
        # ``end`` is exclusive: a reader takes "end 18 Oct" as the last day of the peak.
        peaks = peaks.with_columns(
            pl.col("start").dt.date().alias("first_day"), (pl.col("end") - dt.timedelta(days=1)).dt.date().alias("last_day")
        ).select("first_day", "last_day", pl.col("buckets").alias("days"), pl.exclude("start", "end", "buckets", "first_day", "last_day"))
    return peaks


@st.cache_data(max_entries=16, show_spinner=False)
def peak_judgement(v: ViewState, bucket: str) -> tuple[float | None, str | None]:
    """(share of inbound messages in buckets judged for peaks, why the rest could not be, in plain
    words): ``toolkit.analysis.peaks.judged_share`` and ``unjudged_note``. A share of 0: the log is
    too thin to find peaks at all."""
    f = common.facts(v)
    m = messages_of(v).select("created_at", "direction")
    if m.height == 0:
        return None, None
    buckets = peak_buckets(m, bucket=bucket, timezone=f.timezone)
    return judged_share(buckets), unjudged_note(buckets, bucket=bucket)


@st.cache_data(max_entries=16, show_spinner=False)
def middle_day(v: ViewState) -> dt.date:
    """The local day that splits the view's messages in halves (a before/after date with data on
    both sides; the middle of the date range may leave one side with a handful)."""
    f = common.facts(v)
    day = common.filtered(v).messages.select(
        pl.col("created_at").median().dt.convert_time_zone(f.timezone).dt.date()
    ).collect().item()
    return day if day is not None else f.dense_first + (f.dense_last - f.dense_first) / 2


def timeline_subtitle(v: ViewState, every: str, usual: str) -> str:
    """The volume chart's subtitle: ``usual`` (what the red dots mean) when peaks can be marked,
    else why they are not (weekly buckets, or a log too thin to know the usual level)."""
    if every not in ("1h", "1d"):
        return _("Peaks are marked on hourly and daily charts · shaded: events")
    share, _note = peak_judgement(v, "hour" if every == "1h" else "day")
    if share == 0:
        return _("Peaks not marked: too few messages to know the usual level of each hour or weekday · shaded: events")
    return usual


@st.cache_data(max_entries=32, show_spinner=LazyText(N_("Comparing the two groups (tests and bootstrap intervals)…")))
def comparison(v: ViewState, split: str) -> pl.DataFrame | str:
    """The comparison table, or the reason it cannot be made (text) for this data/split.

    A measure is tested only with ``thin.MIN_SAMPLE`` observations on each side (the toolkit's
    default, below that its sentence says there are too few messages to compare), and the whole
    comparison is refused, in a sentence, when a side holds fewer customer turns than that
    (``thin.too_thin_to_compare``) or when the log is too thin to find peaks at all: no "27x
    faster during peaks" from a handful of messages."""
    f = common.facts(v)
    s = common.settings_of(v, common.dataset(v.dataset))
    kind, _sep, arg = split.partition(":")
    if kind.strip().lower() == "peak":
        share, note = peak_judgement(v, arg.strip() or "day")
        if share == 0 and note:
            return note
    try:
        result = compare(
            messages_of(v), split, sla=v.sla_seconds, calendar=f.calendar, timezone=f.timezone,
            events=list(s.events) or None, n_boot=400,
        )
    except (DataError, ValueError, KeyError) as exc:
        return str(exc)
    return thin.too_thin_to_compare(result) or result


#: Share of human replies that must name their agent before "agents active" (and a shortfall
#: against the agents needed) is shown as a count of the team.
MIN_AGENT_COVERAGE = 0.9


@st.cache_data(max_entries=16, show_spinner=False)
def agent_coverage(v: ViewState) -> float | None:
    """Share of the view's human replies that name their agent (None without replies or without
    an agent column): below MIN_AGENT_COVERAGE, agents active per hour are an undercount."""
    m = common.filtered(v).messages
    if "agent_id" not in m.collect_schema().names():
        return None
    human = (pl.col("direction") == "outbound") & ~pl.col("is_bot").fill_null(False) if "is_bot" in m.collect_schema().names() else (
        pl.col("direction") == "outbound")
    return m.filter(human).select(pl.col("agent_id").is_not_null().mean()).collect().item()


@st.cache_data(max_entries=16, show_spinner=LazyText(N_("Building the staffing view…")))
def staffing_table(v: ViewState) -> pl.DataFrame:
    # With opening hours, "short" only counts hours the team is open (closed hours are a choice).
    return staffing(messages_of(v), sla=v.sla_seconds, timezone=common.facts(v).timezone, calendar=_calendar(v))


@st.cache_data(max_entries=16, show_spinner=LazyText(N_("Building the team report…")))
def agents_table(v: ViewState) -> pl.DataFrame | None:
    """The team report; None when the log has no agent column, empty without agent replies."""
    if "agent_id" not in common.facts(v).messages.columns:
        return None
    m = messages_of(v)
    if m.filter(pl.col("agent_id").is_not_null()).height == 0:
        return pl.DataFrame()
    return agent_report(m, sla=v.sla_seconds, calendar=_calendar(v))


def call(v: ViewState, fn: Callable[..., Any], kwargs: tuple[tuple[str, Any], ...] = ()) -> pl.DataFrame | str:
    """``fn(view messages, **kwargs)`` for a toolkit function, collected and cached; the reason
    as text when the data does not allow it (DataError)."""
    return _call(v, f"{fn.__module__}.{fn.__qualname__}", kwargs, fn)


# ``name`` keys the cache (a function is not hashable); ``_fn`` is what runs.
@st.cache_data(max_entries=16, show_spinner=False)
def _call(v: ViewState, name: str, kwargs: tuple[tuple[str, Any], ...], _fn: Callable[..., Any]) -> pl.DataFrame | str:
    try:
        out = _fn(messages_of(v), **dict(kwargs))
    except (DataError, ValueError) as exc:
        return str(exc)
    return out.collect() if isinstance(out, pl.LazyFrame) else out
