"""Social customer-service KPIs from a message log, with polars.

>>> import toolkit
>>> messages = toolkit.read_messages("sample_data/sample_messages.csv")  # doctest: +SKIP
>>> toolkit.kpis(messages, by="channel")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.core.kpis import FactTables, kpi_tables, kpis
from toolkit.core.metrics import (
    Metric,
    MetricContext,
    available_metrics,
    get_metric,
    metric_registry,
    register_metric,
    unregister_metric,
)
from toolkit.core.turns import conversations, turns
from toolkit.errors import ArgumentError, ColumnNotFoundError, DataError, ToolkitError
from toolkit.io.customers import CustomersResult, load_customers, read_customers
from toolkit.io.load import LoadResult, load, read_messages
from toolkit.io.presets import detect_preset
from toolkit.io.quality import QualityReport
from toolkit.measures.deflection import deflection_phrase_counts, detect_deflection
from toolkit.measures.handling import handling_by_channel, handling_times
from toolkit.measures.journeys import (
    channel_mix,
    channel_switches,
    request_types_by_channel,
    transition_matrix,
)
from toolkit.measures.language import add_language
from toolkit.measures.outcomes import (
    CARE_TRIGGERS,
    care_trigger_expr,
    detect_mentions,
    reply_survival,
    set_care_triggers,
)
from toolkit.measures.satisfaction import satisfaction_breakdown
from toolkit.measures.sentiment import (
    add_sentiment,
    sentiment_drivers,
    sentiment_label,
    sentiment_series,
)
from toolkit.measures.series import inbound_by_hour_of_week
from toolkit.measures.topics import (
    bot_summary,
    normalise_reply,
    top_replies,
    top_topics,
    topic_volumes,
)
from toolkit.measures.volumes import volumes
from toolkit.present.format import duration as format_duration

# The analyses (comparisons, agents, staffing, peaks, queue...) load on first use: `python -m
# toolkit kpis` and the loader do not pay for numpy and scipy (PEP 562, docs/benchmarks.md).
_LAZY: dict[str, tuple[str, str]] = {
    "agent_report": ("toolkit.analysis.agents", "agent_report"),
    "Split": ("toolkit.analysis.compare", "Split"),
    "compare": ("toolkit.analysis.compare", "compare"),
    "parse_split": ("toolkit.analysis.compare", "parse_split"),
    "register_split": ("toolkit.analysis.compare", "register_split"),
    "metric_coverage": ("toolkit.analysis.coverage", "metric_coverage"),
    "unlocking_columns": ("toolkit.analysis.coverage", "unlocking_columns"),
    "HoursReport": ("toolkit.analysis.hours_report", "HoursReport"),
    "hours_report": ("toolkit.analysis.hours_report", "hours_report"),
    "opening_hours_whatif": ("toolkit.analysis.hours_report", "opening_hours_whatif"),
    "event_summary": ("toolkit.analysis.peaks", "event_summary"),
    "holiday_events": ("toolkit.analysis.peaks", "holiday_events"),
    "peak_buckets": ("toolkit.analysis.peaks", "peak_buckets"),
    "peak_periods": ("toolkit.analysis.peaks", "peak_periods"),
    "queue": ("toolkit.analysis.queue", "queue"),
    "read_rules": ("toolkit.analysis.queue", "read_rules"),
    "spike": ("toolkit.analysis.queue", "spike"),
    "staffing": ("toolkit.analysis.staffing", "staffing"),
    "Event": ("toolkit.calendar.events", "Event"),
    "parse_event": ("toolkit.calendar.events", "parse_event"),
    "promotion": ("toolkit.calendar.events", "promotion"),
    "load_plugins": ("toolkit.plugins", "load_plugins"),
    "sample_customers_path": ("toolkit.sample", "sample_customers_path"),
    "sample_path": ("toolkit.sample", "sample_path"),
}

if TYPE_CHECKING:
    from toolkit.analysis.agents import agent_report
    from toolkit.analysis.compare import Split, compare, parse_split, register_split
    from toolkit.analysis.coverage import metric_coverage, unlocking_columns
    from toolkit.analysis.hours_report import HoursReport, hours_report, opening_hours_whatif
    from toolkit.analysis.peaks import event_summary, holiday_events, peak_buckets, peak_periods
    from toolkit.analysis.queue import queue, read_rules, spike
    from toolkit.analysis.staffing import staffing
    from toolkit.calendar.events import Event, parse_event, promotion
    from toolkit.plugins import load_plugins
    from toolkit.sample import sample_customers_path, sample_path


def __getattr__(name: str) -> Any:
    """The lazily loaded public names (:data:`_LAZY`) and subpackages (``toolkit.analysis``,
    ``toolkit.plugins`` ...), imported on first use."""
    import importlib

    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in (*_SUBPACKAGES, "plugins"):
        value = importlib.import_module(f"toolkit.{name}")
    else:
        msg = f"module 'toolkit' has no attribute {name!r}"
        raise AttributeError(msg)
    globals()[name] = value
    return value


__all__ = [
    "CARE_TRIGGERS",
    "ArgumentError",
    "BusinessCalendar",
    "ColumnNotFoundError",
    "CustomersResult",
    "DataError",
    "Event",
    "FactTables",
    "HoursReport",
    "LoadResult",
    "Metric",
    "MetricContext",
    "QualityReport",
    "Split",
    "ToolkitError",
    "add_language",
    "add_sentiment",
    "agent_report",
    "available_metrics",
    "bot_summary",
    "care_trigger_expr",
    "channel_mix",
    "channel_switches",
    "compare",
    "conversations",
    "deflection_phrase_counts",
    "detect_deflection",
    "detect_mentions",
    "detect_preset",
    "event_summary",
    "format_duration",
    "get_metric",
    "handling_by_channel",
    "handling_times",
    "holiday_events",
    "hours_report",
    "inbound_by_hour_of_week",
    "kpi_tables",
    "kpis",
    "load",
    "load_customers",
    "load_plugins",
    "metric_coverage",
    "metric_registry",
    "normalise_reply",
    "opening_hours_whatif",
    "parse_event",
    "parse_split",
    "peak_buckets",
    "peak_periods",
    "promotion",
    "queue",
    "read_customers",
    "read_messages",
    "read_rules",
    "register_metric",
    "register_split",
    "reply_survival",
    "request_types_by_channel",
    "sample_customers_path",
    "sample_path",
    "satisfaction_breakdown",
    "sentiment_drivers",
    "sentiment_label",
    "sentiment_series",
    "set_care_triggers",
    "spike",
    "staffing",
    "top_replies",
    "top_topics",
    "topic_volumes",
    "transition_matrix",
    "turns",
    "unlocking_columns",
    "unregister_metric",
    "volumes",
]

#: The subpackages, by what they hold (see docs/architecture.md).
_SUBPACKAGES = ("analysis", "app_state", "calendar", "core", "errors", "io", "measures", "present", "sample")


def __dir__() -> list[str]:
    """The public names and the subpackages: what a user can reach from ``toolkit.``."""
    return sorted([*__all__, *_SUBPACKAGES])
