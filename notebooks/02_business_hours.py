# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Business hours vs overall response time, on real Twitter data
#
# A customer who tweets at 19:00 on a Friday and gets a reply on Monday at 09:30 waited
# 62 hours. A team that opens Monday at 09:00 answered in 30 minutes *of its own time*. Both
# numbers are true; they answer different questions: the first is what the customer lived, the
# second is how fast the team works when it is there. Reports that show only one of them mislead.
#
# This notebook measures both on the public "Customer Support on Twitter" data (ThoughtVector,
# Kaggle): per brand, first response time (FRT) in calendar time and counted only inside
# opening hours, then in-hours against out-of-hours turns with a statistical test.
#
# **Parameters.** `DATA_PATH` is the file to read. Leave it `None` to use the 5,000-row excerpt
# `../shared/realdata/twcs_head.csv` when it is beside the checkout (the synthetic sample data
# otherwise; the next cell says which). For the full data set, download `twcs.csv` from Kaggle
# ("Customer Support on Twitter" by ThoughtVector) and put its path here; everything below
# works unchanged, only slower. The opening hours are an assumption: twcs does not say when
# each brand's team works, so we try a common one (weekdays 09:00-18:00, New York time, US
# holidays). Change them and rerun.

# %%
DATA_PATH = None  # e.g. "~/data/twcs/twcs.csv"
HOURS = "mon-fri 09:00-18:00"
TIMEZONE = "America/New_York"
HOLIDAYS = "US"
SLA_SECONDS = 3600  # SLA target: 1 hour
TOP_BRANDS = 12  # brands shown in the charts (by number of customer turns)

# %%
import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.io.load import load
from toolkit.sample.notebook_data import resolve_data_path
from toolkit.measures.series import inbound_by_hour_of_week

pl.Config.set_tbl_rows(15)
pl.Config.set_tbl_width_chars(160)

path, description = resolve_data_path(DATA_PATH)
print(description)

# %% [markdown]
# ## Load the log
#
# `load` detects the layout (the `twcs` preset for Kaggle's columns), rebuilds conversations
# from the reply chains, names the brand of each conversation and reads the agent's sign-off
# (`^GA`, `-AB`) as `agent_id`. Its quality report accounts for every row of the file.

# %%
result = load(path)
messages = result.messages
print(f"preset: {result.preset}")
print(result.quality)
print(
    f"{messages.height:,} messages, {messages['conversation_id'].n_unique():,} conversations, "
    f"{messages['brand'].n_unique():,} brands"
)

# %% [markdown]
# ## The opening-hours calendar
#
# A `BusinessCalendar` knows the time zone (daylight-saving changes included), the weekly hours
# and the holidays. The KPIs then also report every time counted inside opening hours only
# (`frt_bh_*`, `art_bh_*`, `sla_bh_compliance`) and the share of turns that start in hours.

# %%
calendar = BusinessCalendar.parse(HOURS, timezone=TIMEZONE, holidays=HOLIDAYS)
print(f"Opening hours: {calendar.to_text()} ({TIMEZONE}), {calendar.open_seconds_per_week() / 3600:.0f} h a week")

# %% [markdown]
# ## When do customers write?
#
# Before comparing, look at when the work arrives. Each cell counts customer messages by local
# weekday and hour; the outlined cells are the assumed opening hours.

# %%
inbound_by_hour = inbound_by_hour_of_week(messages, calendar=calendar)
charts.hour_of_week_heatmap(
    inbound_by_hour,
    value="inbound_messages",
    title="Customer messages by hour of the week",
    value_title="Customer messages",
    open_hours=calendar.hour_of_week_open(),
    subtitle=f"Local time {TIMEZONE}; outlined: assumed opening hours {calendar.to_text()}",
).properties(width=640)

# %% [markdown]
# ## Per brand: calendar time vs business time
#
# `kpis(..., by="brand", calendar=...)` gives one row per brand with both families of numbers.
# We keep the brands with the most customer turns.

# %%
by_brand = toolkit.kpis(messages, by="brand", calendar=calendar, sla=SLA_SECONDS)
top = by_brand.filter(pl.col("brand").is_not_null()).sort("turns", descending=True).head(TOP_BRANDS)
top.select(
    "brand",
    "turns",
    "reply_rate",
    "in_hours_share",
    (pl.col("frt_median_s") / 60).round(1).alias("frt_median_min"),
    (pl.col("frt_bh_median_s") / 60).round(1).alias("frt_bh_median_min"),
    "sla_compliance",
    "sla_bh_compliance",
)

