# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A tour of the toolkit, on the sample data
#
# This notebook walks once through the toolkit: load a message log, get the KPIs, slice them by
# channel and over time, look at the distribution behind a median, and compare two groups with
# statistics. It runs on the bundled sample data: a synthetic inbox of two brands (Northwind and
# Contoso) on five channels over three months, in which effects are planted on purpose (see
# `sample_data/README.md`): slower replies at night and on Sundays, a promotion and a Black
# Friday peak, a process change, slow agents. The other notebooks dig into each of those.
#
# Every function used here takes and returns polars frames, so anything you see can be sliced
# further with ordinary polars.

# %%
import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.analysis.compare import compare
from toolkit.io.load import load
from toolkit.sample.notebook_data import SAMPLE_PATH
from toolkit.sample.generate import TEAM_TIMEZONE
from toolkit.measures.volumes import volumes

pl.Config.set_tbl_rows(12)
pl.Config.set_tbl_width_chars(160)
# The response-time histograms take one value per turn (more than altair's default 5,000 rows);
# outputs are not stored in the repository, so embedding them in the live notebook is fine.
alt.data_transformers.disable_max_rows()

# %% [markdown]
# ## 1. Load
#
# `load` reads CSV, TSV, Excel, Parquet or JSON lines, detects the column layout (here the
# `generic` preset: the canonical column names), parses the timestamps (ISO 8601 with and
# without offsets in this file) and accounts for every row in a quality report.
# `toolkit.read_messages(path)` is the same thing when you only want the frame.

# %%
result = load(SAMPLE_PATH)
messages = result.messages
print(result.quality)
print(f"preset {result.preset!r}; columns: {messages.columns}")
messages.head(5)

# %% [markdown]
# ## 2. The headline KPIs
#
# One call gives the whole contract: volumes, turns, reply rate, first and average response
# times (mean, median, 90th percentile, in seconds) and SLA compliance (default target 1 hour;
# unanswered turns count as missed once they have waited longer than the target).

# %%
overall = toolkit.kpis(messages)
overall.transpose(include_header=True, header_name="kpi", column_names=["value"])

# %% [markdown]
# ## 3. Slice: per channel
#
# `by=` takes any column (or several). Chat is a live channel and email a queue, so their
# response times differ by an order of magnitude.

# %%
by_channel = toolkit.kpis(messages, by="channel")
by_channel.select(
    "channel", "turns", "reply_rate", "frt_median_s", "art_median_s", "art_p90_s", "sla_compliance"
)

# %%
charts.ranked_bars(
    by_channel.with_columns(art_median_min=pl.col("art_median_s") / 60),
    label="channel",
    value="art_median_min",
    title="Median response time by channel",
    value_title="Median response time (minutes)",
    fmt=",.0f",
    subtitle="All answered customer turns, calendar time",
).properties(width=560)

# %% [markdown]
# ## 4. Over time
#
# `volumes` counts messages per local day (empty days included, as zeros); `kpis(..., every="1w")`
# gives the KPIs per week in the team's time zone. The promotion and Black Friday show up as
# bursts of volume, and the response time follows the load.

# %%
daily = volumes(messages, every="1d", timezone=TEAM_TIMEZONE).rename(
    {"bucket": "period", "inbound_messages": "inbound", "outbound_messages": "outbound"}
)
charts.volume_timeline(
    daily,
    every="1d",
    series=(("inbound", "Customer messages"), ("outbound", "Brand replies")),
    title="Messages per day",
    subtitle=f"Local days, {TEAM_TIMEZONE}",
).properties(width=640)

# %%
weekly = toolkit.kpis(messages, every="1w", timezone=TEAM_TIMEZONE)
charts.response_time_trend(
    weekly,
    every="1w",
    sla_seconds=3600,
    title="Response time per week",
    subtitle="Median and 90th percentile over all answered turns; dashed: the 1-hour SLA target",
).properties(width=640)

# %% [markdown]
# ## 5. Behind a median: the turn table
#
# The KPIs are statistics over fact tables. `toolkit.turns(messages)` has one row per customer
# turn (a run of consecutive customer messages) with its answer and response time; the histogram
# shows why medians lead and means mislead: a long tail of replies after nights and weekends.

# %%
turn_table = toolkit.turns(messages)
charts.distribution_chart(
    turn_table["response_seconds"],
    title="How long customers wait for a reply",
    sla_seconds=3600,
).properties(width=640)

# %% [markdown]
# ## 6. Business hours and a comparison with statistics
#
# The sample team is open Monday-Friday 08:00-20:00 and Saturday 09:00-17:00, New York time,
# closed on US holidays. With that calendar the KPIs add business-hours variants, and `compare`
# contrasts turns that start out of hours with those in hours: both values, the difference, a
# bootstrap confidence interval and a test, in a sentence.

# %%
calendar = BusinessCalendar.parse(
    "mon-fri 08:00-20:00; sat 09:00-17:00", timezone=TEAM_TIMEZONE, holidays="US"
)
hours = compare(
    messages,
    split="hours",
    calendar=calendar,
    metrics=["reply_rate", "frt_median_s", "art_median_s", "sla_compliance"],
)
hours.select("metric", "a_label", "a", "b_label", "b", "ci_low", "ci_high", "p_value", "direction")

# %% [markdown]
# ## What the numbers say

# %%
row = overall.row(0, named=True)
fastest = by_channel.sort("art_median_s").row(0, named=True)
slowest = by_channel.sort("art_median_s").row(-1, named=True)
skew = row["art_mean_s"] / row["art_median_s"]
print(
    f"{row['inbound_messages']:,} customer messages in {row['conversations']:,} conversations; "
    f"{row['reply_rate']:.0%} of {row['turns']:,} customer turns got a human reply, "
    f"{row['sla_compliance']:.0%} within the 1-hour target."
)
print(
    f"The median reply took {row['art_median_s'] / 60:,.1f} min, but the mean is {skew:.1f}x that "
    f"({row['art_mean_s'] / 60:,.1f} min): a long tail, which is why medians lead."
)
print(
    f"By channel, {fastest['channel']} is the fastest (median {fastest['art_median_s'] / 60:,.1f} min) "
    f"and {slowest['channel']} the slowest (median {slowest['art_median_s'] / 60:,.1f} min)."
)
busiest = daily.sort("inbound", descending=True).row(0, named=True)
print(
    f"The busiest day was {busiest['period']:%a %d %b %Y} with {busiest['inbound']:,} customer messages, "
    f"{busiest['inbound'] / daily['inbound'].median():.1f}x a median day."
)
for sentence in hours["sentence"]:
    print(sentence)
