"""Proposed changes to the toolkit, applied at run time so the benchmark can measure them.

The benchmark owner does not edit ``toolkit/``; a change the profile calls for is written here
as a patch, measured with ``--engines toolkit,toolkit-proposed`` and proposed in
``docs/benchmarks.md``. Once the change is in the toolkit, the patch is a no-op to remove.

``hash_sort``: order a conversation's messages with ``sort(hash(conversation_id),
conversation_id, created_at, row_nr)`` instead of ``sort(conversation_id, created_at, row_nr)``.
The order *within* a conversation is exactly the same (time, then input row: SPEC's tie-break)
and each conversation stays contiguous (the string is the second key, so even two ids with the
same hash are kept apart); only the order *of* conversations changes, from by-id to by-hash. A
u64 first key lets polars' multi-column sort decide almost every comparison on a fixed-width
integer instead of a string.
"""

from __future__ import annotations

import polars as pl

__all__ = ["apply", "in_conversation_order_hashed"]


def in_conversation_order_hashed(messages: pl.LazyFrame) -> pl.LazyFrame:
    conv = pl.col("conversation_id")
    return messages.sort(conv.hash(), conv, "created_at", "row_nr")


def apply() -> None:
    """Patch ``toolkit.turns._in_conversation_order`` (used by turns() and conversations())."""
    import importlib

    # ``toolkit.turns`` the attribute is the function; the module is looked up by name.
    module = importlib.import_module("toolkit.turns")
    module._in_conversation_order = in_conversation_order_hashed  # type: ignore[attr-defined]
