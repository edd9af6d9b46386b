"""Volume series: messages, replies, conversations and customers per time bucket.

Buckets are local to the team (a day starts at local midnight in ``timezone``) and the series is
complete: a bucket without messages is present with zeros, per group, from the first bucket of
the data to the last. Everything is one lazy polars query (no Python per row).

>>> import polars as pl, datetime as dt
>>> t0 = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
>>> m = pl.DataFrame({
...     "conversation_id": ["c1", "c1", "c2"], "direction": ["inbound", "outbound", "inbound"],
...     "created_at": [t0, t0 + dt.timedelta(minutes=5), t0 + dt.timedelta(hours=2)],
...     "customer_id": ["u1", None, "u2"],
... })
>>> volumes(m, every="1h")["inbound_messages"].to_list()
[1, 0, 1]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from toolkit._durations import parse_period
from toolkit._frames import Frame, as_lazy, into_expr
from toolkit.errors import DataError, check_columns
from toolkit.io.schema import INBOUND, OUTBOUND
from toolkit.present.i18n import _

__all__ = ["hour_of_week", "volumes"]


VOLUME_COLUMNS = (
    "inbound_messages",
    "outbound_messages",
    "conversations",
    "new_conversations",
    "unique_customers",
)


def hour_of_week(instant: str | pl.Expr, timezone: str = "UTC") -> tuple[pl.Expr, pl.Expr]:
    """Local ISO weekday (1 = Monday) and hour (0-23) expressions of a UTC instant."""
    expr = into_expr(instant)
    local = expr.dt.convert_time_zone(timezone)
    return local.dt.weekday().cast(pl.Int8).alias("weekday"), local.dt.hour().cast(pl.Int8).alias("hour")


def bucket_grid(buckets: pl.LazyFrame, step: str) -> pl.LazyFrame:
    """Every bucket from the first to the last of a ``bucket`` column (empty when none)."""
    # An empty log has null bounds; datetime_range refuses them, so range over a dummy instant
    # and keep nothing.
    tz = getattr(buckets.collect_schema()["bucket"], "time_zone", None) or "UTC"
    dummy = pl.lit(0).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    first = pl.col("bucket").min()
    last = pl.col("bucket").max()
    return buckets.select(
        pl.datetime_range(first.fill_null(dummy), last.fill_null(dummy), step).alias("bucket"),
        _any=first.is_not_null(),
    ).filter("_any").drop("_any")


def volumes(
    messages: Frame,
    *,
    every: str = "1h",
    by: str | Sequence[str] | None = None,
    timezone: str = "UTC",
    span: tuple[dt.date, dt.date] | None = None,
) -> Frame:
    """Volumes per local time bucket (and group), empty buckets as zeros.

    Parameters
    ----------
    messages
        Canonical messages (eager or lazy; the result is the same kind).
    every
        Bucket: a period name (``"hour"``, ``"day"``, ``"week"``, ``"month"``, ``"quarter"``,
        ``"year"``; weeks start on Monday) or a polars duration (``"15m"``, ``"1h"``, ``"1d"``,
        ``"1w"``, ``"1mo"``).
    by
        Column(s) to split the series by, e.g. ``"channel"``, ``["brand", "category"]``. Each
        group gets every bucket of the whole range (zeros where it had no message).
    timezone
        IANA zone of the team; buckets start at local wall-clock boundaries.
    span
        ``(first, last)`` local dates (inclusive) the series covers, zeros included, e.g. a
        chart's range; messages outside are left out. Default: the data's first to last bucket.

    Returns
    -------
    ``bucket`` (local datetime), the group columns, ``inbound_messages``,
    ``outbound_messages`` (replies, bots included), ``conversations`` (distinct conversations
    with a message in the bucket), ``new_conversations`` (conversations whose first message is
    in the bucket), ``unique_customers`` (distinct authors of inbound messages), sorted by
    group then bucket.
    """
    step = parse_period(every)
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    groups = check_columns(columns, "by", by)
    missing = [c for c in ("created_at", "direction", "conversation_id") if c not in columns]
    if missing:
        msg = _("volumes: messages have no column {missing} (found: {columns})").format(missing=missing, columns=columns)
        raise DataError(msg)
    has_customer = "customer_id" in columns
    inbound = pl.col("direction") == INBOUND
    outbound = pl.col("direction") == OUTBOUND
    lf = lf.with_columns(
        bucket=pl.col("created_at").dt.convert_time_zone(timezone).dt.truncate(step),
        _new=pl.col("created_at") == pl.col("created_at").min().over("conversation_id"),
    )
    counted = lf.group_by("bucket", *groups).agg(
        inbound.sum().cast(pl.Int64).alias("inbound_messages"),
        outbound.sum().cast(pl.Int64).alias("outbound_messages"),
        pl.col("conversation_id").n_unique().cast(pl.Int64).alias("conversations"),
        pl.col("conversation_id").filter("_new").n_unique().cast(pl.Int64).alias("new_conversations"),
        (
            pl.col("customer_id").filter(inbound).drop_nulls().n_unique()
            if has_customer
            else pl.lit(0)
        )
        .cast(pl.Int64)
        .alias("unique_customers"),
    )
    if span is None:
        grid = bucket_grid(lf.select("bucket"), step)
    else:
        first, last = span
        ends = pl.LazyFrame({"bucket": [dt.datetime.combine(first, dt.time()), dt.datetime.combine(last, dt.time(23, 59, 59))]})
        grid = bucket_grid(
            ends.select(
                pl.col("bucket").dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null").dt.truncate(step)
            ).drop_nulls(),
            step,
        )
    if groups:
        grid = grid.join(lf.select(groups).unique(), how="cross")
    result = (
        grid.join(counted, on=["bucket", *groups], how="left", nulls_equal=True)
        .with_columns(pl.col(VOLUME_COLUMNS).fill_null(0))
        .select("bucket", *groups, *VOLUME_COLUMNS)
        .sort(*groups, "bucket", nulls_last=True)
    )
    return result.collect() if isinstance(messages, pl.DataFrame) else result  # type: ignore[return-value]
