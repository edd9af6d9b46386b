"""Opening-hours calendar and DST-exact business-time arithmetic.

A :class:`BusinessCalendar` describes when a team is open: an IANA timezone, weekly opening
hours (several intervals a day, intervals that cross midnight), holidays by date and/or by
country through the ``holidays`` package.  It turns into vectorised polars expressions:

* :meth:`BusinessCalendar.business_seconds` - opening seconds between two UTC instants;
* :meth:`BusinessCalendar.is_open` - whether an instant falls inside opening hours;

and into small frames for charts (:func:`hour_of_week_open`).

How it works (why it is fast and exact): the calendar is materialised once (cached) as the
sorted list of its opening intervals in UTC microseconds over a span of local dates, each
local wall time converted with :mod:`zoneinfo`, so every DST change is applied exactly.  With
``F(t)`` = open microseconds from the start of the span up to ``t``, the business time between
``a`` and ``b`` is ``F(b) - F(a)``.  ``F`` is piecewise linear between interval boundaries, so
it is one ``search_sorted`` of the instants into the boundaries plus two ``gather`` calls of
precomputed coefficients - all inside polars, no Python per row.

See ``docs/business_hours.md`` for the text form, the DST rules, holidays and the span.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from toolkit.errors import ArgumentError, DataError
from toolkit.present.i18n import _

__all__ = ["DEFAULT_SPAN", "BusinessCalendar", "as_calendar", "hour_of_week_open"]

#: Local dates covered by default (inclusive).  Wide enough for any customer-service log;
#: narrow it with :meth:`BusinessCalendar.with_span` to save a little memory and start-up time.
DEFAULT_SPAN: tuple[date, date] = (date(2000, 1, 1), date(2040, 12, 31))

DAY = 86_400
WEEK = 7 * DAY
_US = 1_000_000
_EPOCH = datetime(1970, 1, 1)
# Boundary before any real instant; keeps every search_sorted index >= 1 for non-null input.
_SENTINEL = -(2**62)

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES: dict[str, int] = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "weekdays": tuple(range(5)),
    "weekend": (5, 6),
}
_ALWAYS_WORDS = frozenset({"24/7", "24x7", "always"})
_CLOSED_WORDS = frozenset({"closed", "off"})

_HOURS_EXAMPLE = "'mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00'"
_HOLIDAYS_EXAMPLE = "'FR', 'US-CA', '2025-04-21,2025-05-01' or 'FR,2025-12-24'"

#: One opening interval of a day: seconds after local midnight, ``0 <= start < 86400`` and
#: ``start < end <= start + 86400``; ``end > 86400`` means it ends on the next local day.
Interval = tuple[int, int]
#: Opening intervals of Monday..Sunday (7 entries), each sorted and non-overlapping.
WeekHours = tuple[tuple[Interval, ...], ...]

TimeLike = str | time
DayHoursLike = str | Sequence[tuple[TimeLike, TimeLike] | str]
HoursLike = str | Mapping[str | int, DayHoursLike] | WeekHours | None
HolidaysLike = str | Iterable[date | str]
InstantLike = str | pl.Expr | datetime
SpanLike = tuple[date | str, date | str] | str

ALWAYS_OPEN: WeekHours = tuple(((0, DAY),) for _ in range(7))


# --------------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------------


def _hours_error(part: str, why: str) -> DataError:
    return DataError(
        _("opening hours: cannot read {part!r}: {why}; expected e.g. {example} (day ranges 'mon-fri', day lists 'mon,wed', times HH:MM, '24:00' = end of day, 'closed', or '24/7')").format(part=part, why=why, example=_HOURS_EXAMPLE)
    )


_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _parse_time(value: TimeLike, part: str, *, is_end: bool) -> int:
    """Seconds after local midnight for ``'HH:MM[:SS]'`` or a :class:`datetime.time`."""
    if isinstance(value, time):
        if value.microsecond:
            raise _hours_error(part, _("times have at most second precision"))
        return value.hour * 3600 + value.minute * 60 + value.second
    if not isinstance(value, str):
        raise _hours_error(
            str(value), _("a time must be 'HH:MM' text or datetime.time, got {kind}").format(kind=type(value).__name__)
        )
    m = _TIME_RE.fullmatch(value.strip())
    if not m:
        raise _hours_error(part, _("{value!r} is not a time HH:MM").format(value=value.strip()))
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if mi > 59 or s > 59:
        raise _hours_error(part, _("{value!r} is not a valid time").format(value=value.strip()))
    secs = h * 3600 + mi * 60 + s
    if secs == DAY and is_end:
        return DAY
    if secs >= DAY:
        why = (
            _("'24:00' can only end an interval")
            if secs == DAY
            else _("{value!r} is past 24:00").format(value=value.strip())
        )
        raise _hours_error(part, why)
    return secs


def _make_interval(start: TimeLike, end: TimeLike, part: str) -> Interval:
    s = _parse_time(start, part, is_end=False)
    e = _parse_time(end, part, is_end=True)
    if e == s:
        raise _hours_error(part, _("the interval is empty (use 00:00-24:00 for a whole day)"))
    if e < s:
        # An end at or before the start is on the next local day: 'fri 22:00-02:00' runs
        # Friday 22:00 to Saturday 02:00.
        e += DAY
    return (s, e)


def _parse_ranges(text: str, part: str) -> list[Interval]:
    """``'09:00-12:30,13:30-18:00'`` or ``'closed'`` -> list of intervals."""
    t = text.strip()
    if t.lower() in _CLOSED_WORDS or t == "":
        return []
    out: list[Interval] = []
    for chunk in t.split(","):
        chunk = chunk.strip()
        pieces = chunk.split("-")
        if len(pieces) != 2:
            raise _hours_error(part, _("{chunk!r} is not a time range HH:MM-HH:MM").format(chunk=chunk))
        out.append(_make_interval(pieces[0], pieces[1], part))
    return out


def _parse_day(token: str, part: str) -> int:
    key = token.strip().lower()
    if key in _DAY_ALIASES:
        return _DAY_ALIASES[key]
    if key.isdigit() and 1 <= int(key) <= 7:
        return int(key) - 1
    raise _hours_error(part, _("{day!r} is not a day (mon, tue, wed, thu, fri, sat, sun)").format(day=token.strip()))


def _parse_days(text: str, part: str) -> list[int]:
    """``'mon-fri'``, ``'mon,wed'``, ``'fri-mon'`` (wraps), ``'daily'`` -> day indexes 0..6."""
    days: list[int] = []
    if not text.strip():
        raise _hours_error(part, _("the day(s) are missing"))
    for item in text.split(","):
        item = item.strip()
        if item.lower() in _DAY_GROUPS:
            days.extend(_DAY_GROUPS[item.lower()])
            continue
        if "-" in item:
            a, _sep, b = item.partition("-")
            first, last = _parse_day(a, part), _parse_day(b, part)
            span = (last - first) % 7
            days.extend((first + k) % 7 for k in range(span + 1))
        else:
            days.append(_parse_day(item, part))
    return days


def _is_range(start: int, end: int) -> bool:
    """Whether [start, end) is one interval the text form can write."""
    return 0 <= start < DAY and start < end and (end - start < DAY or (start, end) == (0, DAY))


def _normalise_day(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or touching intervals of one day."""
    merged: list[list[int]] = []
    for s, e in sorted(intervals):
        # Merge only into something a 'HH:MM-HH:MM' range can say: shorter than a day, or
        # exactly 00:00-24:00.  Longer runs (00:00-24:00 plus 23:00-03:00) or a 24 h run from
        # another time (00:15-12:00 plus 12:00-00:15) stay as separate intervals; overlaps
        # are merged later, on the materialised timeline.
        if merged and s <= merged[-1][1] and _is_range(merged[-1][0], max(merged[-1][1], e)):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def _parse_hours_text(text: str) -> WeekHours:
    t = text.strip()
    if t.lower() in _ALWAYS_WORDS:
        return ALWAYS_OPEN
    if not t:
        raise _hours_error(text, _("the text is empty (use '24/7' for always open)"))
    week: list[list[Interval]] = [[] for _ in range(7)]
    for group in re.split(r"[;\n]", t):
        group = group.strip()
        if not group:
            continue
        m = re.fullmatch(r"(?P<days>.*?)\s*(?P<ranges>(?i:closed|off)|\d.*)", group, re.DOTALL)
        if not m:
            raise _hours_error(group, _("expected days followed by time ranges or 'closed'"))
        days = _parse_days(m["days"], group)
        ranges = _parse_ranges(m["ranges"], group)
        # A later group replaces what an earlier one said about the same day, so
        # 'mon-fri 09:00-18:00; fri 09:00-16:00' shortens Friday.
        for d in days:
            week[d] = list(ranges)
    return tuple(_normalise_day(d) for d in week)


