"""Proposed changes to the toolkit, applied at run time so the benchmark can measure them.

A change the profile calls for is written here as a patch of a ``toolkit`` module, measured with
``--engines toolkit,toolkit-proposed`` (the smoke test checks that it keeps the numbers) and, once
it pays, moved into ``toolkit/`` and removed from here.

Pending proposals: none. The first round (a hash-first conversation sort, and a fast path for
ISO-8601-with-offset timestamps) is in ``toolkit/turns.py`` and ``toolkit/timestamps.py`` now;
``docs/benchmarks.md`` has the before/after numbers.
"""

from __future__ import annotations

__all__ = ["apply"]


def apply(which: tuple[str, ...] = ()) -> None:
    """Patch the toolkit modules in place with the named proposals (none pending)."""
    unknown = [w for w in which if w]
    if unknown:
        msg = f"no such proposal: {unknown}"
        raise ValueError(msg)
