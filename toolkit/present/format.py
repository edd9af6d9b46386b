"""The one formatter: every number the product shows a person goes through here.

Durations, counts, percents, percentage points, p-values, ratios, dates and date ranges, in one
style everywhere (app pages, charts, sentences, reports, exports' readable columns):

- durations pick the unit that reads best: ``42 s``, ``4.5 min``, ``47 min``, ``11 h 37 min``,
  ``3.2 days``;
- counts carry group separators: ``2,778``;
- percents take fractions: ``0.123`` -> ``12.3%``; differences of rates are percentage points;
- p-values never read ``p = 0`` nor in scientific notation: ``p < 0.001`` or two significant
  digits (``p = 0.019``);
- ratios: ``3.2x``; nothing against a zero or missing baseline;
- a missing value (None, NaN, infinite) is an en dash, never "None", "nan" or "inf".

Every function takes ``locale=``, by default the product's current language
(:func:`toolkit.present.i18n.get_language`, set by ``--lang`` / the app's language); numbers, dates
and (outside English) unit words come from Babel's CLDR data, so French (``"fr"``) and Italian
(``"it"``) read naturally.

>>> duration(2820), duration(41820), duration(3.2 * 86400)
('47 min', '11 h 37 min', '3.2 days')
>>> count(2778), percent(0.1234), p_value(0.0191), p_value(1e-12), ratio(3.21)
('2,778', '12.3%', 'p = 0.019', 'p < 0.001', '3.2x')
>>> duration(2820, locale="fr"), count(2778, locale="fr")
('47\\xa0min', '2\\u202f778')
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit, get_unit_name

from toolkit.present.i18n import get_language

__all__ = [
    "MISSING",
    "count",
    "date",
    "date_range",
    "datetime",
    "duration",
    "duration_unit",
    "measure",
    "number",
    "p_value",
    "percent",
    "percent_change",
    "points",
    "ratio",
]

#: What a missing value reads as.
MISSING = "–"

_MINUS = "-"

# English unit words (CLDR's short English forms are "sec"/"hr"; managers read "s"/"h").
_EN_UNITS = {"second": ("s", "s"), "minute": ("min", "min"), "hour": ("h", "h"), "day": ("day", "days")}


def _locale(locale: str | None) -> str:
    """The locale to write in: the one given, else the product's current language."""
    return get_language() if locale is None else locale


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _num(x: float, decimals: int, locale: str) -> str:
    """``x`` with group separators and at most ``decimals`` decimals (trailing zeros dropped)."""
    if _is_en(locale):  # the same text as Babel's, without its cost on long tables
        text = f"{x:,.{max(decimals, 0)}f}"
        text = text.rstrip("0").rstrip(".") if decimals > 0 and "." in text else text
    else:
        pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
        text = format_decimal(x, format=pattern, locale=locale)
    return text if text not in ("-0", "−0") else "0"


def _is_en(locale: str) -> bool:
    return locale.split("_")[0].split("-")[0].lower() == "en"


def _unit(value: float, unit: str, decimals: int, locale: str) -> str:
    if _is_en(locale):
        one, many = _EN_UNITS[unit]
        word = one if abs(value) == 1 else many
        return f"{_num(value, decimals, locale)} {word}"
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_unit(value, f"duration-{unit}", length="short", format=pattern, locale=locale)


def duration(seconds: Any, *, locale: str | None = None, signed: bool = False) -> str:
    """A duration in seconds as a person reads it; the unit fits the size.

    Under a minute in seconds, under ten minutes in minutes with a decimal, under an hour in whole
    minutes, under two days in hours and minutes, then in days with a decimal.

    Parameters
    ----------
    seconds
        The duration (negative allowed); None, NaN or infinite read as :data:`MISSING`.
    locale
        A Babel locale (``"en"``, ``"fr"``, ``"it"``...).
    signed
        Write ``+`` before a positive duration (for differences).

    Examples
    --------
    >>> [duration(s) for s in (42.4, 270, 2820, 3600, 41820, 200000, 86400 * 254)]
    ['42 s', '4.5 min', '47 min', '1 h', '11 h 37 min', '2.3 days', '254 days']
    >>> duration(-780, signed=True), duration(780, signed=True), duration(None)
    ('-13 min', '+13 min', '–')
    """
    locale = _locale(locale)
    s = _finite(seconds)
    if s is None:
        return MISSING
    sign = _MINUS if s < 0 and round(abs(s)) > 0 else ("+" if signed and round(s) > 0 else "")
    a = abs(s)
    if a < 59.5:
        body = _unit(round(a), "second", 0, locale)
    elif a < 9.95 * 60:
        body = _unit(round(a / 60, 1), "minute", 1, locale)
    elif a < 59.5 * 60:
        body = _unit(round(a / 60), "minute", 0, locale)
    elif a < 47.5 * 3600:
        h, m = divmod(round(a / 60), 60)
        body = _unit(h, "hour", 0, locale) + (" " + _unit(m, "minute", 0, locale) if m else "")
    else:
        days = a / 86400
        body = _unit(round(days, 1) if days < 99.95 else round(days), "day", 1 if days < 99.95 else 0, locale)
    return sign + body


