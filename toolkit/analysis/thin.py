"""Honest on thin data: when a change, a ratio or a test is worth showing at all.

A "+2,567%" against a previous week of 6 messages, or "270x faster" from a handful of replies,
is noise presented as news. Every page and report asks here first:

- :func:`enough`: a minimum sample (:data:`MIN_SAMPLE` messages or turns on *each* side) before
  a percentage change, a ratio or a test is shown; otherwise say :data:`TOO_FEW`;
- :func:`relative_change`: no change against a zero (or too small) baseline, and counts over
  periods of unequal length compared per day;
- :func:`dense_range`: the dates where the log lies once far-out dates are left out, and how
  many messages fall outside. Far out is ONE rule (:func:`toolkit.io.timestamps.far_out_bounds`),
  the same that flags those rows in the data-quality report, so the report, the default date
  range and every page's note count the same messages.

>>> enough(6, 120), enough(45, 120)
(False, True)
>>> relative_change(160, 6)  # a baseline of 6 is too small to be worth a percentage
>>> relative_change(140, 100, days=(28, 14))  # per day: 5 vs 7.1
-0.3
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from toolkit.io.timestamps import far_out_bounds, far_out_stats
from toolkit.present.i18n import N_, _

__all__ = [
    "MIN_SAMPLE", "TOO_FEW", "DenseRange", "dense_range", "enough", "relative_change", "too_thin_to_compare",
]

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


#: Why a whole comparison is not shown (whole sentences, so each language words them its own way).
_THIN_SIDE = N_("Too few messages to compare ({a}: {n_a} customer turns; {b}: {n_b}). Each side needs "
                "at least {minimum}.")
_THIN_SIDE_ROWS = N_("Too few to compare ({a}: {n_a}; {b}: {n_b}). Each side needs at least {minimum}.")


def too_thin_to_compare(result: pl.DataFrame, *, minimum: int = MIN_SAMPLE) -> str | None:
    """A plain sentence when a side of a :func:`toolkit.compare` result is too thin to compare
    at all, else None.

    A side is too thin when it holds fewer than ``minimum`` customer turns (the ``turns`` row's
    ``n_a``/``n_b``; without that row, the largest ``n`` of any row): every test on it would say
    "too few messages", and its values (a median of a handful, "27x faster") would mislead.

    >>> r = pl.DataFrame({"metric": ["turns"], "a_label": ["during peaks"], "b_label": ["at normal times"],
    ...                   "n_a": [12], "n_b": [400]})
    >>> too_thin_to_compare(r)
    'Too few messages to compare (during peaks: 12 customer turns; at normal times: 400). Each side needs at least 30.'
    >>> too_thin_to_compare(r.with_columns(n_a=pl.lit(45))) is None
    True
    """
    if result.height == 0 or not {"n_a", "n_b"} <= set(result.columns):
        return None
    turns = result.filter(pl.col("metric") == "turns") if "metric" in result.columns else result.head(0)
    rows = turns if turns.height else result
    n_a, n_b = int(rows["n_a"].max() or 0), int(rows["n_b"].max() or 0)  # type: ignore[arg-type]
    if enough(n_a, n_b, minimum=minimum):
        return None
    a = str(result["a_label"][0]) if "a_label" in result.columns else "A"
    b = str(result["b_label"][0]) if "b_label" in result.columns else "B"
    template = _THIN_SIDE if turns.height else _THIN_SIDE_ROWS
    return _(template).format(a=a, b=b, n_a=n_a, n_b=n_b, minimum=minimum)


class DenseRange:
    """Where the log lies: ``first``..``last`` (local dates) without its far-out dates, how many
    messages lie before/after, and the local dates of the earliest and latest message."""

    def __init__(
        self, first: dt.date, last: dt.date, before: int, after: int, total: int,
        earliest: dt.date | None = None, latest: dt.date | None = None,
    ) -> None:
        self.first, self.last, self.before, self.after, self.total = first, last, before, after, total
        self.earliest = earliest or first
        self.latest = latest or last

    @property
    def outside(self) -> int:
        return self.before + self.after

    def __repr__(self) -> str:
        return f"DenseRange({self.first}, {self.last}, before={self.before}, after={self.after}, total={self.total})"


def dense_range(messages: pl.DataFrame | pl.LazyFrame, *, timezone: str = "UTC") -> DenseRange | None:
    """The local dates of the log with its far-out dates left out, and how many those are.

    Far out is the data-quality report's rule (:func:`toolkit.io.timestamps.far_out_bounds`):
    further from the 1st-99th percentile period than that period's length (at least 90 days).
    A quiet week or a sparse month before the busy ones stays in; a message from six years
    before the rest does not. None for a log without times.

    >>> import datetime as dt
    >>> days = [dt.datetime(2011, 8, 29)] + [dt.datetime(2017, 10, 1) + dt.timedelta(hours=h) for h in range(24 * 60)]
    >>> r = dense_range(pl.DataFrame({"created_at": days}).with_columns(pl.col("created_at").dt.replace_time_zone("UTC")))
    >>> r.first, r.last, r.before, r.earliest
    (datetime.date(2017, 10, 1), datetime.date(2017, 11, 29), 1, datetime.date(2011, 8, 29))
    """
    lf = messages.lazy() if isinstance(messages, pl.DataFrame) else messages
    created = pl.col("created_at")
    bounds = far_out_bounds(lf.select(far_out_stats(created)).collect().row(0, named=True))
    if bounds is None:
        return None
    low, high = bounds
    us = created.dt.epoch("us")
    inside = (us >= low) & (us <= high)
    local = created.dt.convert_time_zone(timezone).dt.date()
    row = lf.select(
        first=local.filter(inside).min(), last=local.filter(inside).max(),
        before=(us < low).sum(), after=(us > high).sum(), total=created.count(),
        earliest=local.min(), latest=local.max(),
    ).collect().row(0, named=True)
    return DenseRange(
        row["first"], row["last"], int(row["before"]), int(row["after"]), int(row["total"]), row["earliest"], row["latest"]
    )
