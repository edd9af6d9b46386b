"""Timestamps in any common format, per row, to UTC - vectorised, no per-row Python.

Accepted per value (mixed within one column is fine):

* ISO 8601 with or without offset, ``Z``, ``T`` or space separator, fractional seconds,
  date only: ``2024-03-31T02:30:00+02:00``, ``2024-03-31 02:30:00.123Z``, ``2024-03-31``;
  also ``yyyy/mm/dd``;
* epoch seconds, milliseconds, microseconds or nanoseconds written as numbers; the unit is
  chosen per value by magnitude (below 1e11: seconds, below 1e14: ms, below 1e17: us, else
  ns), so 1e11 s (year 5138) and 1e11 ms (1973) cannot be confused in practice. Epochs are UTC;
* Excel serial dates: a number from 10,000 to 99,999.99... (``43039.92``) is a day count from
  1899-12-30 (years 1927-2173), read as a local time in ``timezone`` - as epoch seconds it
  would be a moment on 1-2 January 1970, which no message log holds (:data:`EXCEL_SERIAL`);
* ``dd/mm/yyyy HH:MM[:SS]`` (also with ``.`` or ``-`` between the date fields, and with
  ``AM``/``PM``). **Slashed dates are day-first**, unless the column proves otherwise: when
  some value has a second field above 12 and no value has a first field above 12, the column
  is read month-first (US exports). Pass ``day_first`` to force one reading;
* Twitter's ``Tue Oct 31 22:10:47 +0000 2017`` and e-mail's ``Tue, 31 Oct 2017 22:10:47 +0000``.

Offsets (``+02:00``, ``+0200``, ``+02``, ``Z``, ``UTC``, ``GMT``) are applied per value, so
mixed offsets in one column give correct UTC instants. Values without an offset are local times
in ``timezone`` (an IANA name such as ``"Europe/Paris"``), converted with the zone's DST rules:

* an *ambiguous* local time (the repeated hour when clocks go back) is read as the first
  occurrence (summer time, ``ambiguous="earliest"``);
* a *non-existent* local time (the skipped hour when clocks go forward, e.g. 02:30 in Paris on
  the last Sunday of March) is read with the offset in force just before the change, i.e. as
  the instant one hour later on the wall clock (02:30 -> 03:30 CEST = 01:30 UTC), never an error.

Values that match no format become null; :func:`check_timestamps` turns those into quality
issues (or a :class:`~toolkit.errors.DataError` when most of a column is unreadable).
"""

from __future__ import annotations

from datetime import datetime
from typing import overload

import polars as pl

from toolkit.errors import DataError
from toolkit.io.quality import QualityIssue, issue_from_mask
from toolkit.io.schema import UTC_DATETIME
from toolkit.present.format import count as _count
from toolkit.present.i18n import N_, _

__all__ = ["check_timestamps", "far_out", "far_out_bounds", "far_out_stats", "parse_timestamps"]

#: Reason of the quality issue for outlying times (rows kept).
FAR_OUT_REASON = N_("far outside the period of the other rows (kept: check the clock or the column)")
#: At least this many values at each end of a log (1 per 10 messages up to it) lie outside the
#: period the far-out rule measures from (see :func:`far_out_stats`).
FAR_OUT_TRIM = 3
#: Smallest margin around the 1st-99th percentile period before a time counts as far out.
FAR_OUT_MIN_MARGIN_US = 90 * 86_400 * 10**6