def duration_unit(seconds: Iterable[Any], *, locale: str | None = None) -> tuple[str, float]:
    """The unit an axis or a column of these durations reads best in: its name and its size.

    The largest finite value decides: up to 2 minutes in seconds, up to 3 hours in minutes, up to
    3 days in hours, beyond in days (so an axis never reads "0.0, 10.0" nor "2,000 minutes").

    Examples
    --------
    >>> duration_unit([30, 90]), duration_unit([60, 600]), duration_unit([4 * 3600]), duration_unit([9e5])
    (('seconds', 1.0), ('minutes', 60.0), ('hours', 3600.0), ('days', 86400.0))
    >>> duration_unit([600], locale="fr")
    ('minutes', 60.0)
    """
    locale = _locale(locale)
    values = [abs(f) for f in (_finite(x) for x in seconds) if f is not None]
    top = max(values, default=0.0)
    unit, size = (
        ("second", 1.0) if top <= 120 else ("minute", 60.0) if top <= 3 * 3600 else ("hour", 3600.0) if top <= 3 * 86400 else ("day", 86400.0)
    )
    return get_unit_name(f"duration-{unit}", length="long", locale=locale) or unit + "s", size


def count(n: Any, *, locale: str | None = None, signed: bool = False) -> str:
    """A count with group separators (rounded to a whole number).

    Examples
    --------
    >>> count(2778), count(1234567.4), count(-16591), count(12, signed=True), count(float("nan"))
    ('2,778', '1,234,567', '-16,591', '+12', '–')
    """
    locale = _locale(locale)
    x = _finite(n)
    if x is None:
        return MISSING
    text = _num(round(x), 0, locale)
    return ("+" + text) if signed and round(x) > 0 else text


def number(x: Any, *, decimals: int = 1, locale: str | None = None, signed: bool = False) -> str:
    """A plain number with separators and at most ``decimals`` decimals.

    Examples
    --------
    >>> number(1234.5678), number(3.0), number(0.25, decimals=2), number(-4.2, signed=True)
    ('1,234.6', '3', '0.25', '-4.2')
    """
    locale = _locale(locale)
    f = _finite(x)
    if f is None:
        return MISSING
    text = _num(round(f, decimals), decimals, locale)
    return ("+" + text) if signed and round(f, decimals) > 0 else text


def percent(fraction: Any, *, decimals: int = 1, locale: str | None = None, signed: bool = False) -> str:
    """A fraction as a percent: ``0.123`` -> ``12.3%`` (trailing zeros dropped: ``50%``).

    Examples
    --------
    >>> percent(0.1234), percent(0.5), percent(1), percent(0.0004), percent(0.05, signed=True)
    ('12.3%', '50%', '100%', '0%', '+5%')
    >>> percent(0.1234, locale="fr")
    '12,3\\xa0%'
    """
    locale = _locale(locale)
    f = _finite(fraction)
    if f is None:
        return MISSING
    value = round(f * 100, decimals)
    base = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    pattern = base.replace("#,##0", "#,##0" + ("." + "#" * decimals if decimals > 0 else ""), 1)
    text = format_percent(value / 100, format=pattern, locale=locale)
    if value == 0:
        text = format_percent(0, format=pattern, locale=locale)
    return ("+" + text) if signed and value > 0 else text


def points(difference: Any, *, decimals: int = 1, locale: str | None = None) -> str:
    """A difference of two rates (fractions) in percentage points, always signed.

    Examples
    --------
    >>> points(0.032), points(-0.01), points(0.0)
    ('+3.2 pts', '-1 pt', '0 pts')
    """
    locale = _locale(locale)
    f = _finite(difference)
    if f is None:
        return MISSING
    value = round(f * 100, decimals)
    text = _num(value, decimals, locale)
    word = "pt" if abs(value) == 1 else "pts"
    if not _is_en(locale):
        word = "pt"
    return ("+" if value > 0 else "") + f"{text} {word}"


def p_value(p: Any, *, locale: str | None = None, prefix: bool = True) -> str:
    """A p-value as ``p < 0.001`` or with two significant digits; never ``0`` or ``1e-12``.

    Parameters
    ----------
    prefix
        Start with ``p = `` / ``p < `` (False: ``0.019``, ``< 0.001`` for a table column).

    Examples
    --------
    >>> p_value(0.0191), p_value(0.43), p_value(0.0), p_value(8.5e-12), p_value(0.00104)
    ('p = 0.019', 'p = 0.43', 'p < 0.001', 'p < 0.001', 'p = 0.001')
    >>> p_value(1.0), p_value(0.0999), p_value(0.019, prefix=False), p_value(None)
    ('p = 1', 'p = 0.1', '0.019', '–')
    """
    locale = _locale(locale)
    f = _finite(p)
    if f is None or f < 0:
        return MISSING
    if f < 0.001:
        return "p < " + _num(0.001, 3, locale) if prefix else "< " + _num(0.001, 3, locale)
    digits = 2 - 1 - math.floor(math.log10(f))
    rounded = round(f, digits)
    digits = 2 - 1 - math.floor(math.log10(rounded)) if rounded > 0 else digits
    text = _num(min(rounded, 1.0), max(digits, 0), locale)
    return f"p = {text}" if prefix else text


