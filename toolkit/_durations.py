"""The one duration parser and the one period vocabulary.

- A *duration* (an SLA target, a session gap, a switch window) is a length of time: seconds as a
  number, a :class:`~datetime.timedelta`, or text such as ``"1h"``, ``"30m"``, ``"90min"``,
  ``"1d12h"``, ``"45s"``, ``"2w"``.
- A *period* (``every=`` of :func:`toolkit.kpis`, :func:`toolkit.volumes` ...) is a calendar
  bucket: a name (``"hour"``, ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"year"``) or a
  polars duration (``"15m"``, ``"1h"``, ``"1d"``, ``"1w"``, ``"1mo"``, ``"1q"``, ``"1y"``).

>>> parse_duration("1d12h")
datetime.timedelta(days=1, seconds=43200)
>>> duration_seconds("90min"), parse_period("day"), parse_period("15m")
(5400.0, '1d', '15m')
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import polars as pl

from toolkit.errors import ArgumentError, did_you_mean
from toolkit.present.i18n import N_, _

__all__ = ["PERIODS", "duration_seconds", "parse_duration", "parse_period"]

#: Period names accepted wherever an ``every=`` is, and their polars duration.
PERIODS: dict[str, str] = {
    "hour": "1h",
    "day": "1d",
    "week": "1w",
    "month": "1mo",
    "quarter": "1q",
    "year": "1y",
}

_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "min": 60, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)(min|w|d|h|m|s)")
_DURATION_HELP = N_("write seconds or a duration such as '1h', '30m', '90min', '1d12h'")


def parse_duration(
    value: str | float | timedelta, *, argument: str = "duration", allow_zero: bool = False
) -> timedelta:
    """A positive duration from seconds, a timedelta or text such as ``"1h"`` or ``"1d12h"``.

    Parameters
    ----------
    value
        Seconds (int or float), a :class:`~datetime.timedelta`, or text made of
        number-and-unit parts (units ``w``, ``d``, ``h``, ``m``/``min``, ``s``; a bare number
        is seconds).
    argument
        The argument's name, for the error message.
    allow_zero
        Accept a zero duration.

    Raises
    ------
    toolkit.errors.ArgumentError
        When the value is not a duration, is negative, or is zero (unless allowed).

    Examples
    --------
    >>> parse_duration("30m"), parse_duration(90)
    (datetime.timedelta(seconds=1800), datetime.timedelta(seconds=90))
    """
    if isinstance(value, timedelta):
        out = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ArgumentError.invalid(argument, value, _(_DURATION_HELP))
        out = timedelta(seconds=float(value))
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        try:
            out = timedelta(seconds=float(text))
        except ValueError:
            parts = _PART.findall(text)
            if not parts or "".join(a + b for a, b in parts) != text:
                raise ArgumentError.invalid(
                    argument, value, _(_DURATION_HELP), why=_("is not a duration")
                ) from None
            out = timedelta(seconds=sum(float(a) * _UNIT_SECONDS[b] for a, b in parts))
    else:
        raise ArgumentError.invalid(argument, value, _(_DURATION_HELP), why=_("is not a duration"))
    if out < timedelta(0) or (out == timedelta(0) and not allow_zero):
        allowed = _("a duration must be zero or more") if allow_zero else _("a duration must be more than zero")
        raise ArgumentError.invalid(argument, value, allowed, why=_("is not allowed"))
    return out


def duration_seconds(
    value: str | float | timedelta, *, argument: str = "duration", allow_zero: bool = False
) -> float:
    """:func:`parse_duration` in seconds (a float).

    >>> duration_seconds("1h")
    3600.0
    """
    return parse_duration(value, argument=argument, allow_zero=allow_zero).total_seconds()


def parse_period(every: str, *, argument: str = "every") -> str:
    """The polars duration of a period name (``"day"`` -> ``"1d"``); durations are checked.

    Raises
    ------
    toolkit.errors.ArgumentError
        Naming the argument, the value and the accepted names and forms.

    Examples
    --------
    >>> parse_period("week"), parse_period("1mo")
    ('1w', '1mo')
    """
    allowed = _("use {periods} or a duration such as 15m, 1h, 1d, 1w, 1mo, 1q, 1y").format(periods=", ".join(PERIODS))
    if not isinstance(every, str):
        raise ArgumentError.invalid(argument, every, allowed, why=_("is not a period"))
    name = every.strip().lower()
    if name in PERIODS:
        return PERIODS[name]
    probe = pl.Series([0], dtype=pl.Datetime("us", "UTC"))
    try:
        if not name or not name[0].isdigit() or not any(ch in name for ch in "123456789"):
            raise ValueError
        probe.dt.truncate(name)
    except (ValueError, pl.exceptions.PolarsError):
        hint = did_you_mean(name, PERIODS)
        msg = _("{argument}={every!r} is not a period; {allowed}.").format(argument=argument, every=every, allowed=allowed) + (f" {hint}" if hint else "")
        raise ArgumentError(msg) from None
    return name
