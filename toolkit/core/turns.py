"""Fact tables: one row per turn, one row per conversation.

A *turn* is a maximal run of consecutive inbound messages of a conversation (ordered by
``created_at``, ties by input row order). It is *answered* by the first later outbound message of
the conversation that is not a bot's; bot messages neither answer a turn nor interrupt it.

Both tables are built in one sorted pass with vectorised expressions (shifts, forward fills and
gathers), no group-by per turn and no Python per row. A ``LazyFrame`` in gives a ``LazyFrame`` out.
"""

from __future__ import annotations

import polars as pl

from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.io.schema import INBOUND, OUTBOUND

__all__ = ["TURN_COLUMNS", "conversations", "turns"]

#: Columns of a message that describe the message itself, not the case it belongs to; a turn
#: does not inherit them from its first message.
_MESSAGE_ONLY = {
    "row_nr",
    "message_id",
    "in_reply_to",
    "created_at",
    "direction",
    "is_bot",
    "agent_id",
    "text",
    "sentiment",
    "handle_seconds",
    "template",
    "resolved_at",
    "deflected_to",
    "csat",
    "nps",
}

#: Columns every turn table has, before the carried dimension columns.
TURN_COLUMNS = (
    "conversation_id",
    "turn_index",
    "is_first",
    "start",
    "start_row_nr",
    "inbound_messages",
    "answered_at",
    "answer_message_id",
    "agent_id",
    "response_seconds",
)


def dimension_columns(columns: list[str]) -> list[str]:
    """The columns of a messages frame that a turn inherits from its first message."""
    return [c for c in columns if c not in _MESSAGE_ONLY and c != "conversation_id"]


def _in_conversation_order(messages: pl.LazyFrame) -> pl.LazyFrame:
    # The tie-break on row_nr is part of the definition: equal timestamps keep input order.
    # A hash of the id first lets the sort compare fixed-width integers instead of strings
    # (about 1.9x faster at 10M messages, docs/benchmarks.md); the id itself stays the second
    # key, so two ids with the same hash still never interleave. Conversations come out in hash
    # order, which no result depends on.
    conversation = pl.col("conversation_id")
    return messages.sort(conversation.hash(), conversation, "created_at", "row_nr")


def conversation_number() -> pl.Expr:
    """Over a log in conversation order: the conversation's number (a running count of id
    changes), flagged sorted so that a group-by on it walks contiguous slices."""
    conv = pl.col("conversation_id")
    return conv.ne_missing(conv.shift(1)).cum_sum().set_sorted()