def far_out_stats(created: pl.Expr) -> list[pl.Expr]:
    """Aggregates (one row) from which :func:`far_out` decides the outlying times."""
    us = created.dt.epoch("us").drop_nulls()
    n = us.len().cast(pl.Int64)
    # The 1st percentile ("lower") and the 99th ("higher") as ``quantile`` picks them (sorted
    # index floor/ceil of q * (n - 1)), but never nearer the ends than FAR_OUT_TRIM values (1 per
    # 10 messages up to that): in a log of 100 the 1st percentile is its smallest value, so one
    # 2011 tweet would set the period itself. Taken with bottom_k/top_k: a partial selection
    # instead of a full quantile pass (0.23 s -> 0.02 s at 9M messages).
    n1 = (n - 1).cast(pl.Float64)
    trim = pl.min_horizontal(pl.lit(FAR_OUT_TRIM, pl.Int64), n // 10)
    low_k = pl.max_horizontal((n1 * 0.01).floor().cast(pl.Int64), trim) + 1
    high_k = pl.max_horizontal(n - 1 - (n1 * 0.99).ceil().cast(pl.Int64), trim) + 1
    return [
        us.bottom_k(low_k).max().alias("__q01"),
        us.top_k(high_k).min().alias("__q99"),
        us.min().alias("__min"),
        us.max().alias("__max"),
    ]


def far_out_bounds(stats: dict) -> tuple[int, int] | None:
    """The instants (epoch microseconds, ``low``, ``high``) outside which a time is far out.

    The one rule for outlying dates, shared by the data-quality report (rows flagged, kept) and
    :func:`toolkit.analysis.thin.dense_range` (the default date range left to them): the log's
    period is its 1st-99th percentile range (leaving out at least the 3 first and 3 last times
    from 30 messages on, 1 per 10 below); a time is far out when it lies further from it than
    the range's own length (at least 90 days) - a 2011 tweet in a 2017 export, not a quiet month.
    ``stats`` is the row of :func:`far_out_stats`; None for an empty log.

    >>> far_out_bounds({"__q01": 0, "__q99": 10, "__min": 0, "__max": 10}) == (-FAR_OUT_MIN_MARGIN_US, 10 + FAR_OUT_MIN_MARGIN_US)
    True
    """
    q01, q99 = stats.get("__q01"), stats.get("__q99")
    if q01 is None or q99 is None:
        return None
    margin = max(int(q99 - q01), FAR_OUT_MIN_MARGIN_US)
    return int(q01) - margin, int(q99) + margin


def far_out(stats: dict, created: pl.Expr) -> pl.Expr | None:
    """Mask of times far outside the log's period (:func:`far_out_bounds`), or None when there
    are none."""
    bounds = far_out_bounds(stats)
    if bounds is None:
        return None
    low, high = bounds
    lo, hi = stats.get("__min"), stats.get("__max")
    if lo >= low and hi <= high:
        return None
    us = created.dt.epoch("us")
    return (us < low) | (us > high)

# Layouts tried on the normalised local part (after the rewrites below), most common first.
_LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%b-%d %H:%M:%S%.f",
    "%Y-%b-%d %H:%M",
    "%Y-%m-%d %I:%M:%S%.f %p",
    "%Y-%m-%d %I:%M %p",
)

_OFFSET = r"Z|z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2}"
# Twitter: "Tue Oct 31 22:10:47 +0000 2017" -> "2017-Oct-31 22:10:47 +0000"
_TWITTER = (
    rf"^[A-Za-z]{{3}},? +([A-Za-z]{{3}}) +(\d{{1,2}}) +(\d{{1,2}}:\d{{2}}(?::\d{{2}})?) *({_OFFSET})? +(\d{{4}})$",
    "${5}-${1}-${2} ${3} ${4}",
)
# RFC 2822 (e-mail): "Tue, 31 Oct 2017 22:10:47 +0000" -> "2017-Oct-31 22:10:47 +0000"
_RFC2822 = (
    r"^(?:[A-Za-z]{3}, *)?(\d{1,2}) +([A-Za-z]{3}) +(\d{4}) +(.*)$",
    "${3}-${2}-${1} ${4}",
)
_SLASHED = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
_YMD = (r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[T ]+)?", "${1}-${2}-${3} ")
_WITH_OFFSET = rf"^(.*\d:\d{{2}}(?::\d{{2}}(?:[.,]\d+)?)?(?: ?[AaPp][Mm])?) *({_OFFSET})$"
_EPOCH = r"^[+-]?\d+(?:\.\d*)?$"
#: Times that are not naive local times, for the loader's note: written with a UTC offset, or a
#: bare number (an epoch, or an Excel serial day count with a decimal point or comma).
NOT_NAIVE = r"(?:\d:\d{2}.*(?:Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)\b|^\s*[+-]?\d+(?:[.,]\d*)?\s*$)"
# An Excel serial day count written with a decimal comma, as European Excel saves a CSV:
# "43010,3333". Five digits before the comma only, so "1,234" (thousands) is not read so.
_SERIAL_COMMA = r"^\d{5},\d+$"


def number_text(text: pl.Expr) -> pl.Expr:
    """Number text as polars reads it: the decimal comma of a serial day count made a point."""
    return pl.when(text.str.contains(_SERIAL_COMMA)).then(text.str.replace(",", ".", literal=True)).otherwise(text)


