# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Adding your own metric
#
# The KPIs of the toolkit are not a fixed list: each one is an entry in a registry
# (`toolkit/metrics.py`). A metric you register is computed by `toolkit.kpis` for every grouping,
# compared with a confidence interval and a test by `compare`, and offered by the app, without
# touching any of that code.
#
# Here we add two metrics a care team asked for:
#
# * **share of turns answered within 15 minutes**, a tighter target than the 1-hour SLA;
# * **share of turns in which the customer wrote 3 or more messages** before getting a reply, a
#   sign of customers chasing an answer.
#
# We define them in the notebook, see them by channel and in a comparison, then move them into a
# plugin file so that the app shows them too. The data is the bundled sample (synthetic: two
# brands, five channels).

# %%
import os
from pathlib import Path

import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.analysis.compare import compare
from toolkit.io.load import read_messages
from toolkit.core.metrics import Metric, register_metric, unregister_metric
from toolkit.sample.notebook_data import SAMPLE_PATH
from toolkit.plugins import load_plugins
from toolkit.sample.generate import TEAM_TIMEZONE

pl.Config.set_tbl_rows(12)
pl.Config.set_tbl_width_chars(160)

messages = read_messages(SAMPLE_PATH)
print(f"{messages.height:,} messages from {SAMPLE_PATH.name}")

# %% [markdown]
# ## What a metric is
#
# A metric is a **statistic** (`count`, `sum`, `mean`, `median`, `p90`, `share`, `n_unique`) of a
# **value** (a polars expression, one value per row) over the **eligible rows** (`where`, another
# expression) of one fact table (`level`): `"messages"`, `"turns"` or `"conversations"`.
# Because the per-row values are explicit, the comparison engine can bootstrap and test any metric.
#
# Which columns can an expression use? Those of the fact table. For turns:

# %%
tables = toolkit.kpi_tables(messages)
print(tables.turns.collect_schema().names())

# %% [markdown]
# `inbound_messages` is the number of customer messages in the turn, `response_seconds` the time
# to the first human reply, `answered_at` is null for an unanswered turn and `waited_seconds` is
# how long the turn had waited when the data ends (its response time when answered).
#
# ## Define the two metrics
#
# Within 15 minutes is an SLA-like rate, so it treats unanswered turns like SLA compliance does:
# a turn that waited more than 15 minutes without an answer is a miss; one still waiting less than
# that when the data ends is undecided and left out (`where`). Without that rule, the last minutes
# of every export would look like failures.

# %%
FIFTEEN_MINUTES = 15 * 60
answered = pl.col("answered_at").is_not_null()

register_metric(
    Metric(
        name="answered_within_15min",
        level="turns",
        stat="share",
        value=(answered & (pl.col("response_seconds") <= FIFTEEN_MINUTES)).fill_null(False),
        where=answered | (pl.col("waited_seconds") > FIFTEEN_MINUTES),
        description="share of turns answered within 15 minutes",
    ),
    replace=True,  # rerunning the cell redefines the metric instead of failing
)
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

NEW = ["answered_within_15min", "turns_3plus_messages"]
print([name for name in NEW if name in toolkit.metric_registry()])

# %% [markdown]
# ## In `kpis`, by channel
#
# Nothing else to do: `kpis` now has two more columns, for any `by=`.

# %%
by_channel = toolkit.kpis(messages, by="channel")
by_channel.select("channel", "turns", "reply_rate", "sla_compliance", *NEW)

# %%
long = by_channel.select(
    "channel",
    pl.col("answered_within_15min").alias("Answered within 15 min"),
    pl.col("sla_compliance").alias("Answered within 1 h (SLA)"),
).unpivot(index="channel", variable_name="target", value_name="share")

alt.Chart(long.to_pandas()).mark_bar().encode(
    y=alt.Y("channel:N", sort="-x", title=None),
    yOffset=alt.YOffset("target:N"),
    x=alt.X("share:Q", title="Share of customer turns (%)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    color=alt.Color("target:N", title=None, scale=alt.Scale(range=[charts.ORANGE, charts.BLUE])),
    tooltip=["channel:N", "target:N", alt.Tooltip("share:Q", format=".1%")],
).properties(
    width=560,
    height=alt.Step(14),
    title=alt.TitleParams(
        "The new metric next to the SLA, by channel",
        subtitle="Turns answered by a human within 15 minutes vs within the 1-hour SLA target",
    ),
)

# %% [markdown]
# ## In a comparison
#
# `compare` tests every registered metric too. Out of opening hours (the sample team is open
# Mon-Fri 08:00-20:00 and Sat 09:00-17:00, New York time) against in hours:

# %%
calendar = BusinessCalendar.parse("mon-fri 08:00-20:00; sat 09:00-17:00", timezone=TEAM_TIMEZONE, holidays="US")
hours = compare(messages, split="hours", calendar=calendar)
hours.filter(pl.col("metric").is_in(NEW)).select(
    "metric", "a_label", "a", "b_label", "b", "ci_low", "ci_high", "p_value", "direction"
)

# %% [markdown]
# And between two channels (`channel:A,B`: side a is chat, side b email):

# %%
channels = compare(messages, split="channel:chat,email", metrics=NEW)
channels.select("metric", "a_label", "a", "b_label", "b", "ci_low", "ci_high", "p_value", "direction")

# %% [markdown]
# ## In the app (and everywhere else): a plugin file
#
# The registry lives in the Python process. To make the app (or a script, or another notebook)
# know your metrics, put the definitions in a module and let `toolkit.plugins.load_plugins()`
# import it; the app calls it at start-up. It imports every module or `.py` file named in the
# environment variable `TOOLKIT_PLUGINS` (comma-separated), e.g.
# `TOOLKIT_PLUGINS=notebooks/my_metrics.py .venv/bin/streamlit run app.py`, and nothing else
# (a plugin is code: only what the person starting the app names runs).
#
# `notebooks/my_metrics.py` holds exactly the definitions above:

# %%
print(Path("my_metrics.py").read_text(encoding="utf-8"))

# %% [markdown]
# To prove the round trip, forget the notebook's definitions and load them back the way the app
# does. (`docs/extending.md` has the same example and the rules: names, levels, statistics, and
# metrics that depend on the SLA target or the calendar.)

# %%
for name in NEW:
    unregister_metric(name)
print("after unregistering:", [n for n in NEW if n in toolkit.kpis(messages).columns])

os.environ["TOOLKIT_PLUGINS"] = "my_metrics.py"
print("plugins loaded:", load_plugins(strict=True))
overall = toolkit.kpis(messages)
print("after load_plugins():", [n for n in NEW if n in overall.columns])

# %% [markdown]
# ## What the numbers say

# %%
row = overall.row(0, named=True)
ranked = by_channel.sort("answered_within_15min", descending=True)
best, worst = ranked.row(0, named=True), ranked.row(-1, named=True)
print(
    f"Overall, {row['answered_within_15min']:.0%} of decided customer turns were answered within 15 minutes, "
    f"against {row['sla_compliance']:.0%} within the 1-hour SLA; {row['turns_3plus_messages']:.1%} of turns "
    "took the customer 3 or more messages."
)
print(
    f"By channel the 15-minute share runs from {best['answered_within_15min']:.0%} on {best['channel']} "
    f"to {worst['answered_within_15min']:.0%} on {worst['channel']}."
)
for sentence in hours.filter(pl.col("metric").is_in(NEW))["sentence"]:
    print(sentence)
for sentence in channels["sentence"]:
    print(sentence)
