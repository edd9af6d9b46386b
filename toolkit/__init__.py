"""Social customer-service KPIs from a message log, with polars.

>>> import toolkit
>>> messages = toolkit.read_messages("sample_data/sample_messages.csv")  # doctest: +SKIP
>>> toolkit.kpis(messages, by="channel")  # doctest: +SKIP
"""

from __future__ import annotations

from toolkit.errors import DataError
from toolkit.kpis import FactTables, kpi_tables, kpis
from toolkit.metrics import (
    Metric,
    MetricContext,
    available_metrics,
    get_metric,
    metric_registry,
    register_metric,
    unregister_metric,
)
from toolkit.turns import conversations, turns

__all__ = [
    "DataError",
    "FactTables",
    "Metric",
    "MetricContext",
    "available_metrics",
    "conversations",
    "get_metric",
    "kpi_tables",
    "kpis",
    "metric_registry",
    "register_metric",
    "turns",
    "unregister_metric",
]
