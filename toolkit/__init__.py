"""Social customer-service KPIs from a message log, with polars.

>>> import toolkit
>>> messages = toolkit.read_messages("sample_data/sample_messages.csv")  # doctest: +SKIP
>>> toolkit.kpis(messages, by="channel")  # doctest: +SKIP
"""

from __future__ import annotations

from toolkit.business_hours import BusinessCalendar, hour_of_week_open
from toolkit.errors import DataError
from toolkit.kpis import FactTables, kpi_tables, kpis
from toolkit.load import LoadResult, load, read_messages, read_table
from toolkit.metrics import (
    Metric,
    MetricContext,
    available_metrics,
    get_metric,
    metric_registry,
    register_metric,
    unregister_metric,
)
from toolkit.plugins import load_plugins
from toolkit.presets import PRESETS, detect_preset
from toolkit.quality import QualityIssue, QualityReport
from toolkit.timestamps import parse_timestamps
from toolkit.turns import conversations, turns

__all__ = [
    "PRESETS",
    "BusinessCalendar",
    "DataError",
    "FactTables",
    "LoadResult",
    "Metric",
    "MetricContext",
    "QualityIssue",
    "QualityReport",
    "available_metrics",
    "conversations",
    "detect_preset",
    "get_metric",
    "hour_of_week_open",
    "kpi_tables",
    "kpis",
    "load",
    "load_plugins",
    "metric_registry",
    "parse_timestamps",
    "read_messages",
    "read_table",
    "register_metric",
    "turns",
    "unregister_metric",
]

# --- issue 5: extra metrics (importing these modules registers their metrics) -----------------
from toolkit.agents import agent_report, benjamini_hochberg, robust_z
from toolkit.coverage import metric_coverage, unlocking_columns
from toolkit.deflection import (
    DEFAULT_DEFLECTION_PHRASES,
    deflection_phrase_counts,
    detect_deflection,
)
from toolkit.handling import handling_by_channel, handling_times
from toolkit.journeys import (
    channel_mix,
    channel_switches,
    request_types_by_channel,
    transition_matrix,
)
from toolkit.satisfaction import satisfaction_breakdown
from toolkit.sentiment import (
    add_sentiment,
    sentiment_drivers,
    sentiment_label,
    sentiment_series,
)
from toolkit.topics import (
    bot_summary,
    normalise_reply,
    top_replies,
    top_topics,
    topic_volumes,
)

__all__ += [
    "DEFAULT_DEFLECTION_PHRASES",
    "add_sentiment",
    "agent_report",
    "benjamini_hochberg",
    "bot_summary",
    "channel_mix",
    "channel_switches",
    "deflection_phrase_counts",
    "detect_deflection",
    "handling_by_channel",
    "handling_times",
    "metric_coverage",
    "normalise_reply",
    "request_types_by_channel",
    "robust_z",
    "satisfaction_breakdown",
    "sentiment_drivers",
    "sentiment_label",
    "sentiment_series",
    "top_replies",
    "top_topics",
    "topic_volumes",
    "transition_matrix",
    "unlocking_columns",
]
# --- end issue 5 ---------------------------------------------------------------------------------

# --- issue 4 and 3: volumes, peaks, comparisons, staffing, business hours ------------------------
from toolkit.compare import (
    METRIC_POLARITY,
    Split,
    bootstrap_difference,
    compare,
    format_duration,
    parse_split,
    two_proportion_test,
)
from toolkit.hours_report import (
    HoursReport,
    default_candidates,
    hours_report,
    inbound_by_hour_of_week,
    opening_hours_whatif,
)
from toolkit.peaks import (
    Event,
    event_summary,
    events_frame,
    holiday_events,
    in_periods,
    parse_event,
    peak_buckets,
    peak_periods,
    promotion,
)
from toolkit.staffing import agents_needed, erlang_c, service_level, staffing
from toolkit.volumes import volumes

__all__ += [
    "METRIC_POLARITY",
    "Event",
    "HoursReport",
    "Split",
    "agents_needed",
    "bootstrap_difference",
    "compare",
    "default_candidates",
    "erlang_c",
    "event_summary",
    "events_frame",
    "format_duration",
    "holiday_events",
    "hours_report",
    "in_periods",
    "inbound_by_hour_of_week",
    "opening_hours_whatif",
    "parse_event",
    "parse_split",
    "peak_buckets",
    "peak_periods",
    "promotion",
    "service_level",
    "staffing",
    "two_proportion_test",
    "volumes",
]
