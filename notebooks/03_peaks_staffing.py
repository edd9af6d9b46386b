# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Peaks vs normal volume, and staffing
#
# A promotion or a holiday weekend brings two or three times the usual messages to the same
# team. What happens to response times then, and how many agents would the peak have needed?
#
# We work on the sample data, whose story has two planned peaks (an autumn sale and the Black
# Friday weekend) and the Thanksgiving closure. The steps carry over to your own log: declare your
# events, detect the peaks, compare, size the team.
#
# **How a peak is found.** Inbound messages are counted per local day; each day is compared with
# the same weekday over the whole log (median, and the median absolute deviation as a robust
# spread, floored at Poisson noise). A day is a peak when it is more than `K` spreads above its
# baseline. Declared events (promotions, holidays) are named on the peaks they overlap.

# %%
K = 3.0  # peak threshold, in robust spreads above the baseline
SLA_SECONDS = 3600
TARGET = 0.8  # staffing goal: 80 % of turns answered within the SLA
CONCURRENCY = 3  # conversations an agent handles at once on social channels

# %%
import datetime as dt

import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts
from toolkit.analysis.compare import compare
from toolkit.io.load import read_messages
from toolkit.sample.notebook_data import SAMPLE_PATH
from toolkit.analysis.peaks import in_periods, peak_buckets, peak_periods, promotion
from toolkit.sample.generate import TEAM_TIMEZONE, sample_story
from toolkit.analysis.staffing import staffing
from toolkit.app_state.view import Event
from toolkit.measures.volumes import volumes

pl.Config.set_tbl_rows(12)
pl.Config.set_tbl_width_chars(160)
# The response-time histograms take one value per turn (more than altair's default 5,000 rows);
# outputs are not stored in the repository, so embedding them in the live notebook is fine.
alt.data_transformers.disable_max_rows()

messages = read_messages(SAMPLE_PATH)
story = sample_story()
# The events a team would declare: what marketing planned and the holiday weekend.
declared = [story["promotion"][:3], story["holiday_peak"][:3]]
events = [promotion(name, first, last) for name, first, last in declared]
for name, first, last in declared:
    print(f"declared event: {name}, {first:%a %d %b} to {last:%a %d %b %Y}")

# %% [markdown]
# ## Find the peaks

# %%
days = peak_buckets(messages, bucket="day", k=K, timezone=TEAM_TIMEZONE)
peaks = peak_periods(messages, bucket="day", k=K, timezone=TEAM_TIMEZONE, events=events, buckets=days)
peaks

# %%
daily = volumes(messages, every="1d", timezone=TEAM_TIMEZONE).rename(
    {"bucket": "period", "inbound_messages": "inbound", "outbound_messages": "outbound"}
)
charts.volume_timeline(
    daily,
    every="1d",
    series=(("inbound", "Customer messages"),),
    peaks=days.filter("is_peak").rename({"bucket": "period", "inbound_messages": "inbound"}),
    events=[Event(name, first, last) for name, first, last in declared],
    title="Customer messages per day",
    subtitle=f"Red: peak days (more than {K:g} robust spreads above the same weekday's median); shaded: declared events",
).properties(width=640)

# %% [markdown]
# ## Peak vs normal: what changes
#
# `compare(split="peak")` puts every turn that starts during a peak period against the turns at
# normal times, with bootstrap confidence intervals and tests. We pass the peak periods found
# above so that the comparison uses exactly those days.

# %%
KEY = ["turns", "reply_rate", "frt_median_s", "art_median_s", "art_p90_s", "sla_compliance"]
peak_vs_normal = compare(messages, split="peak", peaks=peaks, sla=SLA_SECONDS, metrics=KEY)
peak_vs_normal.select("metric", "a_label", "a", "b_label", "b", "ratio", "ci_low", "ci_high", "p_value", "direction")

# %%
peak_turns = toolkit.turns(messages).filter(in_periods("start", peaks["start"], peaks["end"]))
charts.distribution_chart(
    peak_turns["response_seconds"],
    title="Response times on peak days",
    sla_seconds=SLA_SECONDS,
).properties(width=640)

# %% [markdown]
# ## Staffing: agents needed vs agents there
#
# `staffing` sizes the team per hour of the week with the Erlang C queueing model (turns arrive
# at random at the observed rate; each takes the observed handling time; an agent works
# `CONCURRENCY` conversations at once) for the goal "80 % of turns answered within 1 hour", and
# puts next to it the agents who actually replied in that hour. It is a model: it assumes
# steady arrivals within the hour and patient customers, so read it as an order of magnitude.
#
# First a normal week: the whole log outside the peaks.