def ratio(x: Any, *, locale: str | None = None) -> str:
    """A ratio as ``3.2x`` (whole above 10: ``27x``); missing, zero or infinite -> dash.

    Examples
    --------
    >>> ratio(3.21), ratio(27.4), ratio(0), ratio(float("inf"))
    ('3.2x', '27x', '–', '–')
    """
    locale = _locale(locale)
    f = _finite(x)
    if f is None or f <= 0:
        return MISSING
    return _num(round(f, 1) if f < 10 else round(f), 1 if f < 10 else 0, locale) + "x"


def measure(x: Any, *, kind: str = "value", unit: str = "", locale: str | None = None, difference: bool = False) -> str:
    """A metric's value (or a difference of two values) by its kind and unit.

    ``kind`` as :attr:`toolkit.core.metrics.Metric.kind` (``time``, ``rate``, ``count``,
    ``value``); ``unit="s"`` makes any kind a duration. A difference of rates is in percentage
    points, and every difference is signed.

    Examples
    --------
    >>> measure(2820, kind="time"), measure(0.912, kind="rate"), measure(1234, kind="count"), measure(4.25)
    ('47 min', '91.2%', '1,234', '4.25')
    >>> measure(-0.03, kind="rate", difference=True), measure(600, kind="time", difference=True)
    ('-3 pts', '+10 min')
    >>> measure(7200, kind="count", unit="s")
    '2 h'
    """
    locale = _locale(locale)
    if kind == "time" or unit == "s":
        return duration(x, locale=locale, signed=difference)
    if kind == "rate":
        return points(x, locale=locale) if difference else percent(x, locale=locale)
    if kind == "count":
        return count(x, locale=locale, signed=difference)
    return number(x, decimals=2, locale=locale, signed=difference)


def percent_change(new: Any, old: Any, *, locale: str | None = None, decimals: int = 0) -> str:
    """The relative change from ``old`` to ``new`` (``+12%``); dash against a zero baseline.

    Whether the baseline is large enough to be worth a percentage is the caller's rule (see
    :func:`toolkit.analysis.thin.enough`); this only refuses what has no meaning.

    Examples
    --------
    >>> percent_change(112, 100), percent_change(80, 100), percent_change(5, 0)
    ('+12%', '-20%', '–')
    """
    locale = _locale(locale)
    a, b = _finite(new), _finite(old)
    if a is None or b is None or b == 0:
        return MISSING
    return percent((a - b) / abs(b), decimals=decimals, locale=locale, signed=True)


def date(d: Any, *, locale: str | None = None, weekday: bool = False) -> str:
    """A date as ``3 Nov 2025`` (``Mon 3 Nov 2025`` with ``weekday``); datetimes use their date.

    Examples
    --------
    >>> date(dt.date(2025, 11, 3)), date(dt.date(2025, 11, 3), weekday=True), date(None)
    ('3 Nov 2025', 'Mon 3 Nov 2025', '–')
    >>> date(dt.date(2025, 11, 3), locale="fr")
    '3 nov. 2025'
    """
    locale = _locale(locale)
    if d is None:
        return MISSING
    if isinstance(d, dt.datetime):
        d = d.date()
    return format_date(d, ("EEE " if weekday else "") + "d MMM y", locale=locale)


def datetime(t: Any, *, locale: str | None = None) -> str:
    """A date and time to the minute: ``3 Nov 2025, 14:05`` (in the time's own zone).

    Examples
    --------
    >>> datetime(dt.datetime(2025, 11, 3, 14, 5, 59))
    '3 Nov 2025, 14:05'
    """
    locale = _locale(locale)
    if t is None:
        return MISSING
    return f"{date(t, locale=locale)}, {format_time(t, 'HH:mm', locale=locale)}"


def date_range(first: Any, last: Any, *, locale: str | None = None) -> str:
    """An inclusive range of dates, the shared year (and month) written once.

    Examples
    --------
    >>> date_range(dt.date(2025, 11, 3), dt.date(2025, 11, 30))
    '3–30 Nov 2025'
    >>> date_range(dt.date(2025, 9, 1), dt.date(2025, 11, 30))
    '1 Sep – 30 Nov 2025'
    >>> date_range(dt.date(2025, 12, 1), dt.date(2026, 1, 2)), date_range(dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    ('1 Dec 2025 – 2 Jan 2026', '1 Jan 2025')
    """
    locale = _locale(locale)
    if first is None or last is None:
        return MISSING
    a = first.date() if isinstance(first, dt.datetime) else first
    b = last.date() if isinstance(last, dt.datetime) else last
    if a == b:
        return date(a, locale=locale)
    if a.year == b.year and a.month == b.month:
        return f"{format_date(a, 'd', locale=locale)}–{date(b, locale=locale)}"
    if a.year == b.year:
        return f"{format_date(a, 'd MMM', locale=locale)} – {date(b, locale=locale)}"
    return f"{date(a, locale=locale)} – {date(b, locale=locale)}"
