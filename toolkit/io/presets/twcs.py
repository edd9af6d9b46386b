"""The ``twcs`` preset: Kaggle "Customer Support on Twitter" (``twcs.csv``).

The export has one ``author_id`` per tweet and no brand or agent column, so this preset adds its
own post-processing (:meth:`TwcsPreset.finish`):

* ``customer_id`` = author of inbound messages;
* ``brand`` = author of the conversation's first outbound message (by ``created_at``, ties by
  row order), else the first ``@mention`` in the conversation's root (the message the reply tree
  starts from) - customers address the brand that way;
* ``agent_id`` = sign-off initials ending a brand reply (``^GA``, ``-AB``, ``/RB``; 2-3 capitals,
  after removing trailing links), else null.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import AUTHOR, Frame, Preset, register_preset
from toolkit.io.presets.generic import GENERIC_COLUMNS
from toolkit.io.schema import INBOUND, OUTBOUND

__all__ = ["TWCS", "TwcsPreset", "twcs_brand_and_agent"]

# Sign-off at the end of a brand reply: "... ^GA", "... -AB", "... /RB", after trailing URLs.
_TRAILING_URLS = r"(?:\s*https?://\S+)+\s*$"
_SIGN_OFF = r"(?:^|\s)[\^\-/~*\u2013\u2014]\s?([A-Z]{2,3})\s*$"
_MENTION = r"@(\w+)"


def twcs_brand_and_agent(frame: Frame, author: str = "__author") -> Frame:
    """Fill ``customer_id``, ``brand`` and ``agent_id`` the twcs way (module docs).

    Parameters
    ----------
    frame
        Canonical frame (eager or lazy; the same kind is returned) with ``conversation_id``
        assigned, plus the author column.
    author
        Name of the column holding ``author_id``.
    """
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    order = ["created_at", "row_nr"]
    outbound = pl.col("direction") == OUTBOUND
    first_reply = (
        frame.filter(outbound)
        .sort(order)
        .group_by("conversation_id", maintain_order=True)
        .agg(pl.col(author).first().alias("__reply_brand"))
    )
    first_mention = (
        # The root is the message the conversation is named after (not the earliest by clock:
        # a reply may carry an earlier timestamp than the tweet it answers).
        frame.filter(pl.col("message_id") == pl.col("conversation_id"))
        .group_by("conversation_id", maintain_order=True)
        .agg(pl.col("text").first().str.extract(_MENTION, 1).alias("__mention_brand"))
        if "text" in names
        else frame.select("conversation_id").unique().with_columns(__mention_brand=pl.lit(None, pl.String))
    )
    text = pl.col("text") if "text" in names else pl.lit(None, pl.String)
    sign_off = text.str.replace(_TRAILING_URLS, "").str.extract(_SIGN_OFF, 1)
    return (
        frame.join(first_reply, on="conversation_id", how="left", maintain_order="left")  # type: ignore[arg-type]
        .join(first_mention, on="conversation_id", how="left", maintain_order="left")  # type: ignore[arg-type]
        .with_columns(
            customer_id=pl.when(outbound).then(pl.col("customer_id")).otherwise(pl.col(author)),
            brand=pl.coalesce("brand", "__reply_brand", "__mention_brand"),
            agent_id=pl.coalesce("agent_id", pl.when(outbound).then(sign_off)),
        )
        .drop("__reply_brand", "__mention_brand")
    )


@dataclass(frozen=True)
class TwcsPreset(Preset):
    """twcs: the author of a reply is the brand; agents come from sign-off initials."""

    def fill_author(self, frame: Frame, author: str) -> Frame:
        """Only ``customer_id`` (inbound authors): brand and agent come in :meth:`finish`."""
        inbound = pl.col("direction") == INBOUND
        return frame.with_columns(customer_id=pl.coalesce("customer_id", pl.when(inbound).then(author)))

    def finish(self, frame: Frame, author: str | None) -> Frame:
        """Brand from the first reply's author or the root's first @mention; agent sign-offs."""
        return twcs_brand_and_agent(frame, author) if author is not None else frame


TWCS = register_preset(
    TwcsPreset(
        name="twcs",
        description='Kaggle "Customer Support on Twitter" (twcs.csv).',
        columns={
            **GENERIC_COLUMNS,
            "message_id": ("tweetid",),
            AUTHOR: ("authorid",),
            "direction": ("inbound",),
            "created_at": ("createdat",),
            "text": ("text",),
            "in_reply_to": ("inresponsetotweetid",),
        },
        signature=frozenset({"tweetid", "authorid", "inbound", "createdat"}),
        channel="twitter",
        author_fills=("customer_id", "brand"),
    ),
    replace=True,
)