# %%
normal = messages.filter(~in_periods("created_at", peaks["start"], peaks["end"]))
normal_staff = staffing(normal, sla=SLA_SECONDS, target=TARGET, concurrency=CONCURRENCY, timezone=TEAM_TIMEZONE)
charts.hour_of_week_heatmap(
    normal_staff,
    value="agents_active",
    title="Agents replying, by hour of a normal week",
    value_title="Agents active (average)",
    fmt=".1f",
    subtitle=f"Local time {TEAM_TIMEZONE}; peak days left out",
).properties(width=640)

# %%
normal_staff.select(
    pl.col("agents_needed").max().alias("most agents needed in an hour"),
    pl.col("agents_active").max().alias("most agents active in an hour"),
    pl.col("short").sum().alias("hours of the week short"),
    (pl.col("short") & (pl.col("agents_active") == 0)).sum().alias("of which nobody active"),
)

# %% [markdown]
# Now the Black Friday weekend alone: three days, so each of their hours occurs once and the
# model sees the peak's own arrival rate, hour by hour.

# %%
bf_name, bf_first, bf_last = story["holiday_peak"][:3]
local_day = pl.col("created_at").dt.convert_time_zone(TEAM_TIMEZONE).dt.date()
weekend = messages.filter(local_day.is_between(bf_first, bf_last))
peak_staff = (
    staffing(weekend, sla=SLA_SECONDS, target=TARGET, concurrency=CONCURRENCY, timezone=TEAM_TIMEZONE)
    .filter(pl.col("weekday") >= 5)  # Friday to Sunday: the days the weekend covers
    .with_columns(
        slot=pl.col("weekday").replace_strict({5: "Fri", 6: "Sat", 7: "Sun"}, return_dtype=pl.String)
        + " "
        + pl.col("hour").cast(pl.String).str.zfill(2)
        + "h"
    )
)
peak_long = peak_staff.select(
    "slot",
    pl.col("agents_needed").cast(pl.Float64).alias("needed (Erlang C)"),
    pl.col("agents_active").alias("active (replied in that hour)"),
).unpivot(index="slot", variable_name="agents", value_name="count")
alt.Chart(peak_long.to_pandas()).mark_line(point=True).encode(
    x=alt.X("slot:N", sort=None, title="Local hour, Friday to Sunday", axis=alt.Axis(labelAngle=-90, labelFontSize=8)),
    y=alt.Y("count:Q", title="Agents"),
    color=alt.Color("agents:N", title=None, scale=alt.Scale(range=[charts.BLUE, charts.RED])),
    tooltip=["slot:N", "agents:N", alt.Tooltip("count:Q", format=".1f")],
).properties(
    width=680,
    height=260,
    title=alt.TitleParams(
        f"{bf_name}: agents needed vs agents replying",
        subtitle=f"Goal {TARGET:.0%} of turns within {SLA_SECONDS // 60} min; {CONCURRENCY} conversations per agent",
    ),
)

# %% [markdown]
# ## What the numbers say

# %%
print(
    f"{peaks.height} peak period(s) found with k = {K:g}: "
    + "; ".join(
        f"{r['start']:%d %b}-{(r['end'] - dt.timedelta(days=1)):%d %b} ("
        + (f"{r['ratio']:.1f}x baseline" if r["ratio"] is not None else "too few messages to compare")
        + (f", {r['events']}" if r["events"] else ", no declared event")
        + ")"
        for r in peaks.iter_rows(named=True)
    )
    + "."
)
for sentence in peak_vs_normal.filter(pl.col("metric") != "turns")["sentence"]:
    print(sentence)
open_short = peak_staff.filter(pl.col("short") & (pl.col("agents_active") > 0))
closed_short = peak_staff.filter(pl.col("short") & (pl.col("agents_active") == 0))
print(
    f"During {bf_name} the queueing model needs at most {peak_staff['agents_needed'].max()} agent(s) in an hour, "
    f"while up to {peak_staff['agents_active'].max():.0f} replied; {open_short.height} hours were short while "
    f"agents were working and {closed_short.height} hours had customers writing but nobody replying."
)
if open_short.height == 0:
    print(
        "So by the model, the peak slowdown is not a headcount problem in the hours the team works: "
        "look at how work is organised during peaks (queues, routing, templates) and at the hours nobody covers."
    )
else:
    print("Some working hours were understaffed by the model: add agents there first.")
