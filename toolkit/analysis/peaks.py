"""Peaks: buckets with far more inbound volume than usual, and declared events.

Detection (SPEC "Peaks"): inbound messages are counted per local bucket (hour or day, empty
buckets as zeros, see :func:`toolkit.volumes.volumes`). Each bucket is compared with the
*comparable* buckets of the whole log - the same hour of the week for hourly buckets, the same
weekday for daily ones, all buckets for weekly ones:

* baseline = median of the comparable buckets;
* spread = max(1.4826 · MAD, √max(baseline, 1)) - the scaled median absolute deviation, floored
  at Poisson noise so that a flat series (MAD = 0) does not flag every extra message;
* a bucket is a *peak* when ``inbound > baseline + k · spread`` (``k`` default 3).

Honest on thin data: a bucket is *judged* (can be a peak at all) only when its usual level rests
on enough history: its comparable buckets other than itself number at least
:data:`MIN_BASELINE_PERIODS` (3: four weeks of log for hourly or daily buckets), the usual level
(``baseline``) is at least :data:`MIN_BASELINE_LEVEL` (5) messages a bucket, and it rests on at
least :data:`toolkit.analysis.thin.MIN_SAMPLE` (30) messages by the robust count ``baseline x
those buckets`` (one huge day does not make its own history). A log whose messages sit in a few
days (a real excerpt: 1,636 messages on one Tuesday, one or none on the others) has a usual
level of 0 to 2 messages a day; every busy day would be "a peak" against it, and peak vs normal
would compare the log with its leftovers.
Such buckets are listed with ``judged = False`` and never flagged; :func:`unjudged_note` says
so in plain words.

Adjacent peak buckets merge into one *peak period*. A period's ratio to its usual level is
given only when both its volume and that usual level hold at least
:data:`toolkit.analysis.thin.MIN_SAMPLE` messages ("15 messages, 10x the usual 1.5" is noise
presented as news; the period is still listed). Declared events - public holidays by
country (``holidays`` package) and promotions as named date ranges - are :class:`Event`
objects; they annotate the peak periods and can be compared like peaks
(``compare(..., split="event:NAME")``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, into_expr, same_kind
from toolkit.analysis.thin import MIN_SAMPLE
from toolkit.calendar.events import Event, as_date, parse_event, promotion
from toolkit.errors import DataError
from toolkit.io.schema import INBOUND, UTC_DATETIME
from toolkit.measures.volumes import bucket_grid
from toolkit.present.i18n import N_, _

__all__ = [
    "Event",
    "EventsLike",
    "event_summary",
    "events_frame",
    "holiday_events",
    "in_periods",
    "judged_share",
    "parse_event",
    "peak_buckets",
    "peak_periods",
    "promotion",
    "unjudged_note",
]

MAD_SCALE = 1.4826

#: Fewest comparable buckets, the judged one left out, a usual level is taken from (for hourly
#: and daily buckets: the same hour or weekday in three other weeks).
MIN_BASELINE_PERIODS = 3

#: Smallest usual level (messages per bucket) a peak is judged against: "14 messages against a
#: usual 1" says where the log has data, not when customers rush in.
MIN_BASELINE_LEVEL = 5


EventsLike = Event | Iterable[Event] | Mapping[str, Any] | pl.DataFrame | None


def holiday_events(
    country: str, first: dt.date | str, last: dt.date | str, *, subdiv: str | None = None
) -> list[Event]:
    """Public holidays of a country between two dates, one :class:`Event` (kind ``holiday``) each.

    Examples
    --------
    >>> [e.name for e in holiday_events("US", "2025-12-20", "2025-12-31")]
    ['Christmas Day']
    """
    import holidays

    a, b = as_date(first, argument="first"), as_date(last, argument="last")
    try:
        table = holidays.country_holidays(country.upper(), subdiv=subdiv, years=range(a.year, b.year + 1))
    except NotImplementedError:
        msg = _("unknown holiday country {country!r}; use an ISO code such as US, FR, GB, DE").format(country=country)
        raise DataError(msg) from None
    return [Event(str(name), day, day, "holiday") for day, name in sorted(table.items()) if a <= day <= b]


def events_frame(events: EventsLike, timezone: str = "UTC") -> pl.DataFrame:
    """Events as a frame: ``name``, ``kind``, ``start``, ``end`` (UTC, end exclusive).

    ``events`` may be Event objects, a mapping ``{name: (start, end)}`` of local dates, or a
    frame with those columns already.
    """
    schema = {"name": pl.String, "kind": pl.String, "start": UTC_DATETIME, "end": UTC_DATETIME}
    if events is None:
        return pl.DataFrame(schema=schema)
    if isinstance(events, pl.DataFrame):
        frame = events
        if "kind" not in frame.columns:
            frame = frame.with_columns(kind=pl.lit("promotion"))
        return frame.select(
            pl.col("name").cast(pl.String),
            pl.col("kind").cast(pl.String),
            *[pl.col(c).dt.convert_time_zone("UTC") if frame.schema[c] != pl.Date
              else pl.col(c).cast(pl.Datetime("us")).dt.replace_time_zone(timezone).dt.convert_time_zone("UTC")
              for c in ("start", "end")],
        )
    if isinstance(events, Event):
        events = [events]
    elif isinstance(events, Mapping):
        events = [
            v if isinstance(v, Event) else promotion(str(k), *v) for k, v in events.items()
        ]
    rows = []
    for e in events:
        start, end = e.bounds(timezone)
        rows.append({"name": e.name, "kind": e.kind, "start": start, "end": end})
    return pl.DataFrame(rows, schema=schema)


def in_periods(instant: str | pl.Expr, starts: Sequence[Any] | pl.Series, ends: Sequence[Any] | pl.Series) -> pl.Expr:
    """Whether each instant falls in one of the half-open periods ``[start, end)``.

    Periods may overlap; they are merged first. Vectorised: one ``search_sorted`` of the
    instants into the sorted period boundaries (inside iff the position is odd).
    """
    expr = into_expr(instant)
    frame = pl.DataFrame(
        {"s": pl.Series(starts).cast(UTC_DATETIME), "e": pl.Series(ends).cast(UTC_DATETIME)}
    )
    bounds = _merged_bounds(frame)
    if not len(bounds):
        return pl.when(expr.is_not_null()).then(pl.lit(False))
    us = expr.dt.timestamp("us")
    inside = pl.lit(pl.Series(bounds, dtype=pl.Int64)).search_sorted(us, side="right") % 2 == 1
    return pl.when(us.is_not_null()).then(inside)


def in_periods_us(instant_us: str, starts: Sequence[Any] | pl.Series, ends: Sequence[Any] | pl.Series) -> Any:
    """:func:`in_periods` as an engine-neutral (narwhals) expression over an instant in integer
    epoch microseconds (the engines' time column): one range test per merged period."""
    import narwhals.stable.v2 as nw

    frame = pl.DataFrame(
        {"s": pl.Series(starts).cast(UTC_DATETIME), "e": pl.Series(ends).cast(UTC_DATETIME)}
    )
    bounds = _merged_bounds(frame)
    t = nw.col(instant_us)
    inside = nw.lit(value=False)
    for lo, hi in zip(bounds[::2], bounds[1::2], strict=True):
        inside = inside | ((t >= lo) & (t < hi))
    return nw.when(~t.is_null()).then(inside)


def _merged_bounds(frame: pl.DataFrame) -> list[int]:
    merged = (
        frame.select(pl.col("s").dt.timestamp("us"), pl.col("e").dt.timestamp("us"))
        .filter(pl.col("e") > pl.col("s"))
        .sort("s")
        .with_columns(_reach=pl.col("e").cum_max())
        .with_columns(_new=(pl.col("s") > pl.col("_reach").shift(1)).fill_null(True))
        .with_columns(_g=pl.col("_new").cum_sum())
        .group_by("_g", maintain_order=True)
        .agg(pl.col("s").min(), pl.col("e").max())
    )
    return merged.select(pl.concat_list("s", "e").explode()).to_series().to_list()


def _comparable_key(step: str, local: pl.Expr) -> pl.Expr:
    """Which buckets are comparable: same hour of week (sub-day), same weekday (day), all."""
    unit = step.lstrip("0123456789")
    if unit in ("d",):
        return local.dt.weekday().cast(pl.Int32)
    if unit in ("w", "mo", "q", "y"):
        return pl.lit(0, pl.Int32)
    return (
        local.dt.weekday().cast(pl.Int32) * 1440
        + local.dt.hour().cast(pl.Int32) * 60
        + local.dt.minute().cast(pl.Int32)
    )


def peak_buckets(
    messages: Frame,
    *,
    bucket: str = "hour",
    k: float = 3.0,
    timezone: str = "UTC",
    noise_floor: bool = True,
    min_baseline_messages: int = MIN_SAMPLE,
    min_baseline_periods: int = MIN_BASELINE_PERIODS,
    min_baseline_level: float = MIN_BASELINE_LEVEL,
    engine: str = "polars",
    memory_limit: str | None = None,
    spark_master: str | None = None,
) -> Frame:
    """Inbound volume per bucket with its robust baseline and a peak flag (lazy in, lazy out).

    Parameters
    ----------
    messages
        Canonical messages.
    bucket
        ``"hour"`` (compared with the same hour of the week) or ``"day"`` (same weekday), or
        ``"week"``/a duration.
    k
        How many (scaled, Poisson-floored) MADs above the median a peak is.
    timezone
        The team's zone: buckets and hours of the week are local.
    noise_floor
        SPEC's rule is median + k·MAD. When most comparable buckets hold the same count the MAD
        is 0 and any bucket one message above the median would be a "peak"; with the floor (the
        default) the spread is at least √baseline, the natural noise of a count. ``False`` gives
        the literal rule (spread = 1.4826·MAD).
    min_baseline_messages, min_baseline_periods, min_baseline_level
        When a bucket is judged at all (see the module's docstring): its comparable buckets
        other than itself number at least ``min_baseline_periods``, ``baseline`` is at least
        ``min_baseline_level`` and ``baseline x their number`` is at least
        ``min_baseline_messages``. All ``0`` judges every bucket (SPEC's literal rule).
    engine, memory_limit, spark_master
        Where the messages are counted: ``"polars"`` (default), ``"duckdb"`` or ``"spark"``
        (see :func:`toolkit.kpis`; ``messages`` may then be a canonical Parquet file, directory
        or glob that the engine reads itself). The engine counts messages per UTC slot of 15
        minutes (a divisor of every local bucket boundary: time-zone offsets are multiples of
        15 minutes); the few thousand slot counts are then bucketed in the team's zone and the
        baselines computed here, so every engine gives the same table.

    Returns
    -------
    polars.DataFrame
        ``bucket`` (local start), ``inbound_messages``, ``baseline`` (median of comparable
        buckets), ``spread`` (max(1.4826·MAD, √max(baseline, 1))), ``threshold``
        (baseline + k·spread), ``ratio`` (inbound / baseline; null when the baseline is 0),
        ``is_peak``.
    """
    if not k > 0:
        msg = _("k must be a positive number, got {k}").format(k=k)
        raise DataError(msg)
    step = parse_period(bucket, argument="bucket")
    if engine != "polars":
        local, counts = _engine_counts(messages, step, timezone, engine, memory_limit, spark_master)
    else:
        lf = as_lazy(messages)
        columns = lf.collect_schema().names()
        for needed in ("created_at", "direction"):
            if needed not in columns:
                msg = _("peaks: messages have no {needed!r} column (found: {columns})").format(
                    needed=needed, columns=columns)
                raise DataError(msg)
        # Count inbound per local bucket over the full range of the log (any direction sets the range).
        local = lf.select(
            bucket=pl.col("created_at").dt.convert_time_zone(timezone).dt.truncate(step),
            _in=pl.col("direction") == INBOUND,
        )
        counts = local.group_by("bucket").agg(pl.col("_in").sum().cast(pl.Int64).alias("inbound_messages"))
    key = _comparable_key(step, pl.col("bucket"))
    median = pl.col("inbound_messages").cast(pl.Float64).median().over("_key")
    result = (
        bucket_grid(local.select("bucket"), step)
        .join(counts, on="bucket", how="left")
        .with_columns(pl.col("inbound_messages").fill_null(0), _key=key)
        .with_columns(baseline=median)
        .with_columns(
            _mad=(pl.col("inbound_messages") - pl.col("baseline")).abs().median().over("_key")
        )
        .with_columns(
            spread=pl.max_horizontal(
                MAD_SCALE * pl.col("_mad"),
                pl.col("baseline").clip(lower_bound=1.0).sqrt() if noise_floor else pl.lit(0.0),
            )
        )
        .with_columns(threshold=pl.col("baseline") + k * pl.col("spread"))
        .with_columns(history=(pl.len().over("_key") - 1).cast(pl.Int64))
        .with_columns(
            judged=(pl.col("history") >= min_baseline_periods)
            & (pl.col("baseline") >= min_baseline_level)
            & (pl.col("baseline") * pl.col("history") >= min_baseline_messages)
        )
        .with_columns(
            ratio=pl.when(pl.col("baseline") > 0).then(pl.col("inbound_messages") / pl.col("baseline")),
            is_peak=pl.col("judged") & (pl.col("inbound_messages") > pl.col("threshold")),
        )
        .select("bucket", "inbound_messages", "baseline", "spread", "threshold", "ratio", "history", "judged", "is_peak")
        .sort("bucket")
    )
    if engine != "polars":
        return result.collect().lazy() if isinstance(messages, pl.LazyFrame) else result.collect()
    return same_kind(result, messages)


def _engine_counts(
    messages: Any, step: str, timezone: str, engine: str, memory_limit: str | None, spark_master: str | None
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(buckets of every slot with a message, inbound per bucket), counted on ``engine``."""
    import narwhals.stable.v2 as nw

    from toolkit.core.engines import open_messages, slot_seconds

    slot_s = slot_seconds(step)
    native, _ = open_messages(messages, engine, memory_limit=memory_limit, spark_master=spark_master)
    slot_us = slot_s * 1_000_000
    slots = (
        nw.from_native(native)
        .with_columns(_slot=nw.col("_t") // slot_us)
        .group_by("_slot")
        .agg(nw.when(nw.col("direction") == INBOUND).then(nw.lit(1)).count().cast(nw.Int64).alias("_in"))
        .collect("polars")
        .to_native()
        .lazy()
    )
    local = slots.select(
        bucket=(pl.col("_slot") * slot_us)
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone(timezone)
        .dt.truncate(step),
        _in=pl.col("_in"),
    )
    counts = local.group_by("bucket").agg(pl.col("_in").sum().cast(pl.Int64).alias("inbound_messages"))
    return local, counts


def peak_periods(
    messages: pl.DataFrame | pl.LazyFrame,
    *,
    bucket: str = "hour",
    k: float = 3.0,
    timezone: str = "UTC",
    noise_floor: bool = True,
    events: EventsLike = None,
    buckets: pl.DataFrame | None = None,
    min_baseline_messages: int = MIN_SAMPLE,
    min_baseline_periods: int = MIN_BASELINE_PERIODS,
    min_baseline_level: float = MIN_BASELINE_LEVEL,
    engine: str = "polars",
    memory_limit: str | None = None,
    spark_master: str | None = None,
) -> pl.DataFrame:
    """Peak periods: runs of adjacent peak buckets (see :func:`peak_buckets`).

    Parameters
    ----------
    messages, bucket, k, timezone, min_baseline_messages, min_baseline_periods, min_baseline_level
    engine, memory_limit, spark_master
        As for :func:`peak_buckets` (the engine counts; the periods are formed here). A log too
        thin to judge has no peak periods (:func:`unjudged_note` says why).
    events
        Declared events (:class:`Event` objects, ``{name: (start, end)}``); the names of those
        overlapping each period are listed in ``events``.
    buckets
        A result of :func:`peak_buckets` to reuse instead of recomputing it.

    Returns
    -------
    polars.DataFrame
        One row per period: ``start``, ``end`` (local; end exclusive), ``buckets``,
        ``inbound_messages``, ``baseline`` (sum of the buckets' baselines), ``ratio``
        (inbound / baseline), ``max_ratio`` (the largest of its buckets' ratios), ``events``.
        Ratios are null when the volume or the baseline behind them is under
        :data:`~toolkit.analysis.thin.MIN_SAMPLE` messages (too few messages to compare).
    """
    step = parse_period(bucket, argument="bucket")
    table = buckets if buckets is not None else as_lazy(
        peak_buckets(messages, bucket=bucket, k=k, timezone=timezone, noise_floor=noise_floor,
                     min_baseline_messages=min_baseline_messages, min_baseline_periods=min_baseline_periods,
                     min_baseline_level=min_baseline_level, engine=engine, memory_limit=memory_limit, spark_master=spark_master)
    ).collect()
    periods = (
        table.with_columns(
            _period=(pl.col("is_peak") & ~pl.col("is_peak").shift(1).fill_null(False)).cum_sum()
        )
        .filter("is_peak")
        .group_by("_period", maintain_order=True)
        .agg(
            pl.col("bucket").min().alias("start"),
            pl.col("bucket").max().dt.offset_by(step).alias("end"),
            pl.len().cast(pl.Int64).alias("buckets"),
            pl.col("inbound_messages").sum().cast(pl.Int64),
            pl.col("baseline").sum(),
            _honest_ratio().max().alias("max_ratio"),
        )
        .with_columns(ratio=_honest_ratio())
        .select("start", "end", "buckets", "inbound_messages", "baseline", "ratio", "max_ratio")
    )
    ev = events_frame(events, timezone)
    if ev.height and periods.height:
        overlap = (
            periods.with_row_index("_p")
            .join(
                ev.select(
                    "name",
                    pl.col("start").dt.convert_time_zone(timezone).alias("_es"),
                    pl.col("end").dt.convert_time_zone(timezone).alias("_ee"),
                ),
                how="cross",
            )
            .filter((pl.col("_es") < pl.col("end")) & (pl.col("_ee") > pl.col("start")))
            .group_by("_p")
            .agg(pl.col("name").unique(maintain_order=True).str.join(", ").alias("events"))
        )
        periods = (
            periods.with_row_index("_p").join(overlap, on="_p", how="left").drop("_p")
        )
    else:
        periods = periods.with_columns(events=pl.lit(None, pl.String))
    return periods


def _honest_ratio(inbound: str = "inbound_messages", baseline: str = "baseline") -> pl.Expr:
    """``inbound / baseline`` when both hold at least MIN_SAMPLE messages, else null."""
    enough = (pl.col(inbound) >= MIN_SAMPLE) & (pl.col(baseline) >= MIN_SAMPLE)
    return pl.when(enough).then(pl.col(inbound) / pl.col(baseline))


def event_summary(
    messages: pl.DataFrame | pl.LazyFrame,
    events: EventsLike,
    *,
    bucket: Literal["hour", "day"] | str = "hour",
    k: float = 3.0,
    timezone: str = "UTC",
    noise_floor: bool = True,
    buckets: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Inbound volume of each declared event against its expected level.

    Returns
    -------
    polars.DataFrame
        ``name``, ``kind``, ``start``, ``end`` (UTC), ``inbound_messages`` (in the event's
        buckets), ``baseline`` (sum of those buckets' baselines), ``ratio`` (null under
        MIN_SAMPLE messages on a side, as in :func:`peak_periods`), ``peak_buckets`` (how many
        of them were detected as peaks).
    """
    ev = events_frame(events, timezone)
    table = buckets if buckets is not None else as_lazy(
        peak_buckets(messages, bucket=bucket, k=k, timezone=timezone, noise_floor=noise_floor)
    ).collect()
    table = table.with_columns(_t=pl.col("bucket").dt.convert_time_zone("UTC"))
    joined = (
        ev.with_row_index("_e")
        .join(table, how="cross")
        .filter((pl.col("_t") >= pl.col("start")) & (pl.col("_t") < pl.col("end")))
        .group_by("_e")
        .agg(
            pl.col("inbound_messages").sum().cast(pl.Int64),
            pl.col("baseline").sum(),
            pl.col("is_peak").sum().cast(pl.Int64).alias("peak_buckets"),
        )
    )
    return (
        ev.with_row_index("_e")
        .join(joined, on="_e", how="left")
        .with_columns(
            pl.col("inbound_messages", "peak_buckets").fill_null(0),
            ratio=_honest_ratio(),
        )
        .drop("_e")
    )


#: The note of :func:`unjudged_note`, per kind of bucket (whole sentences, so each language words
#: them its own way).
_NONE_JUDGED = {
    "hour": N_("Too few messages to find peaks: an hour is compared with the same hour of the week in "
               "at least {periods} other weeks, and that usual level must be at least {level} messages an hour "
               "and rest on at least {messages} messages. Here no hour of the week has that much history."),
    "day": N_("Too few messages to find peaks: a day is compared with the same weekday in at least "
              "{periods} other weeks, and that usual level must be at least {level} messages a day and rest "
              "on at least {messages} messages. Here no weekday has that much history (most days hold "
              "a few messages or none)."),
    "other": N_("Too few messages to find peaks: a period is compared with at least {periods} other "
                "periods, and that usual level must be at least {level} messages a period and rest on at "
                "least {messages} messages. Here there is not that much history."),
}
_SOME_JUDGED = {
    "hour": N_("{share} of inbound messages fall in hours that could not be judged: too few messages at "
               "the same hour of the week in other weeks to know the usual level."),
    "day": N_("{share} of inbound messages fall on days that could not be judged: too few messages on "
              "the same weekday in other weeks to know the usual level."),
    "other": N_("{share} of inbound messages fall in periods that could not be judged: too little "
                "history to know the usual level."),
}


def judged_share(buckets: pl.DataFrame) -> float | None:
    """Share of inbound messages in buckets judged for peaks (a :func:`peak_buckets` result);
    None without inbound messages. 0 means the log is too thin to find peaks at all.

    >>> import datetime as dt
    >>> t0 = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    >>> m = pl.DataFrame({"created_at": [t0, t0 + dt.timedelta(days=8)], "direction": ["inbound"] * 2})
    >>> judged_share(peak_buckets(m, bucket="day"))
    0.0
    """
    total = int(buckets["inbound_messages"].sum() or 0)
    if total == 0:
        return None
    return int(buckets.filter("judged")["inbound_messages"].sum() or 0) / total


def unjudged_note(buckets: pl.DataFrame, *, bucket: str = "day", lang: str | None = None) -> str | None:
    """A plain sentence when part of the log could not be judged for peaks, else None.

    ``buckets`` is a :func:`peak_buckets` result. None when every bucket holding inbound messages
    was judged, or when there are no inbound messages. When none was judged the sentence says the
    log is too thin to find peaks; otherwise it gives the share of inbound messages left unjudged
    (when at least 1%).

    >>> import datetime as dt
    >>> t0 = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    >>> m = pl.DataFrame({"created_at": [t0, t0 + dt.timedelta(days=8)], "direction": ["inbound"] * 2})
    >>> unjudged_note(peak_buckets(m, bucket="day"), bucket="day").startswith("Too few messages to find peaks")
    True
    """
    from toolkit.present import format as fmt
    from toolkit.present.i18n import use_language

    step = parse_period(bucket, argument="bucket")
    kind = {"1h": "hour", "1d": "day"}.get(step, "other")
    share = judged_share(buckets)
    if share is None or share > 0.99:
        return None
    with use_language(lang):
        if share == 0:
            return _(_NONE_JUDGED[kind]).format(
                periods=MIN_BASELINE_PERIODS, level=MIN_BASELINE_LEVEL, messages=MIN_SAMPLE)
        return _(_SOME_JUDGED[kind]).format(share=fmt.percent(1 - share, decimals=0))
