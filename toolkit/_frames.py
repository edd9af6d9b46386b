"""Eager-or-lazy plumbing shared by every function that takes messages."""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from toolkit.present.i18n import _

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def as_lazy(messages: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The messages as a LazyFrame; a clear TypeError for anything else."""
    if isinstance(messages, pl.DataFrame):
        return messages.lazy()
    if isinstance(messages, pl.LazyFrame):
        return messages
    msg = _("expected a polars DataFrame or LazyFrame of messages, got {kind}").format(kind=type(messages).__name__)
    raise TypeError(msg)


def same_kind(result: pl.LazyFrame, messages: Frame) -> Frame:
    """Lazy in, lazy out: collect the result only when the input was eager."""
    # An eager caller has the data in memory already: polars' in-memory engine is the faster one
    # there (the streaming default pays off on larger-than-memory lazy scans).
    if isinstance(messages, pl.DataFrame):
        return result.collect(engine="in-memory")  # type: ignore[return-value]
    return result  # type: ignore[return-value]


#: Peak bytes per message of ``kpis`` on polars' in-memory engine (measured: 2.5 GB at 9M
#: messages, docs/benchmarks.md), with some headroom.
_BYTES_PER_MESSAGE = 320


def collect_engine(rows: int | None, available: int | None = None) -> str:
    """The polars engine to collect a plan over ``rows`` messages with: ``"in-memory"`` (about
    25 % faster) when the rows fit in half the memory available now, else ``"streaming"`` (what
    makes logs larger than memory fit); ``"auto"`` when either figure is unknown.

    >>> collect_engine(9_000_000, available=24 * 2**30)
    'in-memory'
    >>> collect_engine(100_000_000, available=24 * 2**30)
    'streaming'
    """
    available = available_memory() if available is None else available
    if rows is None or available is None:
        return "auto"
    return "in-memory" if rows * _BYTES_PER_MESSAGE <= available // 2 else "streaming"


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def into_expr(column: str | pl.Expr | pl.Series) -> pl.Expr:
    """A column name, an expression or a Series, as an expression (functions take ``str | pl.Expr``).

    >>> into_expr("text").meta.output_name()
    'text'
    """
    if isinstance(column, pl.Expr):
        return column
    if isinstance(column, str):
        return pl.col(column)
    if isinstance(column, pl.Series):
        return pl.lit(column)
    msg = _("expected a column name or a polars expression, got {kind}").format(kind=type(column).__name__)
    raise TypeError(msg)
