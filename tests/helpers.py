"""Helpers shared by the tests: a tiny canonical log builder and a frame comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

__all__ = ["T0", "assert_equal_data", "log"]

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def log(rows: list[tuple], **extra_columns: list) -> pl.DataFrame:
    """Canonical messages from (conversation, minutes after T0, direction[, bot[, agent[, channel]]])."""
    data: dict[str, list] = {k: [] for k in (
        "row_nr", "message_id", "conversation_id", "in_reply_to", "created_at", "direction",
        "channel", "customer_id", "agent_id", "brand", "is_bot")}
    for i, row in enumerate(rows, start=1):
        conv, minutes, direction, *rest = row
        bot = rest[0] if len(rest) > 0 else False
        agent = rest[1] if len(rest) > 1 else ("A1" if direction == "outbound" and not bot else None)
        channel = rest[2] if len(rest) > 2 else "twitter"
        data["row_nr"].append(i)
        data["message_id"].append(f"m{i}")
        data["conversation_id"].append(conv)
        data["in_reply_to"].append(None)
        data["created_at"].append(T0 + dt.timedelta(minutes=minutes))
        data["direction"].append(direction)
        data["channel"].append(channel)
        data["customer_id"].append(f"cust-{conv}" if direction == "inbound" else None)
        data["agent_id"].append(agent)
        data["brand"].append("Acme")
        data["is_bot"].append(bot)
    data.update(extra_columns)
    return pl.DataFrame(data, schema_overrides={
        "in_reply_to": pl.String, "agent_id": pl.String, "customer_id": pl.String,
        "created_at": pl.Datetime("us", "UTC")})


def assert_equal_data(result: pl.DataFrame | pl.LazyFrame, expected: dict[str, list[Any]]) -> None:
    """``result`` (collected when lazy) has exactly ``expected``'s columns, in order, and values."""
    frame = result.collect() if isinstance(result, pl.LazyFrame) else result
    assert frame.columns == list(expected), f"columns {frame.columns} != {list(expected)}"
    assert frame.to_dict(as_series=False) == expected
