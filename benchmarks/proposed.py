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

``fast_iso_timestamps``: in ``toolkit.timestamps._parse_strings``, first parse every value with
one strict ISO-8601-with-offset format (``2024-01-01T10:00:00Z``, ``...+02:00``, fractions
allowed: the most common export format, and one that does not depend on the user's time zone);
only the values it cannot parse go through the general chain of regexes (slashed dates, RFC
2822, twcs, epochs, naive local times), which costs ~10 regex passes over the column.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

__all__ = ["apply", "in_conversation_order_hashed", "parse_strings_fast"]

ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"


def in_conversation_order_hashed(messages: pl.LazyFrame) -> pl.LazyFrame:
    conv = pl.col("conversation_id")
    return messages.sort(conv.hash(), conv, "created_at", "row_nr")


def parse_strings_fast(general: Callable[..., pl.Series]) -> Callable[..., pl.Series]:
    """Wrap ``toolkit.timestamps._parse_strings`` (``general``) with the ISO fast path."""

    def parse(raw: pl.Series, timezone: str, day_first: bool | None) -> pl.Series:
        s = raw.cast(pl.String).str.strip_chars()
        fast = s.str.to_datetime(ISO_WITH_OFFSET, time_unit="us", time_zone="UTC", strict=False)
        todo = fast.is_null() & s.is_not_null()
        n_todo = int(todo.sum())
        if n_todo == 0:
            return fast
        if n_todo == len(s):
            return general(raw, timezone, day_first)
        rest = general(raw.filter(todo), timezone, day_first)
        return fast.scatter(todo.arg_true(), rest)

    return parse


def apply(which: tuple[str, ...] = ("hash_sort", "fast_iso_timestamps")) -> None:
    """Patch the toolkit modules in place (see the module docstring)."""
    import importlib

    if "hash_sort" in which:
        # ``toolkit.turns`` the attribute is the function; the module is looked up by name.
        module = importlib.import_module("toolkit.turns")
        module._in_conversation_order = in_conversation_order_hashed  # type: ignore[attr-defined]
    if "fast_iso_timestamps" in which:
        ts = importlib.import_module("toolkit.timestamps")
        if not getattr(ts._parse_strings, "_fast_iso", False):
            patched = parse_strings_fast(ts._parse_strings)
            patched._fast_iso = True  # type: ignore[attr-defined]
            ts._parse_strings = patched