@overload
def parse_timestamps(
    values: pl.Series, *, timezone: str = "UTC", day_first: bool | None = None
) -> pl.Series: ...
@overload
def parse_timestamps(
    values: pl.Expr, *, timezone: str = "UTC", day_first: bool | None = None
) -> pl.Expr: ...
def parse_timestamps(
    values: pl.Series | pl.Expr,
    *,
    timezone: str = "UTC",
    day_first: bool | None = None,
) -> pl.Series | pl.Expr:
    """Parse timestamps written in any common format to ``Datetime("us", "UTC")``.

    See the module docstring for the accepted formats and the DST rules.

    Parameters
    ----------
    values
        A Series (String, Datetime, Date or numeric epoch) or an expression producing strings
        (other types are cast to String first, which works for Datetime and integer epochs).
    timezone
        IANA time zone in which values without an offset are read.
    day_first
        ``True``: ``01/02/2024`` is 1 February; ``False``: 2 January; ``None`` (default):
        day-first unless the column shows month-first values (see module docstring).

    Returns
    -------
    pl.Series or pl.Expr
        Same kind as the input; unparseable values are null.
    """
    if isinstance(values, pl.Expr):
        # Whole-column batches (not per row): the parser works best on a materialised column.
        return values.map_batches(
            lambda s: parse_timestamps(s, timezone=timezone, day_first=day_first),
            return_dtype=UTC_DATETIME,
        )
    name = values.name
    dtype = values.dtype
    v = pl.col("v")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = v.dt.convert_time_zone("UTC")
    elif isinstance(dtype, pl.Datetime) or dtype == pl.Date:
        expr = _localise(v.cast(pl.Datetime("us")), timezone)
    elif dtype.is_numeric():
        expr = _epoch(v.cast(pl.Float64), timezone)
    else:
        return _parse_strings(values, timezone, day_first).alias(name)
    frame = values.to_frame("v")
    return frame.select(expr.cast(UTC_DATETIME)).to_series().alias(name)


#: Numbers read as Excel serial day counts rather than epoch seconds: [low, high).
EXCEL_SERIAL = (10_000.0, 100_000.0)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def is_excel_serial(num: pl.Expr) -> pl.Expr:
    """True where a number is read as an Excel serial date (:data:`EXCEL_SERIAL`)."""
    return num.is_between(*EXCEL_SERIAL, closed="left")


def _epoch(num: pl.Expr, timezone: str = "UTC") -> pl.Expr:
    """Epoch number -> UTC datetime, unit chosen by magnitude (see module docstring); Excel
    serial day counts -> their local time in ``timezone``."""
    serial = _localise(
        pl.lit(_EXCEL_EPOCH, pl.Datetime("us")) + pl.duration(microseconds=(num * 86_400e6).round(0).cast(pl.Int64, strict=False)),
        timezone,
    )
    return pl.when(is_excel_serial(num)).then(serial).otherwise(_epoch_only(num))


def _epoch_only(num: pl.Expr) -> pl.Expr:
    size = num.abs()
    per_us = (
        pl.when(size < 1e11)
        .then(1e6)
        .when(size < 1e14)
        .then(1e3)
        .when(size < 1e17)
        .then(1.0)
        .otherwise(1e-3)
    )
    return (num * per_us).round(0).cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _localise(naive: pl.Expr, timezone: str) -> pl.Expr:
    """Naive wall-clock times in ``timezone`` -> UTC, DST-safe (see module docstring)."""
    if timezone == "UTC":
        return naive.dt.replace_time_zone("UTC")
    first = naive.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
    # Skipped hour: read with the offset in force before the change (= one hour later on the
    # wall clock). Zones with 30-minute jumps are rare; those values land 30 minutes late.
    shifted = (naive + pl.duration(hours=1)).dt.replace_time_zone(
        timezone, ambiguous="earliest", non_existent="null"
    )
    return first.fill_null(shifted).dt.convert_time_zone("UTC")


#: The most common export format, ISO 8601 with an explicit offset or Z: read in one pass.
_ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"


def _parse_strings(raw: pl.Series, timezone: str, day_first: bool | None) -> pl.Series:
    """Fast path for ISO-with-offset values (they do not depend on ``timezone``); everything
    else goes through the general chain of formats, and the results are put back in place."""
    s = raw.cast(pl.String).str.strip_chars()
    fast = s.str.to_datetime(_ISO_WITH_OFFSET, time_unit="us", time_zone="UTC", strict=False)
    todo = fast.is_null() & s.is_not_null()
    n_todo = int(todo.sum())
    if n_todo == 0:
        return fast.alias(raw.name)
    if n_todo == len(s):
        return _parse_general(raw, timezone, day_first)
    rest = _parse_general(raw.filter(todo), timezone, day_first)
    return fast.scatter(todo.arg_true(), rest).alias(raw.name)