# %% [markdown]
# The chart puts the two medians side by side. A bar near zero in business time means that most
# of that brand's first replies came *while the assumed team was closed*: the turn started out of
# hours and was answered before opening time, so it cost no business time at all.

# %%
frt_long = top.select(
    "brand",
    (pl.col("frt_median_s") / 60).alias("Calendar time"),
    (pl.col("frt_bh_median_s") / 60).alias("Business hours only"),
).unpivot(index="brand", variable_name="measured in", value_name="minutes")

alt.Chart(frt_long.to_pandas()).mark_bar().encode(
    y=alt.Y("brand:N", sort=top["brand"].to_list(), title=None),
    yOffset=alt.YOffset("measured in:N"),
    x=alt.X("minutes:Q", title="Median first response time (minutes)"),
    color=alt.Color("measured in:N", title=None, scale=alt.Scale(range=[charts.BLUE, charts.ORANGE])),
    tooltip=["brand:N", "measured in:N", alt.Tooltip("minutes:Q", format=",.1f")],
).properties(
    width=560,
    height=alt.Step(11),
    title=alt.TitleParams(
        "Median first response time per brand",
        subtitle=f"Top {TOP_BRANDS} brands by customer turns; business hours = {calendar.to_text()} {TIMEZONE}",
    ),
)

# %% [markdown]
# ## Under the hood: the turn table
#
# Every KPI is a statistic over a fact table. `kpi_tables` exposes them, so a question the KPI
# list does not answer is one polars query away. Here: of the turns that start out of hours and
# get an answer, how many were answered before the team would have opened?

# %%
tables = toolkit.kpi_tables(messages, calendar=calendar, sla=SLA_SECONDS)
turn_table = tables.turns.collect()
out_of_hours_answered = turn_table.filter(~pl.col("in_hours") & pl.col("answered_at").is_not_null())
answered_while_closed = out_of_hours_answered.filter(pl.col("response_bh_seconds") == 0).height
print(
    f"{out_of_hours_answered.height:,} answered turns started out of hours; "
    f"{answered_while_closed:,} of them were answered before the team would have opened."
)

# %% [markdown]
# ## In hours vs out of hours, with statistics
#
# `compare(messages, split="hours")` puts the turns that start inside opening hours against those
# that start outside, with the difference, a bootstrap confidence interval and a test
# (Mann-Whitney U for times, a proportion test for rates), in sentences.

# %%
from toolkit.analysis.compare import compare

KEY_METRICS = ["reply_rate", "frt_median_s", "art_median_s", "sla_compliance"]
hours_comparison = compare(messages, split="hours", calendar=calendar, sla=SLA_SECONDS, metrics=KEY_METRICS)
hours_comparison.select("metric", "a_label", "b_label", "n_a", "n_b", "a", "b", "ci_low", "ci_high", "p_value", "direction")

# %% [markdown]
# ## What the numbers say
#
# The sentences below are built from the results above; rerun with other hours, another
# excerpt or the full file and they change with the data.

# %%
overall = toolkit.kpis(messages, calendar=calendar, sla=SLA_SECONDS).row(0, named=True)


def minutes(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 60:,.1f} min"


print(
    f"Over {overall['turns']:,} customer turns, the median first response took "
    f"{minutes(overall['frt_median_s'])} in calendar time and {minutes(overall['frt_bh_median_s'])} "
    f"counted in opening hours ({calendar.to_text()}, {TIMEZONE})."
)
print(
    f"Only {overall['in_hours_share']:.0%} of turns started inside those hours; "
    f"{answered_while_closed / max(out_of_hours_answered.height, 1):.0%} of the answered out-of-hours "
    "turns were answered before opening time. "
    + (
        "Most of the work happens outside the assumed hours: these brands answer around the clock, "
        "and a business-hours SLA would flatter them. Judge them on calendar time."
        if overall["in_hours_share"] < 0.5
        else "Most of the work happens inside the assumed hours, so business time is a fair view of the team's speed."
    )
)
gap = top.with_columns(gap=pl.col("frt_median_s") - pl.col("frt_bh_median_s")).sort("gap", descending=True)
biggest = gap.row(0, named=True)
print(
    f"The biggest gap among the top brands: {biggest['brand']}, median FRT {minutes(biggest['frt_median_s'])} "
    f"in calendar time vs {minutes(biggest['frt_bh_median_s'])} in business time."
)
print("In hours vs out of hours (side a = out of hours):")
for sentence in hours_comparison.get_column("sentence"):
    print(" -", sentence)
