"""Which metrics a log supports, and which column would unlock the others.

>>> import toolkit
>>> cov = toolkit.metric_coverage(["created_at", "direction", "conversation_id", "text"])
>>> bool(cov.filter(cov["metric"] == "deflection_rate")["supported"].item())
True
>>> "sentiment" in toolkit.unlocking_columns(["created_at", "direction", "conversation_id"])["column"]
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from toolkit.core.metrics import MESSAGE_LEVEL_ONLY, TICKET_LEVEL_NOTE, MetricContext, metric_registry

__all__ = ["UNLOCK_HINTS", "metric_coverage", "unlocking_columns"]

#: Columns the fact tables always derive: metrics may require them without the source having them.
_DERIVED = {"response_seconds", "answered_at", "is_first", "inbound_messages", "start"}

#: How to get a column the log lacks, beyond adding it to the export.
UNLOCK_HINTS: dict[str, str] = {
    "sentiment": "or score the text with toolkit.add_sentiment(messages) (in each message's language, opt-in)",
    "deflected_to": "or keep a 'text' column: deflections are then detected by phrases",
    "calendar": "pass calendar=toolkit.BusinessCalendar.parse(...) (CLI: --hours/--holidays)",
    "handle_seconds": "agent working time per message, from the helpdesk's time tracking",
    "csat": "the 1-5 survey answer, on any row of the conversation",
    "nps": "the 0-10 survey answer, on any row of the conversation",
    "category": "interaction type (customer service / marketing / ...), e.g. from tagging",
    "churned_at": "from a customers table: customers=toolkit.read_customers(...) (CLI: --customers FILE)",
    "monthly_revenue": "from a customers table: customers=toolkit.read_customers(...) (CLI: --customers FILE)",
    "mention_type": "tagged/untagged from a listening export, or toolkit.detect_mentions(messages, handles=[...])",
    "text": "the message body (care triggers, deflection phrases, mentions)",
}


def _columns(messages: Any) -> list[str]:
    if isinstance(messages, pl.LazyFrame):
        return messages.collect_schema().names()
    if isinstance(messages, pl.DataFrame):
        return messages.columns
    return [str(c) for c in messages]


def _alternatives(metric: Any) -> list[tuple[str, ...]]:
    return [tuple(metric.requires), *getattr(metric, "alternatives", ())]


def metric_coverage(
    messages: pl.DataFrame | pl.LazyFrame | Iterable[str], *, calendar: Any = None
) -> pl.DataFrame:
    """Every registered metric and whether this log supports it.

    Parameters
    ----------
    messages
        A messages frame (eager or lazy) or just its column names.
    calendar
        A business calendar: the business-hours metrics are supported only with one.

    Returns
    -------
    DataFrame: ``metric``, ``level``, ``supported``, ``requires`` (list), ``missing`` (the
    columns to add, list; ``"calendar"`` for business-hours metrics), ``hint``, ``description``.
    """
    cols = set(_columns(messages)) | _DERIVED
    ctx = MetricContext(calendar=calendar)
    rows = []
    ticket_level = "source_level" in cols
    for name, metric in metric_registry().items():
        supported = metric.supported_by(cols, ctx)
        missing: list[str] = []
        if ticket_level and name in MESSAGE_LEVEL_ONLY:
            # Not a column away: a ticket export cannot give it at all (toolkit.io.presets).
            rows.append({"metric": name, "level": metric.level, "supported": False,
                         "requires": list(metric.requires), "missing": [], "hint": TICKET_LEVEL_NOTE,
                         "description": metric.description})
            continue
        if not supported:
            options = [[c for c in alt if c not in cols] for alt in _alternatives(metric)]
            options = [o for o in options if o] or [[]]
            missing = min(options, key=len)
            if metric.needs_calendar and calendar is None:
                missing = [*missing, "calendar"]
        rows.append(
            {
                "metric": name,
                "level": metric.level,
                "supported": supported,
                "requires": list(metric.requires),
                "missing": missing,
                "hint": "; ".join(f"{c}: {UNLOCK_HINTS[c]}" for c in missing if c in UNLOCK_HINTS),
                "description": metric.description,
            }
        )
    schema = {"metric": pl.String, "level": pl.String, "supported": pl.Boolean,
              "requires": pl.List(pl.String), "missing": pl.List(pl.String), "hint": pl.String,
              "description": pl.String}
    return pl.DataFrame(rows, schema=schema)


def unlocking_columns(
    messages: pl.DataFrame | pl.LazyFrame | Iterable[str], *, calendar: Any = None
) -> pl.DataFrame:
    """The columns (or settings) that would unlock the unsupported metrics.

    Returns
    -------
    DataFrame, most metrics unlocked first: ``column``, ``unlocks`` (number of metrics that
    this column alone would make available), ``metrics`` (their names), ``hint``.
    """
    cov = metric_coverage(messages, calendar=calendar).filter(~pl.col("supported"))
    result = (
        cov.filter(pl.col("missing").list.len() == 1)
        .with_columns(column=pl.col("missing").list.first())
        .group_by("column")
        .agg(pl.len().cast(pl.Int64).alias("unlocks"), pl.col("metric").alias("metrics"))
        .with_columns(hint=pl.col("column").replace_strict(UNLOCK_HINTS, default=""))
        .sort(["unlocks", "column"], descending=[True, False])
    )
    return result.select("column", "unlocks", "metrics", "hint")
