"""Which conversation each message belongs to.

Three ways, tried in this order (the first the data supports wins):

1. ``conversation_id`` given by the source: used as is.
2. Reply chains (``in_reply_to``): a conversation is a reply tree, identified by its root's
   ``message_id``. The root is the earliest ancestor *present in the file*: follow
   ``in_reply_to`` while the parent is in the file; a message whose parent is missing (or that
   answers nothing) is a root. Computed by pointer jumping (each round doubles how far every
   pointer reaches, so ``log2(depth)`` vectorised rounds). A reply loop (A answers B answers A)
   has no root: its earliest row becomes the root, and the loop is reported.
3. Sessions: messages of one customer on one channel, split when nothing happens for longer
   than ``session_gap`` (default 24 h). Every message needs a customer. An outbound message
   without ``customer_id`` is given the customer of the latest earlier-or-simultaneous inbound
   message on the same channel, but only when that is unambiguous: no *other* customer wrote
   on that channel within ``session_gap`` before the reply. Ambiguous replies raise a
   :class:`~toolkit.errors.DataError` asking for ``customer_id`` on replies, ``in_reply_to`` or
   ``conversation_id``; replies with no customer message on their channel in the previous
   ``session_gap`` cannot belong to anyone's conversation and are dropped (counted).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Literal

import polars as pl

from toolkit._durations import parse_duration
from toolkit.errors import DataError
from toolkit.io.quality import QualityIssue, issue_from_mask
from toolkit.io.schema import INBOUND, OUTBOUND
from toolkit.present.format import count as _count
from toolkit.present.i18n import N_, _

__all__ = ["assign_conversations", "reply_roots", "sessionise"]

Method = Literal["conversation_id", "in_reply_to", "sessions"]


def reply_roots(message_id: pl.Series, in_reply_to: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Root message id of every message's reply tree.

    Parameters
    ----------
    message_id
        Unique ids, in input order.
    in_reply_to
        The id each message answers (null, or an id not in ``message_id``, makes a root).

    Returns
    -------
    roots, in_loop
        ``roots``: the root's message id per message (String). ``in_loop``: True for messages
        whose ancestry runs into a reply loop (their root is the loop's earliest row).
    """
    n = message_id.len()
    ids = pl.DataFrame({"message_id": message_id.cast(pl.String), "__i": pl.int_range(n, eager=True)})
    parent = (
        pl.DataFrame({"in_reply_to": in_reply_to.cast(pl.String)})
        .join(ids, left_on="in_reply_to", right_on="message_id", how="left", maintain_order="left")
        .get_column("__i")
    )
    index = pl.int_range(n, eager=True)
    anc = parent.fill_null(index).cast(pl.Int64)
    index = index.cast(pl.Int64)
    # Pointer jumping: after k rounds anc[i] is 2**k steps up (or the root). Depth <= n, so
    # ceil(log2 n) + 1 rounds reach every root; pointers still moving after that are in loops.
    rounds = max(1, math.ceil(math.log2(max(n, 2)))) + 1
    for _round in range(rounds):
        nxt = anc.gather(anc)
        if (nxt == anc).all():
            break
        anc = nxt
    # A true root has no parent in the file (or answers itself). Doubling can also come to rest
    # inside an even-length reply loop, so "stopped moving" is not enough: ask whether the node
    # reached is a root.
    is_root = parent.is_null() | (parent.cast(pl.Int64) == index)
    in_loop = ~is_root.gather(anc)
    if in_loop.any():
        # anc now sits on the loop (>= n steps up). The loop's earliest row: the minimum index
        # over >= n steps from there, computed by the same doubling on (pointer, min) pairs.
        step = parent.fill_null(index).cast(pl.Int64)
        low = pl.Series(index)
        for _round in range(rounds):
            low = _min(low, low.gather(step))
            step = step.gather(step)
        anc = pl.select(pl.when(pl.lit(in_loop)).then(pl.lit(low.gather(anc))).otherwise(pl.lit(anc))).to_series()
    roots = ids.get_column("message_id").gather(anc)
    return roots.alias("conversation_id"), in_loop.alias("in_loop")


def _min(a: pl.Series, b: pl.Series) -> pl.Series:
    return pl.select(pl.min_horizontal(pl.lit(a), pl.lit(b))).to_series()


def sessionise(frame: pl.DataFrame, gap: timedelta) -> pl.Series:
    """Session id per row: one customer on one channel, split by more than ``gap`` of silence.

    ``frame`` needs ``customer_id`` on every row, ``channel``, ``created_at`` and ``row_nr``.
    Ids read ``"<customer>|<channel>|<n>"`` with ``n`` counting the customer's sessions on that
    channel from 1.
    """
    key = [pl.col("customer_id"), pl.col("channel").fill_null("")]
    out = (
        frame.select("row_nr", "customer_id", "channel", "created_at")
        .with_row_index("__pos")
        .sort("customer_id", pl.col("channel").fill_null(""), "created_at", "row_nr")
        .with_columns(
            __new=(pl.col("created_at").diff().over(key) > gap).fill_null(True)
        )
        .with_columns(__n=pl.col("__new").cast(pl.Int64).cum_sum().over(key))
        .with_columns(
            conversation_id=pl.concat_str(
                [pl.col("customer_id"), pl.col("channel").fill_null(""), pl.col("__n").cast(pl.String)],
                separator="|",
            )
        )
        .sort("__pos")
    )
    return out.get_column("conversation_id")


