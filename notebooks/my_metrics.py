"""An example plugin: two metrics a researcher added, loaded by the toolkit, the CLI and the app.

Not a notebook: a plain module (notebook 06 explains it). Make the app load it with

    TOOLKIT_PLUGINS=notebooks/my_metrics.py .venv/bin/streamlit run app.py

(only what ``TOOLKIT_PLUGINS`` names is loaded).
``docs/extending.md`` walks through it.
"""

from __future__ import annotations

import polars as pl

from toolkit.core.metrics import Metric, register_metric

FIFTEEN_MINUTES = 15 * 60

answered = pl.col("answered_at").is_not_null()

# Share of customer turns answered by a human within 15 minutes. Like SLA compliance it is honest
# about censoring: a turn still waiting, but for less than 15 minutes when the data ends, could
# go either way, so it is left out; a turn waiting longer counts as a miss.
register_metric(
    Metric(
        name="answered_within_15min",
        level="turns",
        stat="share",
        value=(answered & (pl.col("response_seconds") <= FIFTEEN_MINUTES)).fill_null(False),
        where=answered | (pl.col("waited_seconds") > FIFTEEN_MINUTES),
        description="share of turns answered within 15 minutes",
    ),
    replace=True,  # re-running the plugin redefines the metric instead of failing
)

# Share of turns in which the customer had to write 3 or more messages before a reply: a sign of
# customers chasing an answer or splitting a question into pieces.
register_metric(
    Metric(
        name="turns_3plus_messages",
        level="turns",
        stat="share",
        value=pl.col("inbound_messages") >= 3,
        label="turns of 3 or more messages",
        polarity="lower",  # a share is "better" when higher by default; here fewer is better
        description="share of customer turns made of 3 or more messages",
    ),
    replace=True,
)

