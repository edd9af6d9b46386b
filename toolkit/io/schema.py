"""The canonical message log: column names, types and which ones are always there.

Every loader returns these columns; every metric reads only these names.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "ALWAYS_PRESENT",
    "CANONICAL",
    "DIMENSIONS",
    "INBOUND",
    "OPTIONAL",
    "OUTBOUND",
    "UTC_DATETIME",
]

INBOUND = "inbound"
OUTBOUND = "outbound"
UTC_DATETIME = pl.Datetime("us", "UTC")

#: Columns every canonical frame has (filled with null / False when the source lacks them).
ALWAYS_PRESENT: dict[str, pl.DataType] = {
    "row_nr": pl.Int64(),  # 1-based data row of the source: the input-order tie-break
    "message_id": pl.String(),
    "conversation_id": pl.String(),
    "in_reply_to": pl.String(),
    "created_at": UTC_DATETIME,
    "direction": pl.String(),  # "inbound" | "outbound"
    "channel": pl.String(),
    "customer_id": pl.String(),
    "agent_id": pl.String(),
    "brand": pl.String(),
    "is_bot": pl.Boolean(),
}

#: Columns present only when the source has them; metrics that need them are absent otherwise.
OPTIONAL: dict[str, pl.DataType] = {
    "category": pl.String(),
    "subcategory": pl.String(),
    "sentiment": pl.Float64(),  # score in [-1, 1]; labels map to -1 / 0 / 1
    "text": pl.String(),
    "handle_seconds": pl.Float64(),
    "template": pl.String(),
    "resolved_at": UTC_DATETIME,
    "deflected_to": pl.String(),
    "csat": pl.Float64(),
    "nps": pl.Float64(),
    # "ticket" when the export has one row per ticket with its times already computed (Zendesk,
    # Freshdesk): each ticket becomes its customer's message and the first reply it reports, and
    # the measures that need every message (ART, turns, message counts) are left out.
    "source_level": pl.String(),
}

CANONICAL: dict[str, pl.DataType] = {**ALWAYS_PRESENT, **OPTIONAL}

#: Columns a user typically slices by.
DIMENSIONS: tuple[str, ...] = (
    "channel",
    "brand",
    "category",
    "subcategory",
    "agent_id",
    "customer_id",
)
