"""Channels and journeys: channel mix, request types per channel, channel switching.

* :func:`channel_mix`: volumes, conversations and unique customers per channel;
* :func:`request_types_by_channel`: inbound volume by category / subcategory within each channel;
* :func:`channel_switches`: every move of a customer from one channel to another within
  ``within`` (a *move*: a customer turn on channel B whose previous turn by the same customer,
  on channel A != B, started at most ``within`` before it), flagged ``after_wait`` when that
  previous turn was still unanswered at the move and had waited more than ``wait``;
* :func:`transition_matrix`: the moves counted per (from, to) channel, and as a wide matrix.

Customers are matched across channels by ``customer_id``: the log must use the same id for a
person on every channel (a CRM id), otherwise no switch can be seen.
"""

from __future__ import annotations

import polars as pl

from toolkit._durations import duration_seconds
from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.core.turns import turns
from toolkit.io.schema import INBOUND, OUTBOUND

__all__ = [
    "channel_mix",
    "channel_switches",
    "request_types_by_channel",
    "transition_matrix",
]



def channel_mix(messages: Frame) -> Frame:
    """Per channel: ``inbound_messages``, ``outbound_messages``, ``conversations``,
    ``unique_customers`` (distinct inbound authors) and ``inbound_share`` (of all inbound).

    A customer active on two channels counts once in each channel's ``unique_customers``.
    """
    lf = as_lazy(messages)
    inbound = pl.col("direction") == INBOUND
    result = (
        lf.group_by("channel")
        .agg(
            inbound.sum().cast(pl.Int64).alias("inbound_messages"),
            (pl.col("direction") == OUTBOUND).sum().cast(pl.Int64).alias("outbound_messages"),
            pl.col("conversation_id").n_unique().cast(pl.Int64).alias("conversations"),
            pl.col("customer_id").filter(inbound).drop_nulls().n_unique().cast(pl.Int64)
            .alias("unique_customers"),
        )
        .with_columns(inbound_share=pl.col("inbound_messages") / pl.col("inbound_messages").sum())
        .sort("inbound_messages", "channel", descending=[True, False], nulls_last=True)
    )
    return same_kind(result, messages)


def request_types_by_channel(messages: Frame) -> Frame:
    """Inbound volume and share of each category / subcategory within each channel.

    See :func:`toolkit.topics.topic_volumes` (this is it with ``by="channel"``).
    """
    from toolkit.measures.topics import topic_volumes

    return topic_volumes(messages, by="channel")


def channel_switches(messages: Frame, *, within: str = "48h", wait: str = "24h") -> Frame:
    """Every move of a customer from one channel to another.

    Parameters
    ----------
    messages
        Canonical messages with ``customer_id`` and ``channel``.
    within
        Maximum time between the start of the customer's previous turn and the move
        (polars duration string: ``"48h"``, ``"2d"``...).
    wait
        A move is ``after_wait`` when the previous turn had no reply before the move and the
        move came more than ``wait`` after that turn started.

    Returns
    -------
    One row per move: ``customer_id``, ``from_channel``, ``to_channel``, ``from_conversation_id``,
    ``to_conversation_id``, ``from_start``, ``moved_at``, ``gap_seconds``, ``from_answered_at``
    and ``after_wait``.
    """
    lf = as_lazy(messages)
    within_s = duration_seconds(within, argument="within")
    wait_s = duration_seconds(wait, argument="wait")
    t = turns(lf, carry=["customer_id", "channel"])
    same_customer = pl.col("customer_id") == pl.col("customer_id").shift(1)
    result = (
        t.filter(pl.col("customer_id").is_not_null() & pl.col("channel").is_not_null())
        .sort("customer_id", "start", "start_row_nr")
        .with_columns(
            from_channel=pl.col("channel").shift(1),
            from_conversation_id=pl.col("conversation_id").shift(1),
            from_start=pl.col("start").shift(1),
            from_answered_at=pl.col("answered_at").shift(1),
            _same=same_customer.fill_null(False),
        )
        .with_columns(
            gap_seconds=(pl.col("start") - pl.col("from_start")).dt.total_microseconds() / 1e6
        )
        .filter(
            pl.col("_same")
            & (pl.col("channel") != pl.col("from_channel"))
            & (pl.col("gap_seconds") <= within_s)
        )
        .with_columns(
            after_wait=(
                (pl.col("from_answered_at").is_null() | (pl.col("from_answered_at") > pl.col("start")))
                & (pl.col("gap_seconds") > wait_s)
            )
        )
        .select(
            "customer_id",
            "from_channel",
            pl.col("channel").alias("to_channel"),
            "from_conversation_id",
            pl.col("conversation_id").alias("to_conversation_id"),
            "from_start",
            pl.col("start").alias("moved_at"),
            "gap_seconds",
            "from_answered_at",
            "after_wait",
        )
    )
    return same_kind(result, messages)


def transition_matrix(
    messages: pl.DataFrame | pl.LazyFrame,
    *,
    within: str = "48h",
    wait: str = "24h",
    wide: bool = False,
) -> pl.DataFrame:
    """Channel-to-channel moves within ``within`` (see :func:`channel_switches`).

    Returns
    -------
    Long (default): ``from_channel``, ``to_channel``, ``moves``, ``customers`` (distinct),
    ``moves_after_wait``, ``customers_after_wait`` (moved after waiting more than ``wait``
    without a reply). ``wide=True``: one row per ``from_channel``, one column per destination
    channel, cells = moves.
    """
    moves = as_lazy(channel_switches(as_lazy(messages), within=within, wait=wait))
    long = (
        moves.group_by("from_channel", "to_channel")
        .agg(
            pl.len().cast(pl.Int64).alias("moves"),
            pl.col("customer_id").n_unique().cast(pl.Int64).alias("customers"),
            pl.col("after_wait").sum().cast(pl.Int64).alias("moves_after_wait"),
            pl.col("customer_id").filter("after_wait").n_unique().cast(pl.Int64)
            .alias("customers_after_wait"),
        )
        .sort("from_channel", "to_channel")
        .collect()
    )
    if not wide:
        return long
    if long.height == 0:
        return pl.DataFrame({"from_channel": []}, schema={"from_channel": pl.String})
    return (
        long.pivot(on="to_channel", index="from_channel", values="moves", sort_columns=True)
        .fill_null(0)
        .sort("from_channel")
    )