def _parse_general(raw: pl.Series, timezone: str, day_first: bool | None) -> pl.Series:
    # Each step is materialised as a column: reusing one long expression in many branches
    # would make polars evaluate the shared part again in every branch.
    f = pl.DataFrame({"raw": raw.cast(pl.String)}).with_columns(s=pl.col("raw").str.strip_chars())
    f = f.with_columns(s=pl.col("s").str.replace(*_TWITTER).str.replace(*_RFC2822))
    f = f.with_columns(
        first=pl.col("s").str.extract(_SLASHED, 1).cast(pl.Int32, strict=False),
        second=pl.col("s").str.extract(_SLASHED, 2).cast(pl.Int32, strict=False),
    )
    if day_first is None:
        month_first = bool(f.select((pl.col("second") > 12).any() & (pl.col("first") > 12).not_().all()).item())
    else:
        month_first = not day_first
    order = "${3}-${1}-${2} " if month_first else "${3}-${2}-${1} "
    f = f.with_columns(s=pl.col("s").str.replace(_SLASHED + r"[T ]*", order))
    f = f.with_columns(s=pl.col("s").str.replace(*_YMD).str.strip_chars())
    f = f.with_columns(
        offset=pl.col("s").str.extract(_WITH_OFFSET, 2),
        local=pl.coalesce(pl.col("s").str.extract(_WITH_OFFSET, 1), pl.col("s")).str.replace(",", "."),
    )
    f = f.with_columns(
        naive=pl.coalesce([pl.col("local").str.to_datetime(fmt, time_unit="us", strict=False) for fmt in _LOCAL_FORMATS]),
        off=pl.col("offset").str.replace(":", ""),
        number=number_text(pl.col("s")).cast(pl.Float64, strict=False),
        is_number=pl.col("s").str.contains(_EPOCH) | pl.col("s").str.contains(_SERIAL_COMMA),
    )
    sign = pl.when(pl.col("off").str.starts_with("-")).then(-1).otherwise(1)
    hours = pl.col("off").str.slice(1, 2).cast(pl.Int64, strict=False)
    minutes = pl.col("off").str.slice(3, 2).cast(pl.Int64, strict=False).fill_null(0)
    is_utc = pl.col("off").str.contains(r"^(?:Z|z|UTC|GMT)$")
    f = f.with_columns(offset_minutes=pl.when(is_utc).then(0).otherwise(sign * (hours * 60 + minutes)))
    f = f.with_columns(
        from_offset=(pl.col("naive") - pl.duration(minutes=pl.col("offset_minutes"))).dt.replace_time_zone("UTC"),
        epoch=_epoch(pl.col("number"), timezone),
        local_time=_localise(pl.col("naive"), timezone),
    )
    return f.select(
        pl.when(pl.col("is_number"))
        .then(pl.col("epoch"))
        .when(pl.col("offset").is_not_null())
        .then(pl.col("from_offset"))
        .otherwise(pl.col("local_time"))
        .cast(UTC_DATETIME)
    ).to_series()


def check_timestamps(
    frame: pl.DataFrame,
    raw: str,
    parsed: str,
    column: str,
    *,
    row_nr: str = "row_nr",
    action: str = "dropped",
) -> list[QualityIssue]:
    """Quality issues for a parsed timestamp column; DataError when most values are unreadable.

    Parameters
    ----------
    frame
        Holds the source values (``raw``), the parsed values (``parsed``) and ``row_nr``.
    raw, parsed
        Column names in ``frame``.
    column
        The source column name shown to the user.
    action
        ``"dropped"`` for a required column (rows without a time are removed), ``"kept"`` for
        an optional one (the value is left empty).

    Raises
    ------
    DataError
        When more than half of the rows have a value that cannot be read as a time (only for
        ``action="dropped"``): naming the column, the count, the first rows and examples.
    """
    missing = pl.col(raw).is_null() | (pl.col(raw).cast(pl.String).str.strip_chars() == "")
    bad = missing.not_() & pl.col(parsed).is_null()
    n_bad = frame.select(bad.sum()).item()
    if action == "dropped" and frame.height and n_bad * 2 > frame.height:
        hits = frame.filter(bad)
        rows = ", ".join(str(r) for r in hits.get_column(row_nr).head(10).to_list())
        examples = ", ".join(repr(v)[:60] for v in hits.get_column(raw).cast(pl.String).unique(maintain_order=True).head(5).to_list())
        raise DataError(
            _("Column {column!r}: {n_bad} of {height} rows are not readable as times (rows {rows}); examples: {examples}. Accepted: ISO 8601 (2024-03-31 14:05:00, optional +02:00/Z), epoch seconds or ms, dd/mm/yyyy HH:MM[:SS], 'Tue Oct 31 22:10:47 +0000 2017'. Is this the right column? Pass mapping={{'created_at': '<column>'}} to choose another.").format(column=column, n_bad=_count(n_bad), height=_count(frame.height), rows=rows, examples=examples)
        )
    issues = [
        # An empty optional time (a case not resolved yet) is normal, not a data-quality issue.
        issue_from_mask(frame, missing, N_("missing"), column, action) if action == "dropped" else None,  # type: ignore[arg-type]
        issue_from_mask(frame, bad, N_("unparseable"), column, action),  # type: ignore[arg-type]
    ]
    return [i for i in issues if i is not None]
