"""Social customer-service KPIs from a message log, with polars.

>>> import toolkit
>>> messages = toolkit.read_messages("sample_data/sample_messages.csv")  # doctest: +SKIP
>>> toolkit.kpis(messages, by="channel")  # doctest: +SKIP
"""

from __future__ import annotations

from toolkit.analysis.agents import agent_report, benjamini_hochberg, robust_z
from toolkit.analysis.compare import (
    Split,
    bootstrap_difference,
    compare,
    headline,
    parse_split,
    two_proportion_test,
)
from toolkit.analysis.coverage import metric_coverage, unlocking_columns
from toolkit.analysis.hours_report import (
    HoursReport,
    default_candidates,
    hours_report,
    opening_hours_whatif,
)
from toolkit.analysis.peaks import (
    event_summary,
    events_frame,
    holiday_events,
    in_periods,
    peak_buckets,
    peak_periods,
)
from toolkit.analysis.queue import Rule, default_rules, queue, read_rules, spike
from toolkit.analysis.staffing import agents_needed, erlang_c, service_level, staffing
from toolkit.calendar.business_hours import BusinessCalendar, hour_of_week_open
from toolkit.calendar.events import Event, parse_event, parse_events, promotion
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
from toolkit.errors import DataError
from toolkit.io.customers import CustomersResult, load_customers, read_customers
from toolkit.io.load import LoadResult, load, read_messages, read_table
from toolkit.io.presets import PRESETS, detect_preset
from toolkit.io.quality import QualityIssue, QualityReport
from toolkit.io.timestamps import parse_timestamps
from toolkit.measures.deflection import (
    DEFAULT_DEFLECTION_PHRASES,
    deflection_phrase_counts,
    detect_deflection,
)
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
from toolkit.plugins import load_plugins
from toolkit.present.format import duration as format_duration
from toolkit.sample import sample_path

__all__ = [
    "CARE_TRIGGERS",
    "DEFAULT_DEFLECTION_PHRASES",
    "PRESETS",
    "BusinessCalendar",
    "CustomersResult",
    "DataError",
    "Event",
    "FactTables",
    "HoursReport",
    "LoadResult",
    "Metric",
    "MetricContext",
    "QualityIssue",
    "QualityReport",
    "Rule",
    "Split",
    "add_language",
    "add_sentiment",
    "agent_report",
    "agents_needed",
    "available_metrics",
    "benjamini_hochberg",
    "bootstrap_difference",
    "bot_summary",
    "care_trigger_expr",
    "channel_mix",
    "channel_switches",
    "compare",
    "conversations",
    "default_candidates",
    "default_rules",
    "deflection_phrase_counts",
    "detect_deflection",
    "detect_mentions",
    "detect_preset",
    "erlang_c",
    "event_summary",
    "events_frame",
    "format_duration",
    "get_metric",
    "handling_by_channel",
    "handling_times",
    "headline",
    "holiday_events",
    "hour_of_week_open",
    "hours_report",
    "in_periods",
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
    "parse_events",
    "parse_split",
    "parse_timestamps",
    "peak_buckets",
    "peak_periods",
    "promotion",
    "queue",
    "read_customers",
    "read_messages",
    "read_rules",
    "read_table",
    "register_metric",
    "request_types_by_channel",
    "robust_z",
    "sample_path",
    "satisfaction_breakdown",
    "sentiment_drivers",
    "sentiment_label",
    "sentiment_series",
    "service_level",
    "set_care_triggers",
    "spike",
    "staffing",
    "top_replies",
    "top_topics",
    "topic_volumes",
    "transition_matrix",
    "turns",
    "two_proportion_test",
    "unlocking_columns",
    "unregister_metric",
    "volumes",
]