def _day_value_intervals(value: DayHoursLike, key: str) -> list[Interval]:
    if isinstance(value, str):
        return _parse_ranges(value, f"{key} {value}")
    items = list(value)
    # A bare pair ('09:00', '18:00') is one interval, not two range strings.
    if (
        len(items) == 2
        and all(isinstance(x, (str, time)) for x in items)
        and not any(isinstance(x, str) and "-" in x for x in items)
    ):
        return [_make_interval(items[0], items[1], f"{key} {items[0]}-{items[1]}")]  # type: ignore[arg-type]
    out: list[Interval] = []
    for item in items:
        if isinstance(item, str):
            out.extend(_parse_ranges(item, f"{key} {item}"))
        elif isinstance(item, Sequence) and len(item) == 2:
            out.append(_make_interval(item[0], item[1], f"{key} {item[0]}-{item[1]}"))
        else:
            raise _hours_error(f"{key}: {item!r}", _("each interval is a pair (start, end)"))
    return out


def _is_week_hours(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 7
        and all(
            isinstance(day, tuple)
            and all(
                isinstance(iv, tuple) and len(iv) == 2 and all(type(x) is int for x in iv)
                for iv in day
            )
            for day in value
        )
    )


def _normalise_hours(hours: HoursLike) -> WeekHours:
    if hours is None:
        return ALWAYS_OPEN
    if isinstance(hours, str):
        return _parse_hours_text(hours)
    if _is_week_hours(hours):
        week = hours  # already normalised form (e.g. from with_span); re-check it
        for day in week:  # type: ignore[union-attr]
            for s, e in day:
                if not _is_range(s, e):
                    raise _hours_error(str((s, e)), _("interval seconds out of range"))
        return tuple(_normalise_day(day) for day in week)  # type: ignore[union-attr]
    if not isinstance(hours, Mapping):
        raise _hours_error(repr(hours), _("hours must be text, a mapping day -> intervals, or None"))
    week_l: list[list[Interval]] = [[] for _ in range(7)]
    for key, value in hours.items():
        days = [int(key) - 1] if isinstance(key, int) else _parse_days(str(key), str(key))
        if isinstance(key, int) and not 1 <= key <= 7:
            raise _hours_error(str(key), _("integer days are ISO weekdays 1 (Mon) .. 7 (Sun)"))
        ivs = _day_value_intervals(value, str(key))
        for d in days:
            week_l[d] = list(ivs)
    return tuple(_normalise_day(d) for d in week_l)


