"""Honest on thin data: when a change, a ratio or a test is worth showing at all.

A "+2,567%" against a previous week of 6 messages, or "270x faster" from a handful of replies,
is noise presented as news. Every page and report asks here first:

- :func:`enough`: a minimum sample (:data:`MIN_SAMPLE` messages or turns on *each* side) before
  a percentage change, a ratio or a test is shown; otherwise say :data:`TOO_FEW`;
- :func:`relative_change`: no change against a zero (or too small) baseline, and counts over
  periods of unequal length compared per day;
- :func:`dense_range`: the dates where the bulk of the log lies, and how many messages fall
  outside (far-out dates are flagged, not silently drawn as a flat line from 2011).

>>> enough(6, 120), enough(45, 120)
(False, True)
>>> relative_change(160, 6)  # a baseline of 6 is too small to be worth a percentage
>>> relative_change(140, 100, days=(28, 14))  # per day: 5 vs 7.1
-0.3
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["MIN_SAMPLE", "TOO_FEW", "DenseRange", "dense_range", "enough", "relative_change"]

#: Messages or turns each side needs before a change, a ratio or a test is shown.
MIN_SAMPLE = 30

#: What is said instead.
TOO_FEW = "too few messages to compare"


def enough(*sizes: int | float | None, minimum: int = MIN_SAMPLE) -> bool:
    """True when every side has at least ``minimum`` observations."""
    return all(n is not None and n >= minimum for n in sizes)


def relative_change(
    new: float | None,
    old: float | None,
    *,
    days: tuple[float, float] | None = None,
    base_size: float | None = None,
    minimum: int = MIN_SAMPLE,
) -> float | None:
    """``new / old - 1``, or None when it would mislead.

    Parameters
    ----------
    new, old
        The two values (counts, or any positive statistic).
    days
        Lengths of the two periods: counts are compared per day when they differ.
    base_size
        Observations behind ``old`` (default: ``old`` itself, for counts); below ``minimum``
        there is no change to report.
    """
    if new is None or old is None:
        return None
    size = old if base_size is None else base_size
    if not enough(size, minimum=minimum) or old == 0:
        return None
    a, b = float(new), float(old)
    if days is not None and days[0] > 0 and days[1] > 0:
        a, b = a / days[0], b / days[1]
    return round(a / b - 1, 10)


class DenseRange:
    """Where the log is dense: ``first``..``last`` and how many messages lie before/after."""

    def __init__(self, first: dt.date, last: dt.date, before: int, after: int, total: int) -> None:
        self.first, self.last, self.before, self.after, self.total = first, last, before, after, total

    @property
    def outside(self) -> int:
        return self.before + self.after

    def __repr__(self) -> str:
        return f"DenseRange({self.first}, {self.last}, before={self.before}, after={self.after}, total={self.total})"


def dense_range(
    messages: pl.DataFrame | pl.LazyFrame, *, timezone: str = "UTC", coverage: float = 0.99, gap_days: int = 14
) -> DenseRange | None:
    """The local dates holding the bulk of the log, far-out dates left out.

    The range starts at the ``(1 - coverage) / 2`` quantile of message times and ends at the
    last message, then widens to every day within ``gap_days`` of a day already in range (so
    a quiet weekend is not cut off, a message from six years before is).

    >>> import datetime as dt
    >>> days = [dt.datetime(2011, 8, 29)] + [dt.datetime(2017, 10, 1) + dt.timedelta(hours=h) for h in range(24 * 60)]
    >>> r = dense_range(pl.DataFrame({"created_at": days}).with_columns(pl.col("created_at").dt.replace_time_zone("UTC")))
    >>> r.first, r.last, r.before
    (datetime.date(2017, 10, 1), datetime.date(2017, 11, 29), 1)
    """
    lf = messages.lazy() if isinstance(messages, pl.DataFrame) else messages
    local = pl.col("created_at").dt.convert_time_zone(timezone).dt.date()
    per_day = lf.group_by(local.alias("day")).agg(pl.len().alias("n")).sort("day").collect()
    if per_day.height == 0:
        return None
    total = int(per_day["n"].sum())
    cum = per_day["n"].cum_sum()
    low = (1 - coverage) / 2 * total
    start_i = int((cum > low).arg_max() or 0)
    days = per_day["day"].to_list()
    # Widen backwards over days within the gap (the bulk's own quiet days).
    while start_i > 0 and (days[start_i] - days[start_i - 1]).days <= gap_days:
        start_i -= 1
    end_i = int((cum >= total - low).arg_max() or 0)
    while end_i < len(days) - 1 and (days[end_i + 1] - days[end_i]).days <= gap_days:
        end_i += 1
    before = int(per_day["n"][:start_i].sum())
    after = int(per_day["n"][end_i + 1:].sum())
    return DenseRange(days[start_i], days[end_i], before, after, total)