def turns(messages: Frame, *, carry: list[str] | None = None) -> Frame:
    """One row per customer turn.

    Parameters
    ----------
    messages
        A canonical messages frame (see :func:`toolkit.read_messages`), eager or lazy.
    carry
        Columns to carry from each turn's first message (e.g. ``["channel", "brand"]``).
        Default: every column that describes the case rather than the message (channel,
        brand, customer, category, ... and unmapped source columns).

    Returns
    -------
    DataFrame or LazyFrame (same kind as ``messages``) with :data:`TURN_COLUMNS` plus the carried
    columns. ``agent_id`` is the answering agent; ``response_seconds`` is null for unanswered turns.

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> t0 = dt.datetime(2025, 1, 6, 9, tzinfo=dt.timezone.utc)
    >>> m = pl.DataFrame({
    ...     "row_nr": [1, 2, 3], "message_id": ["a", "b", "c"], "conversation_id": ["c1"] * 3,
    ...     "created_at": [t0, t0 + dt.timedelta(minutes=1), t0 + dt.timedelta(minutes=10)],
    ...     "direction": ["inbound", "inbound", "outbound"], "is_bot": [False] * 3,
    ...     "agent_id": [None, None, "A1"],
    ... })
    >>> turns(m).select("start", "inbound_messages", "agent_id", "response_seconds").to_dicts()[0]["response_seconds"]
    600.0
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    carried = dimension_columns(columns) if carry is None else [c for c in carry if c != "agent_id"]
    has_agent = "agent_id" in columns

    human = _in_conversation_order(lf.filter(~pl.col("is_bot").fill_null(False)))
    return same_kind(_turn_rows(human, carried, has_agent=has_agent), messages)


def _turn_rows(human: pl.LazyFrame, carried: list[str], *, has_agent: bool) -> pl.LazyFrame:
    """The turns of messages that are already in conversation order with bots removed.

    :func:`turns` sorts first; :class:`toolkit.FactTables` and :func:`conversations` sort the
    whole log once and filter the bots out of that order, so one sort serves every table.
    """
    conv = pl.col("conversation_id")
    inbound = pl.col("direction") == INBOUND
    same_prev = (conv == conv.shift(1)).fill_null(False)
    same_next = (conv == conv.shift(-1)).fill_null(False)
    prev_inbound = inbound.shift(1).fill_null(False)
    next_inbound = inbound.shift(-1).fill_null(False)

    ordered = (
        human.with_row_index("_i")
        .with_columns(
            _start=inbound & ~(same_prev & prev_inbound),
            _end=inbound & ~(same_next & next_inbound),
            # After a run's last inbound message the next message of the same conversation is, by
            # construction (bots removed, runs maximal), its answer.
            answered_at=pl.when(same_next).then(pl.col("created_at").shift(-1)),
            answer_message_id=pl.when(same_next).then(pl.col("message_id").shift(-1)),
            _answer_agent=(
                pl.when(same_next).then(pl.col("agent_id").shift(-1))
                if has_agent
                else pl.lit(None, pl.String)
            ),
        )
        .with_columns(
            _start_i=pl.when("_start").then("_i").forward_fill().fill_null(0),
        )
    )
    start_of_run = pl.col("_start_i")
    result = (
        ordered.with_columns(
            *[pl.col(c).gather(start_of_run) for c in carried],
            start=pl.col("created_at").gather(start_of_run),
            start_row_nr=pl.col("row_nr").gather(start_of_run),
            inbound_messages=(pl.col("_i") - start_of_run + 1).cast(pl.Int64),
        )
        .filter("_end")
        .with_columns(
            is_first=(conv != conv.shift(1)).fill_null(True),
            _seq=pl.int_range(pl.len(), dtype=pl.Int64),
        )
        .with_columns(
            turn_index=pl.col("_seq") - pl.when("is_first").then("_seq").forward_fill(),
            response_seconds=(pl.col("answered_at") - pl.col("start")).dt.total_microseconds()
            / 1e6,
        )
        .select(
            "conversation_id",
            "turn_index",
            "is_first",
            "start",
            "start_row_nr",
            "inbound_messages",
            "answered_at",
            "answer_message_id",
            pl.col("_answer_agent").alias("agent_id"),
            "response_seconds",
            *carried,
        )
    )
    return result


def conversations(messages: Frame) -> Frame:
    """One row per conversation.

    Columns: ``conversation_id``, ``channel``, ``brand``, ``customer_id`` (first customer),
    ``started_at``, ``ended_at``, ``started_by`` ("customer" or "brand"), ``ended_by`` (who wrote
    the last message: "customer", "brand" for a human reply, or "bot"), ``messages``,
    ``inbound_messages``, ``outbound_messages``, ``bot_messages``, ``turns``,
    ``answered_turns``, ``first_response_seconds`` (FRT: response time of the first turn, null
    when it is unanswered or there is no turn), ``last_outbound_at``, ``resolved_at`` and
    ``resolution_seconds`` with ``resolution_basis`` ("resolved_at" when the column gives it,
    else "last_outbound"), ``handle_seconds`` (sum; only when the column exists), and the other
    case-level columns taken from the conversation's first message. Outcome columns, each only
    when its source column exists (see ``_outcome_aggregations``): ``first_customer_sentiment``,
    ``last_customer_sentiment``, ``customer_sentiment_messages``; ``last_csat``; ``last_nps``;
    ``deflected_to``, ``deflected``, ``deflection_basis`` (from ``deflected_to``, else detected
    in outbound ``text``).
    """
    lf = as_lazy(messages)
    ordered = _in_conversation_order(lf).with_columns(_cid=conversation_number())
    human = ordered.filter(~pl.col("is_bot").fill_null(False))
    has_agent = "agent_id" in lf.collect_schema().names()
    result = _conversation_rows(lf, ordered, _turn_rows(human, ["_cid"], has_agent=has_agent))
    return same_kind(result, messages)


def _conversation_rows(
    lf: pl.LazyFrame,
    ordered: pl.LazyFrame,
    turn_table: pl.LazyFrame,
    turn_aggregations: tuple[pl.Expr, ...] = (),
    *,
    keep_number: bool = False,
) -> pl.LazyFrame:
    """:func:`conversations` from the log in conversation order (bots included) and its turns,
    both carrying the conversation's number ``_cid`` (:func:`conversation_number`).

    ``turn_aggregations`` are extra per-conversation aggregations over ``turn_table``, computed
    in the same group-by as the turn counts (one pass over the turns). ``keep_number`` keeps
    ``_cid`` in the result, for joins by an integer instead of the string id.
    """
    columns = lf.collect_schema().names()
    carried = [c for c in dimension_columns(columns) if c not in ("customer_id",)]
    inbound = pl.col("direction") == INBOUND
    outbound = pl.col("direction") == OUTBOUND
    bot = pl.col("is_bot").fill_null(False)

    aggs: list[pl.Expr] = [
        pl.col("created_at").first().alias("started_at"),
        pl.col("created_at").last().alias("ended_at"),
        pl.when(pl.col("direction").first() == INBOUND)
        .then(pl.lit("customer"))
        .otherwise(pl.lit("brand"))
        .alias("started_by"),
        pl.when(pl.col("direction").last() == INBOUND)
        .then(pl.lit("customer"))
        .when(bot.last())
        .then(pl.lit("bot"))
        .otherwise(pl.lit("brand"))
        .alias("ended_by"),
        pl.len().alias("messages"),
        inbound.sum().cast(pl.Int64).alias("inbound_messages"),
        outbound.sum().cast(pl.Int64).alias("outbound_messages"),
        (outbound & bot).sum().cast(pl.Int64).alias("bot_messages"),
        pl.col("created_at").filter(outbound & ~bot).last().alias("last_outbound_at"),
        pl.col("customer_id").filter(inbound).drop_nulls().first().alias("customer_id"),
        *[pl.col(c).drop_nulls().first().alias(c) for c in carried],
    ]
    if "agent_id" in columns:
        # The conversation's agent: who wrote its first human reply.
        aggs.append(pl.col("agent_id").filter(outbound & ~bot).drop_nulls().first().alias("agent_id"))
    has_resolved = "resolved_at" in columns
    if has_resolved:
        aggs.append(pl.col("resolved_at").drop_nulls().first().alias("resolved_at"))
    if "handle_seconds" in columns:
        aggs.append(
            pl.when(pl.col("handle_seconds").is_not_null().any())
            .then(pl.col("handle_seconds").sum())
            .alias("handle_seconds")
        )
    aggs.extend(_outcome_aggregations(lf, columns))
    # The log is in conversation order, so a running count of id changes numbers the
    # conversations in sorted order: grouping by that integer is a pass over contiguous slices
    # (about 5x faster than hashing the string ids again); the turns carry that number too, so
    # they are grouped and joined by it instead of by the string ids.
    conv = pl.col("conversation_id")
    per_conversation = ordered.group_by("_cid", maintain_order=True).agg(conv.first(), *aggs)

    turn_stats = (
        turn_table
        .group_by("_cid")
        .agg(
            pl.len().cast(pl.Int64).alias("turns"),
            pl.col("answered_at").is_not_null().sum().cast(pl.Int64).alias("answered_turns"),
            pl.col("response_seconds").filter("is_first").first().alias("first_response_seconds"),
            *turn_aggregations,
        )
    )
    resolved = pl.col("resolved_at") if has_resolved else pl.lit(None, pl.Datetime("us", "UTC"))
    result = (
        per_conversation.join(turn_stats, on="_cid", how="left")
        .drop([] if keep_number else ["_cid"])
        .with_columns(
            pl.col("turns", "answered_turns").fill_null(0),
            resolution_basis=pl.when(resolved.is_not_null())
            .then(pl.lit("resolved_at"))
            .when(pl.col("last_outbound_at").is_not_null())
            .then(pl.lit("last_outbound")),
            resolution_seconds=(
                pl.coalesce(resolved, pl.col("last_outbound_at")) - pl.col("started_at")
            ).dt.total_microseconds()
            / 1e6,
        )
    )
    return result


def _outcome_aggregations(lf: pl.LazyFrame, columns: list[str]) -> list[pl.Expr]:
    """Conversation-level outcome columns, added only when their source columns exist.

    * ``sentiment`` -> ``first_customer_sentiment``, ``last_customer_sentiment`` (first / last
      inbound message with a sentiment, in conversation order) and ``customer_sentiment_messages``
      (how many inbound messages have one). String labels negative / neutral / positive count
      as -1 / 0 / 1.
    * ``csat`` -> ``last_csat``: the conversation's last rating in 1-5 (others ignored).
    * ``nps`` -> ``last_nps``: the conversation's last rating in 0-10.
    * ``deflected_to`` -> ``deflected_to`` (first non-empty value), ``deflected`` (bool) and
      ``deflection_basis`` = "deflected_to"; without it but with ``text``: the same detected in
      outbound text by :func:`toolkit.deflection.detect_deflection`'s default phrases, basis
      "text".
    """
    schema = lf.collect_schema()
    inbound = pl.col("direction") == INBOUND
    aggs: list[pl.Expr] = []
    if "sentiment" in columns:
        from toolkit.measures.sentiment import sentiment_score

        score = sentiment_score(pl.col("sentiment"), schema["sentiment"])
        rated = inbound & score.is_not_null()
        aggs += [
            score.filter(rated).first().alias("first_customer_sentiment"),
            score.filter(rated).last().alias("last_customer_sentiment"),
            rated.sum().cast(pl.Int64).alias("customer_sentiment_messages"),
        ]
    for name, low, high in (("csat", 1, 5), ("nps", 0, 10)):
        if name in columns:
            rating = pl.col(name).cast(pl.Float64, strict=False)
            aggs.append(rating.filter(rating.is_between(low, high)).last().alias(f"last_{name}"))
    target: pl.Expr | None = None
    if "deflected_to" in columns:
        from toolkit.measures.deflection import deflection_target

        target = deflection_target(pl.col("deflected_to"))  # a DM is not a deflection
        basis = "deflected_to"
    elif "text" in columns:
        from toolkit.measures.deflection import deflection_channel_expr

        target = deflection_channel_expr()
        basis = "text"
    if target is not None:
        aggs += [
            target.drop_nulls().first().alias("deflected_to"),
            target.is_not_null().any().alias("deflected"),
            pl.lit(basis).alias("deflection_basis"),
        ]
    return aggs