def _validate_timezone(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DataError(_("timezone: {name!r} is not an IANA timezone name such as 'Europe/Paris'").format(name=name))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        from zoneinfo import available_timezones

        close = difflib.get_close_matches(name, sorted(available_timezones()), n=3, cutoff=0.5)
        hint = " " + _("Did you mean {names}?").format(names=", ".join(repr(c) for c in close)) if close else ""
        raise DataError(
            _("timezone: unknown timezone {name!r}; expected an IANA name such as 'Europe/Paris', 'America/New_York' or 'UTC'.{hint}").format(name=name, hint=hint)
        ) from None
    return name


def _holidays_error(token: str, why: str) -> DataError:
    return DataError(
        _("holidays: cannot read {token!r}: {why}; expected dates YYYY-MM-DD and/or one country code (optionally with subdivision), e.g. {example}").format(token=token, why=why, example=_HOLIDAYS_EXAMPLE)
    )


@functools.cache
def _supported_countries() -> dict[str, list[str]]:
    import holidays as holidays_pkg

    return holidays_pkg.list_supported_countries()


def _validate_country(country: str, subdiv: str | None) -> tuple[str, str | None]:
    supported = _supported_countries()
    code = country.strip().upper()
    if code not in supported:
        close = difflib.get_close_matches(code, list(supported), n=3)
        hint = " " + _("Did you mean {names}?").format(names=", ".join(close)) if close else ""
        raise _holidays_error(
            country, _("{code!r} is not a country code known to the holidays package.{hint}").format(code=code, hint=hint)
        )
    if subdiv is None or not subdiv.strip():
        return code, None
    subs = {s.upper(): s for s in supported[code]}
    sub = subs.get(subdiv.strip().upper())
    if sub is None:
        raise _holidays_error(
            f"{code}-{subdiv}",
            _("{subdiv!r} is not a subdivision of {code} (known: {known})").format(
                subdiv=subdiv, code=code,
                known=", ".join(supported[code][:20]) + (", ..." if len(supported[code]) > 20 else "")),
        )
    return code, sub


def _parse_holidays(value: HolidaysLike) -> tuple[tuple[date, ...], str | None, str | None]:
    """Holiday dates plus an optional (country, subdivision) from text or a sequence."""
    tokens: list[date | str]
    if isinstance(value, str):
        tokens = [t for t in re.split(r"[,;\s]+", value.strip()) if t]
    else:
        tokens = list(value)
    dates: set[date] = set()
    country: tuple[str, str | None] | None = None
    for tok in tokens:
        if isinstance(tok, datetime):
            dates.add(tok.date())
        elif isinstance(tok, date):
            dates.add(tok)
        elif isinstance(tok, str):
            t = tok.strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
                try:
                    dates.add(date.fromisoformat(t))
                except ValueError:
                    raise _holidays_error(t, _("not a valid date")) from None
            elif re.fullmatch(r"[A-Za-z]{2,3}(-.+)?", t):
                code, _sep, sub = t.partition("-")
                if country is not None:
                    raise _holidays_error(
                        t, _("only one country per calendar (already {country})").format(country=country[0])
                    )
                country = (code, sub or None)
            else:
                raise _holidays_error(t, _("neither a date YYYY-MM-DD nor a country code"))
        else:
            raise _holidays_error(repr(tok), _("holidays are dates or text"))
    c, s = country if country is not None else (None, None)
    return tuple(sorted(dates)), c, s


def _parse_span(span: SpanLike | None) -> tuple[date, date]:
    if span is None:
        return DEFAULT_SPAN
    parts: Sequence[date | str]
    parts = span.split("..") if isinstance(span, str) else span
    try:
        a, b = (
            p
            if isinstance(p, date) and not isinstance(p, datetime)
            else (p.date() if isinstance(p, datetime) else date.fromisoformat(str(p).strip()))
            for p in parts
        )
    except ValueError:
        raise DataError(
            _("span: cannot read {span!r}; expected two dates, e.g. ('2020-01-01', '2030-12-31') or '2020-01-01..2030-12-31'").format(span=span)
        ) from None
    if b < a:
        raise DataError(_("span: end {b} is before start {a}").format(b=b, a=a))
    return (a, b)


def _fmt_time(secs: int) -> str:
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if s else f"{h:02d}:{m:02d}"


def _fmt_days(days: list[int]) -> str:
    """Day indexes (sorted) -> 'mon-wed,fri' with runs of 3+ days as ranges."""
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 2:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.append(DAY_NAMES[run[0]])
    return ",".join(parts)


# --------------------------------------------------------------------------------------------
# Materialisation (cached per calendar)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Open intervals of a calendar as UTC microseconds, ready for search_sorted."""

    lo_us: int  # first covered instant: local midnight starting span[0]
    hi_us: int  # last covered instant: local midnight ending span[1]
    starts: tuple[int, ...]  # merged open intervals [starts[i], ends[i])
    ends: tuple[int, ...]
    bounds: pl.Series  # [sentinel, s0, e0, s1, e1, ...]
    coef_a: pl.Series  # F(t) = coef_a[k] + coef_o[k] * t with k = search_sorted(bounds, t, right)
    coef_o: pl.Series


def _local_to_utc_us(tz: ZoneInfo, day: date, secs: int) -> int:
    """UTC microseconds of the first instant when the local clock shows this wall time or later.

    A normal wall time is its one instant; a repeated one (fall back) its first occurrence; a
    skipped one (spring forward) the instant of the clock change, when the clock jumps past
    it.  This mapping never goes backwards, so an interval inside another on the wall clock is
    inside it in real time too (zoneinfo's fold=0 alone maps skipped times one hour later,
    which is not monotonic: 02:15 would come after 03:00).
    """
    naive = datetime(day.year, day.month, day.day) + timedelta(seconds=secs)
    off0 = tz.utcoffset(naive)
    off1 = tz.utcoffset(naive.replace(fold=1))
    assert off0 is not None and off1 is not None
    u0 = (naive - _EPOCH) - off0
    u1 = (naive - _EPOCH) - off1
    if u1 >= u0:  # exists: equal offsets, or a repeated hour where fold=0 is the earlier one
        return u0 // timedelta(microseconds=1)
    # Skipped: the change happens in (u1, u0]; find it (tz transitions are whole seconds).
    lo, hi = int(u1.total_seconds()), int(u0.total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(tz, mid) == off1:
            hi = mid
        else:
            lo = mid
    return hi * _US


def _offset_at(tz: ZoneInfo, epoch_seconds: int) -> timedelta | None:
    instant = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC")) + timedelta(seconds=epoch_seconds)
    return instant.astimezone(tz).utcoffset()


def _merge(intervals: list[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def _subtract(opens: list[list[int]], closed: list[list[int]]) -> list[tuple[int, int]]:
    """``opens`` minus ``closed``; both sorted and merged."""
    out: list[tuple[int, int]] = []
    j = 0
    for s, e in opens:
        cur = s
        while j < len(closed) and closed[j][1] <= cur:
            j += 1
        k = j
        while k < len(closed) and closed[k][0] < e:
            cs, ce = closed[k]
            if cs > cur:
                out.append((cur, cs))
            cur = max(cur, ce)
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


@functools.lru_cache(maxsize=64)
def _materialise(cal: BusinessCalendar) -> _Table:
    tz = ZoneInfo(cal.timezone)
    first, last = cal.span
    # Start a day early: the previous evening's interval may run past midnight into the span.
    day0 = first - timedelta(days=1)
    n_days = (last - day0).days + 1
    opens: list[tuple[int, int]] = []
    for k in range(n_days):
        d = day0 + timedelta(days=k)
        for s, e in cal.hours[d.weekday()]:
            opens.append((_local_to_utc_us(tz, d, s), _local_to_utc_us(tz, d, e)))
    closed = [
        (_local_to_utc_us(tz, h, 0), _local_to_utc_us(tz, h + timedelta(days=1), 0))
        for h in cal.holiday_dates(day0, last)
    ]
    intervals = _subtract(_merge(opens), _merge(closed))

    bounds = [_SENTINEL]
    coef_a = [0]
    coef_o = [0]
    cum = 0  # open microseconds before the current boundary
    for s, e in intervals:
        # On [s, e): F(t) = cum + (t - s); from e on: F = cum + (e - s).
        bounds.append(s)
        coef_a.append(cum - s)
        coef_o.append(1)
        cum += e - s
        bounds.append(e)
        coef_a.append(cum)
        coef_o.append(0)
    # Index 0 of the coefficients is what a null instant (search_sorted -> 0) picks; the
    # coefficient rows are shifted by one so that k = search_sorted(bounds, t, "right") is
    # used directly, with no "- 1" that could underflow.
    coef_a.insert(0, 0)
    coef_o.insert(0, 0)
    return _Table(
        lo_us=_local_to_utc_us(tz, first, 0),
        hi_us=_local_to_utc_us(tz, last + timedelta(days=1), 0),
        starts=tuple(s for s, _ in intervals),
        ends=tuple(e for _, e in intervals),
        bounds=pl.Series("bounds", bounds, dtype=pl.Int64),
        coef_a=pl.Series("coef_a", coef_a, dtype=pl.Int64),
        coef_o=pl.Series("coef_o", coef_o, dtype=pl.Int64),
    )


@functools.lru_cache(maxsize=256)
def _country_holidays(
    country: str, subdiv: str | None, first_year: int, last_year: int
) -> tuple[date, ...]:
    import holidays as holidays_pkg

    h = holidays_pkg.country_holidays(
        country, subdiv=subdiv, years=range(first_year, last_year + 1)
    )
    return tuple(sorted(h.keys()))


@functools.lru_cache(maxsize=256)
def _week_intervals(hours: WeekHours) -> tuple[tuple[int, int], ...]:
    """Nominal weekly opening as merged [start, end) seconds after Monday 00:00 (wrapping)."""
    raw: list[tuple[int, int]] = []
    for w, day in enumerate(hours):
        for s, e in day:
            a, b = w * DAY + s, w * DAY + e
            if b > WEEK:  # Sunday night running into Monday
                raw.append((a, WEEK))
                raw.append((0, b - WEEK))
            else:
                raw.append((a, b))
    # Cached (is_open_at is called per minute of the week by reports); tuples keep it immutable.
    return tuple((s, e) for s, e in _merge(raw))


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False, repr=False)
class BusinessCalendar:
    """Opening hours of a team: timezone, weekly hours, holidays.

    Hashable and immutable; values are normalised on construction (hours become a 7-tuple of
    ``(start, end)`` seconds after local midnight, Monday first).  The default is open 24/7 in
    UTC with no holidays.

    Parameters
    ----------
    timezone
        IANA timezone name of the opening hours, e.g. ``"Europe/Paris"``.
    hours
        ``None`` (24/7), compact text (see :meth:`parse`), or a mapping from days to
        intervals.  Keys: ``"mon"``..``"sun"``, full names, ranges ``"mon-fri"``, lists
        ``"mon,wed"`` or ISO weekday ints 1..7.  Values: a list of ``(start, end)`` pairs of
        ``"HH:MM"`` text or :class:`datetime.time`, range text ``"09:00-12:30,13:30-18:00"`` or
        ``"closed"``.  Days not mentioned are closed; a later key overrides an earlier one for
        the same day.  An end at or before its start ends on the next day (``("22:00",
        "02:00")``); ``"24:00"`` is the end of the day.
    holidays
        Dates closed all day (local), as :class:`datetime.date` or ``"YYYY-MM-DD"``; text such
        as ``"FR,2025-12-24"`` may also name the country.
    country, subdiv
        Country (ISO code, e.g. ``"FR"``) and optional subdivision (e.g. ``"CA"`` for
        ``"US"``) whose public holidays, from the ``holidays`` package, are closed all day.
    span
        First and last local dates the calendar is materialised for (default
        :data:`DEFAULT_SPAN`).  Instants outside raise a :class:`~toolkit.errors.DataError` in
        the expressions (or give null, on request).

    Examples
    --------
    >>> from datetime import date
    >>> cal = BusinessCalendar(
    ...     timezone="Europe/Paris",
    ...     hours={"mon-fri": [("09:00", "12:30"), ("13:30", "18:00")], "sat": "10:00-14:00"},
    ...     holidays=[date(2025, 12, 24)],
    ...     country="FR",
    ... )
    >>> cal.to_text()
    'mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00'
    >>> cal.open_seconds_per_week() / 3600
    44.0
    """

    timezone: str
    hours: WeekHours
    holidays: tuple[date, ...]
    country: str | None
    subdiv: str | None
    span: tuple[date, date]

    def __init__(
        self,
        timezone: str = "UTC",
        hours: HoursLike = None,
        holidays: HolidaysLike = (),
        country: str | None = None,
        subdiv: str | None = None,
        span: SpanLike | None = None,
    ) -> None:
        # Frozen dataclass with its own __init__: the arguments accept friendly forms, the
        # fields hold one normalised form so that equal calendars compare and hash equal (the
        # materialisation cache relies on it).
        set_ = object.__setattr__
        set_(self, "timezone", _validate_timezone(timezone))
        set_(self, "hours", _normalise_hours(hours))
        dates, text_country, text_subdiv = _parse_holidays(holidays)
        if text_country is not None:
            if country is not None and country.strip().upper() != text_country.strip().upper():
                raise _holidays_error(
                    text_country, _("country given twice ({country!r} and {text_country!r})").format(country=country, text_country=text_country)
                )
            country = text_country
            subdiv = text_subdiv if text_subdiv is not None else subdiv
        if country is not None and country.strip():
            country, subdiv = _validate_country(country, subdiv)
        elif subdiv is not None:
            raise _holidays_error(str(subdiv), _("a subdivision needs a country"))
        else:
            country, subdiv = None, None
        set_(self, "holidays", dates)
        set_(self, "country", country)
        set_(self, "subdiv", subdiv)
        set_(self, "span", _parse_span(span))

    # ---- constructors ------------------------------------------------------------------

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Open 24/7 without holidays: business time equals elapsed time.

        Examples
        --------
        >>> BusinessCalendar.always_open().to_text()
        '24/7'
        """
        return cls(timezone=timezone)

    @classmethod
    def parse(
        cls,
        hours: str,
        *,
        timezone: str = "UTC",
        holidays: HolidaysLike = (),
        span: SpanLike | None = None,
    ) -> BusinessCalendar:
        """Build a calendar from the compact text used by the CLI and the app.

        Parameters
        ----------
        hours
            ``"mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00"``: groups separated by ``;``,
            each days (``mon-fri``, ``mon,wed``, ``fri-mon``, ``daily``, ``weekdays``,
            ``weekend``) then comma-separated ``HH:MM-HH:MM`` ranges or ``closed``.
            ``"24/7"`` is always open.
        timezone
            IANA timezone name.
        holidays
            ``"2025-04-21,2025-05-01"``, a country ``"FR"``, a country-subdivision
            ``"US-CA"``, or a mix ``"FR,2025-12-24"`` (or a sequence of such items/dates).
        span
            ``(first, last)`` local dates or ``"2020-01-01..2030-12-31"``; default
            :data:`DEFAULT_SPAN`.

        Raises
        ------
        toolkit.errors.DataError
            Saying which part is wrong and the expected form.

        Examples
        --------
        >>> cal = BusinessCalendar.parse("mon-fri 9:00-18:00; sat 10:00-14:00", holidays="FR")
        >>> cal.to_params()["holidays"]
        'FR'
        """
        if not isinstance(hours, str):
            raise _hours_error(repr(hours), _("expected text"))
        return cls(timezone=timezone, hours=hours, holidays=holidays, span=span)

    def with_span(self, first: date | str, last: date | str) -> BusinessCalendar:
        """The same calendar materialised for local dates ``first..last`` (inclusive).

        Examples
        --------
        >>> BusinessCalendar().with_span("2024-01-01", "2026-12-31").span[1]
        datetime.date(2026, 12, 31)
        """
        return type(self)(
            self.timezone, self.hours, self.holidays, self.country, self.subdiv, (first, last)
        )

    def covering(
        self, frame: pl.DataFrame | pl.LazyFrame, *columns: str, fit: bool = False
    ) -> BusinessCalendar:
        """This calendar, with its span widened if needed to cover the instants in ``columns``.

        Returns ``self`` (same cache entry) when the data already fit; otherwise a calendar
        whose span also covers the local dates of the data, one day of margin each side.
        Only the minimum and maximum of each column are computed. ``fit=True`` makes the span
        exactly the data's dates (plus the margin), narrowing it too: the lookup table of a
        three-month log is then a few hundred rows instead of 41 years' worth.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> df = pl.DataFrame({"t": [datetime(1995, 6, 1, tzinfo=timezone.utc)]})
        >>> BusinessCalendar().covering(df, "t").span
        (datetime.date(1995, 5, 31), datetime.date(2040, 12, 31))
        """
        if not columns:
            raise ValueError(_("covering: name at least one datetime column"))
        lf = frame.lazy()
        bounds = lf.select(
            *(pl.col(c).dt.timestamp("us").min().alias(f"lo{i}") for i, c in enumerate(columns)),
            *(pl.col(c).dt.timestamp("us").max().alias(f"hi{i}") for i, c in enumerate(columns)),
        ).collect()
        row = bounds.row(0)
        values = [v for v in row if v is not None]
        if not values:
            return self
        tz = ZoneInfo(self.timezone)

        def local_date(us: int) -> date:
            return (
                (datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC")) + timedelta(microseconds=us))
                .astimezone(tz)
                .date()
            )

        first = local_date(min(values)) - timedelta(days=1)
        last = local_date(max(values)) + timedelta(days=1)
        if not fit:
            first, last = min(self.span[0], first), max(self.span[1], last)
        if (first, last) == self.span:
            return self
        return self.with_span(first, last)

    # ---- text form -----------------------------------------------------------------------

    def to_text(self) -> str:
        """Compact hours text; ``BusinessCalendar.parse(cal.to_text())`` has the same hours.

        Days with the same intervals are grouped (``mon-fri``); closed days are left out.

        Examples
        --------
        >>> BusinessCalendar(hours={"fri": "22:00-02:00", "mon": "09:00-17:00"}).to_text()
        'mon 09:00-17:00; fri 22:00-02:00'
        """
        if self.hours == ALWAYS_OPEN:
            return "24/7"
        groups: dict[tuple[Interval, ...], list[int]] = {}
        for d, ivs in enumerate(self.hours):
            if ivs:
                groups.setdefault(ivs, []).append(d)
        if not groups:
            return "mon-sun closed"
        parts = []
        for ivs, days in sorted(groups.items(), key=lambda kv: kv[1][0]):
            ranges = ",".join(
                f"{_fmt_time(s)}-{_fmt_time(e if e <= DAY else e - DAY)}" for s, e in ivs
            )
            parts.append(f"{_fmt_days(days)} {ranges}")
        return "; ".join(parts)

    def holidays_text(self) -> str:
        """Holidays as text: country (``FR`` / ``US-CA``) then dates, comma-separated."""
        items: list[str] = []
        if self.country:
            items.append(self.country + (f"-{self.subdiv}" if self.subdiv else ""))
        items.extend(d.isoformat() for d in self.holidays)
        return ",".join(items)

    def to_params(self) -> dict[str, str]:
        """Text parameters (e.g. for a URL); ``BusinessCalendar.parse(**p)`` rebuilds it.

        Examples
        --------
        >>> cal = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone="Europe/Paris")
        >>> BusinessCalendar.parse(**cal.to_params()) == cal
        True
        """
        params = {
            "hours": self.to_text(),
            "timezone": self.timezone,
            "holidays": self.holidays_text(),
        }
        if self.span != DEFAULT_SPAN:
            params["span"] = f"{self.span[0].isoformat()}..{self.span[1].isoformat()}"
        return params

    def __repr__(self) -> str:
        args = [repr(self.to_text()), f"timezone={self.timezone!r}"]
        if self.holidays or self.country:
            args.append(f"holidays={self.holidays_text()!r}")
        if self.span != DEFAULT_SPAN:
            args.append(f"span='{self.span[0]}..{self.span[1]}'")
        return f"BusinessCalendar.parse({', '.join(args)})"

    # ---- plain-Python helpers --------------------------------------------------------------

    @property
    def is_always_open(self) -> bool:
        """True for 24/7 hours without holidays (business time = elapsed time)."""
        return self.hours == ALWAYS_OPEN and not self.holidays and self.country is None

    def holiday_dates(self, first: date, last: date) -> list[date]:
        """Closed local dates between ``first`` and ``last`` (inclusive), sorted."""
        out = {d for d in self.holidays if first <= d <= last}
        if self.country is not None:
            out.update(
                d
                for d in _country_holidays(self.country, self.subdiv, first.year, last.year)
                if first <= d <= last
            )
        return sorted(out)

    def open_seconds_per_week(self) -> int:
        """Nominal opening seconds in a week without holidays or clock changes.

        Examples
        --------
        >>> BusinessCalendar.parse("mon-fri 09:00-17:00").open_seconds_per_week() / 3600
        40.0
        """
        return sum(e - s for s, e in _week_intervals(self.hours))

    def is_open_at(self, weekday: int | str, hour: int, minute: int = 0, second: int = 0) -> bool:
        """Whether the nominal week is open at a local wall time (holidays and DST ignored).

        Parameters
        ----------
        weekday
            ISO weekday 1 (Mon) .. 7 (Sun), or a day name ``"mon"``.
        hour, minute, second
            Local wall time.

        Examples
        --------
        >>> cal = BusinessCalendar.parse("fri 22:00-02:00")
        >>> cal.is_open_at("sat", 1), cal.is_open_at(6, 2)
        (True, False)
        """
        w = _parse_day(str(weekday), str(weekday))
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
            raise DataError(
                _("is_open_at: {hour:02d}:{minute:02d}:{second:02d} is not a time of day").format(hour=hour, minute=minute, second=second)
            )
        t = w * DAY + hour * 3600 + minute * 60 + second
        return any(s <= t < e for s, e in _week_intervals(self.hours))

    def hour_of_week_open(self) -> pl.DataFrame:
        """Share of each hour of a normal week that is open; see :func:`hour_of_week_open`."""
        return hour_of_week_open(self)

    def intervals(self) -> pl.DataFrame:
        """The materialised opening intervals over the span, in UTC.

        Returns
        -------
        polars.DataFrame
            Columns ``open_at``, ``close_at`` (``Datetime("us", "UTC")``), one row per merged
            interval, holidays removed.
        """
        t = _materialise(self)
        return pl.DataFrame(
            {"open_at": list(t.starts), "close_at": list(t.ends)},
            schema={"open_at": pl.Int64, "close_at": pl.Int64},
        ).select(pl.all().cast(pl.Datetime("us", "UTC")))

    # ---- polars expressions ----------------------------------------------------------------

    def _instant_us(self, instant: InstantLike, outside: Literal["raise", "null"]) -> pl.Expr:
        """UTC epoch microseconds of an instant expression, checked against the span."""
        if isinstance(instant, str):
            expr = pl.col(instant)
        elif isinstance(instant, datetime):
            expr = pl.lit(instant)
        elif isinstance(instant, pl.Expr):
            expr = instant
        else:
            raise TypeError(
                f"expected a column name, a polars expression or a datetime, got {instant!r}"
            )
        # dt.timestamp gives UTC epoch time for any zone-aware datetime; naive values are
        # read as UTC (the canonical frame is always UTC).
        us = expr.dt.timestamp("us")
        table = _materialise(self)
        lo, hi = table.lo_us, table.hi_us
        if outside == "null":
            return pl.when(us.is_between(lo, hi)).then(us)
        if outside != "raise":
            raise ValueError(_("outside must be 'raise' or 'null', got {outside!r}").format(outside=outside))
        span = self.span

        def check(s: pl.Series) -> pl.Series:
            # Vectorised guard (one pass over the batch): numbers outside the span would be
            # silently wrong (no intervals there), so refuse them with a message to act on.
            bad = (s < lo) | (s > hi)
            n_bad = int(bad.sum() or 0)
            if n_bad:
                first = s.filter(bad)[0]
                when = datetime(1970, 1, 1) + timedelta(microseconds=int(first))
                raise DataError(
                    _("business hours: {n_bad} instant(s) in {column!r} fall outside the calendar span {first}..{last} ({timezone}), first {when} UTC; widen it with calendar.with_span(first_date, last_date)").format(n_bad=n_bad, column=s.name, first=span[0], last=span[1], timezone=self.timezone, when=when.isoformat())
                )
            return s

        return us.map_batches(check, return_dtype=pl.Int64, is_elementwise=True)

    def _open_us_before(self, us: pl.Expr) -> pl.Expr:
        """F(t): open microseconds from the span's start to ``t`` (null for null)."""
        t = _materialise(self)
        k = pl.lit(t.bounds).search_sorted(us, side="right")
        return pl.lit(t.coef_a).gather(k) + pl.lit(t.coef_o).gather(k) * us

    def business_seconds(
        self,
        start: InstantLike,
        end: InstantLike,
        *,
        outside: Literal["raise", "null"] = "raise",
    ) -> pl.Expr:
        """Opening seconds between two instants, as a Float64 expression.

        Parameters
        ----------
        start, end
            Column names, expressions or datetimes; zone-aware datetimes (any zone, any time
            unit) are instants, naive ones are read as UTC.
        outside
            For instants outside the calendar span: ``"raise"`` a
            :class:`~toolkit.errors.DataError` when the frame is computed (default) or give
            ``"null"``.

        Returns
        -------
        polars.Expr
            Seconds inside opening intervals between ``start`` and ``end``; 0 when
            ``end <= start``; null when either is null.  Named ``business_seconds``.

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> cal = BusinessCalendar.parse("mon-fri 09:00-18:00")
        >>> df = pl.DataFrame({
        ...     "a": [datetime(2025, 1, 3, 17, tzinfo=timezone.utc)],   # Friday 17:00
        ...     "b": [datetime(2025, 1, 6, 10, tzinfo=timezone.utc)],   # Monday 10:00
        ... })
        >>> df.select(cal.business_seconds("a", "b")).item() / 3600
        2.0
        """
        fs = self._open_us_before(self._instant_us(start, outside))
        fe = self._open_us_before(self._instant_us(end, outside))
        # F is non-decreasing, so a negative difference means end <= start -> 0.
        return ((fe - fs).clip(lower_bound=0) / _US).alias("business_seconds")

    def is_open(
        self, instant: InstantLike, *, outside: Literal["raise", "null"] = "raise"
    ) -> pl.Expr:
        """Whether each instant is inside opening hours (intervals are ``[open, close)``).

        Examples
        --------
        >>> from datetime import datetime, timezone
        >>> cal = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone="Europe/Paris")
        >>> df = pl.DataFrame({"t": [datetime(2025, 7, 1, 7, tzinfo=timezone.utc)]})  # 09:00 CEST
        >>> df.select(cal.is_open("t")).item()
        True
        """
        us = self._instant_us(instant, outside)
        t = _materialise(self)
        k = pl.lit(t.bounds).search_sorted(us, side="right")
        return pl.when(us.is_not_null()).then(pl.lit(t.coef_o).gather(k) == 1).alias("is_open")


def hour_of_week_open(calendar: BusinessCalendar) -> pl.DataFrame:
    """Share of each local hour of a normal week that is open (for heatmaps).

    A normal week has no holidays and no clock change; hours are local wall time.

    Parameters
    ----------
    calendar
        The opening-hours calendar.

    Returns
    -------
    polars.DataFrame
        168 rows: ``weekday`` (Int8, 1 = Monday .. 7 = Sunday), ``hour`` (Int8, 0-23),
        ``open_fraction`` (Float64 in [0, 1]).

    Examples
    --------
    >>> cal = BusinessCalendar.parse("mon 09:30-11:00")
    >>> hour_of_week_open(cal).filter(pl.col("open_fraction") > 0).rows()
    [(1, 9, 0.5), (1, 10, 1.0)]
    """
    week = _week_intervals(calendar.hours)
    fractions: list[float] = []
    for h in range(168):
        a, b = h * 3600, (h + 1) * 3600
        covered = sum(max(0, min(b, e) - max(a, s)) for s, e in week)
        fractions.append(covered / 3600)
    return pl.DataFrame(
        {
            "weekday": [h // 24 + 1 for h in range(168)],
            "hour": [h % 24 for h in range(168)],
            "open_fraction": fractions,
        },
        schema={"weekday": pl.Int8, "hour": pl.Int8, "open_fraction": pl.Float64},
    )


def as_calendar(
    calendar: BusinessCalendar | str | None, *, timezone: str | None = None, argument: str = "calendar"
) -> BusinessCalendar | None:
    """A calendar argument as a :class:`BusinessCalendar`: an instance, opening-hours text, or None.

    Text (``"mon-fri 09:00-18:00"``, ``"24/7"``) is read with :meth:`BusinessCalendar.parse` in
    ``timezone`` (default UTC).

    Raises
    ------
    toolkit.errors.ArgumentError
        For anything else, naming the argument and the accepted forms.

    Examples
    --------
    >>> as_calendar("mon-fri 09:00-18:00", timezone="Europe/Paris").to_params()["hours"]
    'mon-fri 09:00-18:00'
    >>> as_calendar(None) is None
    True
    """
    if calendar is None or isinstance(calendar, BusinessCalendar):
        return calendar
    if isinstance(calendar, str):
        return BusinessCalendar.parse(calendar, timezone=timezone or "UTC")
    raise ArgumentError.invalid(
        argument,
        calendar,
        _('pass a toolkit.BusinessCalendar or opening hours as text, e.g. "mon-fri 09:00-18:00"'),
        why=_("is not a calendar"),
    )