def _attribute_replies(frame: pl.DataFrame, gap: timedelta) -> tuple[pl.DataFrame, list[QualityIssue]]:
    """Give outbound rows without a customer the customer they answer (module docstring)."""
    need = (pl.col("direction") == OUTBOUND) & pl.col("customer_id").is_null()
    if not frame.select(need.any()).item():
        return frame, []
    chan = pl.col("channel").fill_null("")
    inbound = (
        frame.filter((pl.col("direction") == INBOUND) & pl.col("customer_id").is_not_null())
        .select("row_nr", __chan=chan, __t=pl.col("created_at"), __cust=pl.col("customer_id"))
        .sort("__chan", "__t", "row_nr")
        .with_columns(
            __other=pl.when(pl.col("__cust") != pl.col("__cust").shift(1).over("__chan"))
            .then(pl.col("__t").shift(1).over("__chan"))
            .forward_fill()
            .over("__chan")
        )
        .select("__chan", "__t", "__cust", "__other", __tin=pl.col("__t"))
        .sort("__t")
    )
    replies = (
        frame.with_row_index("__pos")
        .filter(need)
        .select("__pos", "row_nr", __chan=chan, __t=pl.col("created_at"))
        .sort("__t")
        .join_asof(inbound, on="__t", by="__chan", strategy="backward", check_sortedness=False)
    )
    # Only a customer who wrote within the gap can be the one answered.
    replies = replies.with_columns(
        __cust=pl.when(pl.col("__tin") >= pl.col("__t") - gap).then(pl.col("__cust"))
    )
    ambiguous = replies.filter(
        pl.col("__cust").is_not_null() & (pl.col("__other") > pl.col("__t") - gap).fill_null(False)
    )
    if ambiguous.height:
        rows = ", ".join(str(r) for r in ambiguous.sort("row_nr").get_column("row_nr").head(10).to_list())
        raise DataError(
            _("Cannot tell which customer {height} outbound messages answer (rows {rows}): they have no customer_id and several customers wrote on the same channel shortly before. Add a customer_id to replies, or an in_reply_to or conversation_id column (pass mapping={{'conversation_id': '<column>'}} if it has another name).").format(height=_count(ambiguous.height), rows=rows)
        )
    filled = frame.with_row_index("__pos").join(
        replies.select("__pos", "__cust"), on="__pos", how="left", maintain_order="left"
    )
    filled = filled.with_columns(customer_id=pl.coalesce("customer_id", "__cust")).drop("__cust", "__pos")
    return filled, []


def assign_conversations(
    frame: pl.DataFrame,
    method: Method,
    *,
    session_gap: str | float | timedelta = "24h",
) -> tuple[pl.DataFrame, list[QualityIssue]]:
    """Fill ``conversation_id`` using ``method`` (see the module docstring).

    Parameters
    ----------
    frame
        Canonical frame in input order, with unique ``message_id``.
    method
        ``"conversation_id"`` (keep), ``"in_reply_to"`` (reply trees) or ``"sessions"``.
    session_gap
        Inactivity that ends a session (``"24h"``, ``"30m"``, seconds or a timedelta).

    Returns
    -------
    frame, issues
        The frame with ``conversation_id`` filled (rows that cannot be placed are removed and
        described in ``issues``).
    """
    issues: list[QualityIssue] = []
    if method == "conversation_id":
        issue = issue_from_mask(frame, pl.col("conversation_id").is_null(), N_("missing"), "conversation_id")
        if issue:
            issues.append(issue)
            frame = frame.filter(pl.col("conversation_id").is_not_null())
        return frame, issues
    if method == "in_reply_to":
        roots, in_loop = reply_roots(frame.get_column("message_id"), frame.get_column("in_reply_to"))
        frame = frame.with_columns(conversation_id=roots)
        loop_issue = issue_from_mask(
            frame.with_columns(in_loop), pl.col("in_loop"),
            N_("forms a reply loop (the loop's earliest row is used as the thread root)"),
            "in_reply_to", "kept",
        )
        return frame, [loop_issue] if loop_issue else []
    gap = parse_duration(session_gap, argument="session_gap")
    missing_in = (pl.col("direction") == INBOUND) & pl.col("customer_id").is_null()
    issue = issue_from_mask(frame, missing_in, N_("missing (needed to group messages into conversations)"), "customer_id")
    if issue:
        issues.append(issue)
        frame = frame.filter(~missing_in)
    frame, more = _attribute_replies(frame, gap)
    issues += more
    orphan = pl.col("customer_id").is_null()
    issue = issue_from_mask(
        frame, orphan,
        N_("missing on outbound messages with no customer message before them on their channel"),
        "customer_id",
    )
    if issue:
        issues.append(issue)
        frame = frame.filter(~orphan)
    frame = frame.with_columns(conversation_id=sessionise(frame, gap)) if frame.height else frame
    return frame, issues
