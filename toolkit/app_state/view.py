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
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from toolkit.calendar.events import DATE_RANGE, Event, parse_events
from toolkit.core.metrics import Metric, MetricContext
from toolkit.present.i18n import LANGUAGES, _, get_language, use_language

__all__ = [
    "DATE_RANGE",
    "DIMENSION_FILTERS",
    "EXTRA_PARAMS",
    "SLA_MINUTES_RANGE",
    "Event",
    "FilteredTables",
    "IgnoredParam",
    "ViewState",
    "filter_tables",
    "is_timezone",
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

        :meth:`decode` also says what was ignored and why.

        >>> ViewState.from_params({"sla": "abc", "hours": "out", "from": "2025-13-01"}).hours
        'out'
        """
        return cls.decode(params)[0]

    @classmethod
    def decode(cls, params: Mapping[str, str | Sequence[str]]) -> tuple[ViewState, tuple[IgnoredParam, ...]]:
        """Decode query parameters, validating each one; a bad one is ignored (default kept).

        A link is untrusted input: every parameter is checked against what it may hold (dates
        in :data:`DATE_RANGE`, an IANA time zone, opening hours and holidays that parse, an SLA
        in :data:`SLA_MINUTES_RANGE`, events, a comparison split, the page parameters of
        :data:`EXTRA_PARAMS`). The app shows the ignored ones as a note.

        Returns
        -------
        tuple
            The view, and one :class:`IgnoredParam` per parameter left out (name, value, why).

        Examples
        --------
        >>> view, ignored = ViewState.decode({"tz": "Mars/Olympus", "open": "24/7", "x.every": "7y"})
        >>> view.timezone, view.opening_hours, view.get("every")
        ('', '24/7', '')
        >>> [(i.name, i.reason) for i in ignored]  # doctest: +NORMALIZE_WHITESPACE
        [('tz', 'not a time zone (IANA name such as Europe/Paris)'),
         ('x.every', 'expected one of 1h, 1d, 1w')]
        """
        ignored: list[IgnoredParam] = []

        def one(key: str) -> str:
            value = params.get(key, "")
            if not isinstance(value, str):
                value = value[-1] if value else ""
            value = value.strip()
            if len(value) > MAX_PARAM_CHARS:
                ignored.append(IgnoredParam(key, value, _("longer than {n} characters").format(n=MAX_PARAM_CHARS)))
                return ""
            return value

        def check(key: str, reason: str | None) -> bool:
            if reason is not None:
                ignored.append(IgnoredParam(key, one(key), reason))
            return reason is None

        changes: dict[str, Any] = {}
        if one("ds"):
            changes["dataset"] = one("ds")  # an unknown id is the page's "no such dataset" message
        for key, attr in (("from", "start"), ("to", "end")):
            if one(key) and check(key, _date_error(one(key))):
                changes[attr] = dt.date.fromisoformat(one(key))
        if changes.get("start") and changes.get("end") and changes["start"] > changes["end"]:
            ignored.append(IgnoredParam("to", one("to"), _("before the start date")))
            del changes["end"]
        for f in DIMENSION_FILTERS:
            if one(f):
                values = tuple(dict.fromkeys(v for v in one(f).split(_LIST_SEP) if v))
                if check(f, None if len(values) <= MAX_LIST_VALUES else _("more than {n} values").format(n=MAX_LIST_VALUES)):
                    changes[f] = values
        if one("hours") and check("hours", None if one("hours") in ("all", "in", "out") else _("expected all, in or out")):
            changes["hours"] = one("hours")
        if one("tz") and check("tz", _timezone_error(one("tz"))):
            changes["timezone"] = one("tz")
        if one("open") and check("open", _hours_error(one("open"), changes.get("timezone") or "UTC")):
            changes["opening_hours"] = one("open")
        if one("holidays") and check("holidays", _holidays_error(one("holidays"))):
            changes["holidays"] = one("holidays")
        if one("sla") and check("sla", _sla_error(one("sla"))):
            changes["sla_minutes"] = float(one("sla"))
        if one("events"):
            events, bad = parse_events(one("events"))
            if bad:  # the others still apply
                lo, hi = (d.isoformat() for d in DATE_RANGE)
                ignored.append(IgnoredParam("events", "; ".join(bad), _("not events NAME: {lo}..{hi} (dates in that range)").format(lo=lo, hi=hi)))
            if check("events", None if len(events) <= MAX_LIST_VALUES else _("more than {n} events").format(n=MAX_LIST_VALUES)):
                changes["events"] = events
        if one("split") and check("split", _split_error(one("split"))):
            changes["split"] = one("split")
        if one("lang") and check("lang", None if one("lang").lower() in LANGUAGES else _("expected one of {allowed}").format(allowed=", ".join(LANGUAGES))):
            changes["lang"] = one("lang").lower()
        extra = []
        for key in params:
            if key.startswith("x.") and one(key):
                validate = EXTRA_PARAMS.get(key[2:])
                if validate is None or check(key, validate(one(key))):
                    extra.append((key[2:], one(key)))
            elif not key.startswith("x.") and key not in _KNOWN_PARAMS:
                ignored.append(IgnoredParam(key, one(key), _("not a setting of this app")))
        changes["extra"] = tuple(sorted(extra))
        return cls(**changes), tuple(ignored)


@dataclass(frozen=True)
class IgnoredParam:
    """A link parameter that was left out: its name, its value and why."""

    name: str
    value: str
    reason: str

    def to_text(self) -> str:
        """``tz = 'Mars/Olympus': not a time zone (...)`` (the value cut at 60 characters)."""
        value = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.name} = {value!r}: {self.reason}"


#: Link parameters longer than this are ignored (a link is not a place for data).
MAX_PARAM_CHARS = 2000
#: At most this many values in a list parameter (filters, events).
MAX_LIST_VALUES = 500
#: The SLA target a link may set, in minutes (one minute to two weeks, as in the app's settings).
SLA_MINUTES_RANGE = (1.0, 60.0 * 24 * 14)
#: Parameters of the view itself, and Streamlit's own (``embed``); ``x.*`` are page parameters.
_KNOWN_PARAMS = frozenset(
    {"ds", "from", "to", *DIMENSION_FILTERS, "hours", "tz", "open", "holidays", "sla", "events", "split", "lang",
     "embed", "embed_options"}
)


def _one_of(*allowed: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in allowed else _("expected one of {allowed}").format(allowed=", ".join(allowed))

    return check


def _date_error(text: str) -> str | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return _("not a date YYYY-MM-DD")
    lo, hi = DATE_RANGE
    return None if lo <= day <= hi else _("outside {first}..{last}").format(first=lo.isoformat(), last=hi.isoformat())


def _timezone_error(name: str) -> str | None:
    return None if _known_timezone(name) else _("not a time zone (IANA name such as Europe/Paris)")


@functools.cache
def _known_timezone(name: str) -> bool:
    import zoneinfo

    if name not in zoneinfo.available_timezones():
        return False
    try:  # polars' own time-zone database must know it too
        pl.Series([dt.datetime(2025, 1, 1)]).dt.replace_time_zone("UTC").dt.convert_time_zone(name)
    except pl.exceptions.PolarsError:
        return False
    return True


def is_timezone(name: str) -> bool:
    """True for an IANA time zone both Python and polars know.

    >>> is_timezone("Europe/Paris"), is_timezone("Mars/Olympus")
    (True, False)
    """
    return _timezone_error(name) is None


def _calendar_error(hours: str, timezone: str = "UTC", holidays: str = "") -> str | None:
    from toolkit.calendar.business_hours import BusinessCalendar

    try:
        BusinessCalendar.parse(hours, timezone=timezone, holidays=holidays)
    except (ValueError, KeyError, OverflowError, pl.exceptions.PolarsError) as exc:
        return str(exc)
    return None


def _hours_error(text: str, timezone: str = "UTC") -> str | None:
    return None if text == "24/7" else _calendar_error_in(text, timezone, "", get_language())


def _holidays_error(text: str) -> str | None:
    return _calendar_error_in("24/7", "UTC", text, get_language())


@functools.cache
def _calendar_error_in(hours: str, timezone: str, holidays: str, lang: str) -> str | None:
    """:func:`_calendar_error`, cached per language (its message is in ``lang``)."""
    with use_language(lang):
        return _calendar_error(hours, timezone, holidays)


def _sla_error(text: str) -> str | None:
    lo, hi = SLA_MINUTES_RANGE
    try:
        value = float(text)
    except ValueError:
        return _("not a number of minutes")
    return None if lo <= value <= hi else _("expected minutes from {lo} to {hi}").format(lo=f"{lo:g}", hi=f"{hi:g}")


_SPLIT_RE = re.compile(r"[a-z_]+(?::.+)?")


def _split_error(text: str) -> str | None:
    """The shape of a comparison split: ``kind`` or ``kind:argument`` (the page checks the rest)."""
    if not _SPLIT_RE.fullmatch(text):
        return _("expected a comparison such as hours, peak, before:2025-11-01 or channel:email")
    kind, _sep, arg = text.partition(":")
    if kind == "before":
        return _date_error(arg)
    return None


#: Page parameters (``x.NAME`` in a link) and how each is checked: a function returning why a
#: value is wrong, or None. Pages that add a parameter add its check here; an ``x.`` parameter
#: without a check is kept as text for its page to read (and validate) itself.
EXTRA_PARAMS: dict[str, Callable[[str], str | None]] = {
    "window": _one_of("28", "7", "all"),
    "every": _one_of("1h", "1d", "1w"),
    "whatif": _hours_error,
    "noevents": _one_of("1"),
    "noholidays": _one_of("1"),
}


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
