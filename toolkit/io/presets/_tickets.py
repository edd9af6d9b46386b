"""Ticket exports: one row per ticket with its times already computed (Zendesk, Freshdesk).

Such an export has no messages, only what the helpdesk computed from them. Each ticket row
becomes the customer's message that opened it (at its creation time) and, when the export gives
a first reply time, the first reply it implies (at creation + that time, by the ticket's agent),
both with ``source_level = "ticket"``. So the first response time, reply rate, SLA on the first
reply, resolution, CSAT and volumes by channel/agent/type are the helpdesk's own figures, and the
measures that need every message (ART, turns, message counts, sentiment, handling per message)
are left out with a sentence saying why (:data:`toolkit.core.metrics.MESSAGE_LEVEL_ONLY`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import Preset, normalise_name
from toolkit.io.schema import OUTBOUND

__all__ = ["TicketPreset"]

#: Satisfaction words -> a 1-5 rating (CSAT counts 4-5 as satisfied); offers without an
#: answer are no rating.
_RATING_WORDS = {
    "good": 5.0, "bad": 1.0, "offered": None, "not offered": None, "unoffered": None,
    "extremely happy": 5.0, "very happy": 5.0, "happy": 4.0, "neutral": 3.0, "unhappy": 2.0,
    "very unhappy": 1.0, "extremely unhappy": 1.0, "satisfied": 5.0, "dissatisfied": 1.0,
}


def _find(raw: pl.DataFrame, names: tuple[str, ...]) -> str | None:
    by_norm = {normalise_name(c): c for c in raw.columns}
    for n in names:
        if n in by_norm:
            return by_norm[n]
    return None


def _duration_seconds(column: str, unit_seconds: float) -> pl.Expr:
    """A number of ``unit_seconds`` units, or ``HH:MM[:SS]`` text, as seconds."""
    text = pl.col(column).cast(pl.String).str.strip_chars().str.replace(",", ".", literal=True)
    number = text.cast(pl.Float64, strict=False) * unit_seconds
    parts = text.str.extract_groups(r"^(\d+):(\d{2})(?::(\d{2}))?$")
    clock = (
        parts.struct.field("1").cast(pl.Float64) * 3600
        + parts.struct.field("2").cast(pl.Float64) * 60
        + parts.struct.field("3").cast(pl.Float64).fill_null(0)
    )
    return pl.coalesce(number, clock)


@dataclass(frozen=True)
class TicketPreset(Preset):
    """A ticket export: see the module docstring.

    Attributes
    ----------
    first_reply
        Normalised names of the first-reply-time column, best first.
    first_reply_unit
        Seconds in one unit of that column (60 for minutes, 3600 for hours).
    rating
        Normalised names of the satisfaction column.
    agent
        Normalised names of the agent column (the first reply is theirs).
    """

    first_reply: tuple[str, ...] = ()
    first_reply_unit: float = 60.0
    first_reply_bh: tuple[str, ...] = ()
    rating: tuple[str, ...] = ()
    agent: tuple[str, ...] = ()

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """Every ticket row is the customer's opening message; ratings read as 1-5."""
        extra: dict[str, pl.Expr] = {"preset_direction": pl.lit("inbound")}
        ticket = _find(raw, self.columns.get("message_id", ()))
        if ticket is not None:
            extra["preset_ticket"] = pl.col(ticket).cast(pl.String)
        rating = _find(raw, self.rating)
        if rating is not None:
            words = pl.col(rating).cast(pl.String).str.strip_chars().str.to_lowercase()
            extra["preset_rating"] = pl.coalesce(
                words.replace_strict(_RATING_WORDS, default=None, return_dtype=pl.Float64),
                words.cast(pl.Float64, strict=False),
            )
        reply = _find(raw, self.first_reply)
        extra["preset_first_reply_s"] = (
            _duration_seconds(reply, self.first_reply_unit) if reply is not None else pl.lit(None, pl.Float64)
        )
        reply_bh = _find(raw, self.first_reply_bh)
        extra["preset_first_reply_bh_s"] = (
            _duration_seconds(reply_bh, self.first_reply_unit) if reply_bh is not None else pl.lit(None, pl.Float64)
        )
        agent = _find(raw, self.agent)
        extra["preset_agent"] = pl.col(agent).cast(pl.String) if agent is not None else pl.lit(None, pl.String)
        return raw.with_columns(**extra)

    def expand(self, messages: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
        """Add each ticket's first reply; mark every row ``source_level = "ticket"``."""
        implied = raw.select("row_nr", "preset_first_reply_s", "preset_first_reply_bh_s", "preset_agent")
        tickets = messages.join(implied, on="row_nr", how="left", maintain_order="left")
        answered = tickets.filter(pl.col("preset_first_reply_s").is_not_null() & (pl.col("preset_first_reply_s") >= 0))
        # A reply's row number comes after every source row: at a tie with its ticket's time it
        # still sorts after the ticket (the tie-break is row order). It is marked as implied, so
        # the quality report counts source rows only.
        offset = int(messages.get_column("row_nr").max() or 0)
        replies = answered.with_columns(
            row_nr=pl.col("row_nr") + offset,
            message_id=pl.col("message_id") + "-first-reply",
            in_reply_to=pl.col("message_id"),
            created_at=pl.col("created_at")
            + pl.duration(microseconds=(pl.col("preset_first_reply_s") * 1e6).round().cast(pl.Int64)),
            direction=pl.lit(OUTBOUND),
            customer_id=pl.lit(None, pl.String),
            agent_id=pl.col("preset_agent"),
        )
        opened = tickets.with_columns(agent_id=pl.lit(None, pl.String))
        # The helpdesk's own business-hours first reply time, on the ticket's opening message
        # (the toolkit's frt_bh_* keys need an opening-hours calendar; this is the export's).
        has_bh = raw.get_column("preset_first_reply_bh_s").is_not_null().any()
        if has_bh:
            opened = opened.with_columns(reported_frt_bh_seconds=pl.col("preset_first_reply_bh_s"))
            replies = replies.with_columns(reported_frt_bh_seconds=pl.lit(None, pl.Float64))
        order = [*messages.columns, *(["reported_frt_bh_seconds"] if has_bh else [])]
        out = pl.concat(
            [opened.select(*order, __implied=pl.lit(False)), replies.select(*order, __implied=pl.lit(True))],
            how="vertical",
        )
        return out.with_columns(source_level=pl.lit("ticket"))
