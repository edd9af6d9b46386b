# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Agents, coaching flags, and a before/after process change
#
# Two questions a team lead brings to the data:
#
# 1. **Which agents need coaching?** Not "the bottom of a ranking": someone is always last. An
#    agent is flagged only when two pieces of evidence agree: their median response time is far
#    above their peers' (a robust z-score on log times, over the agents of the same brand) *and*
#    a Mann-Whitney U test of their response times against their peers' is significant after the
#    Benjamini-Hochberg correction for testing many agents.
# 2. **Did the new reply workflow work?** The sample team changed its process on a known date;
#    a before/after comparison says what moved, with confidence intervals.
#
# Response times are counted in business hours here: an agent should not be blamed for the night.
# The data is the bundled sample (synthetic; its story plants slow agents and the process change).

# %%
SLA_SECONDS = 3600
HOURS = "mon-fri 08:00-20:00; sat 09:00-17:00"  # the sample team's opening hours

# %%
import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts
from toolkit.analysis.agents import agent_report
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.analysis.compare import compare
from toolkit.present.format import duration as format_duration
from toolkit.io.load import read_messages
from toolkit.sample.notebook_data import SAMPLE_PATH
from toolkit.sample.generate import TEAM_TIMEZONE, sample_story

pl.Config.set_tbl_rows(15)
pl.Config.set_tbl_width_chars(160)
pl.Config.set_fmt_str_lengths(120)

messages = read_messages(SAMPLE_PATH)
calendar = BusinessCalendar.parse(HOURS, timezone=TEAM_TIMEZONE, holidays="US")
change_name, change_date, _ = sample_story()["process_change"]
print(f"{messages['agent_id'].drop_nulls().n_unique()} agents; process change '{change_name}' on {change_date:%a %d %b %Y}")

# %% [markdown]
# ## The agent report
#
# One row per agent (within their brand): volumes, response times, SLA, handling time and
# outcomes, then the coaching statistics. Flagged agents come first, with a note in words.

# %%
report = agent_report(messages, sla=SLA_SECONDS, calendar=calendar)
report.select(
    "brand", "agent_id", "turns_answered", "art_bh_median_s", "sla_bh_compliance", "aht_s",
    "robust_z", "p_adjusted", "coaching_flag",
).head(10)

# %%
for row in report.filter("coaching_flag").iter_rows(named=True):
    print(f"{row['brand']} {row['agent_id']}: {row['coaching_note']}")

# %% [markdown]
# Each brand's agents against the brand's median (dashed line), in business minutes; flagged
# agents in orange.

# %%
brand = report.group_by("brand").agg(pl.len()).sort("len", descending=True)["brand"][0]
team = report.filter(pl.col("brand") == brand).with_columns(art_bh_median_min=pl.col("art_bh_median_s") / 60)
charts.ranked_bars(
    team,
    label="agent_id",
    value="art_bh_median_min",
    title=f"{brand}: median response time per agent",
    value_title="Median response time (business minutes)",
    fmt=",.0f",
    highlight="coaching_flag",
    reference=team["art_bh_median_min"].median(),
    reference_label=f"{brand} median",
    subtitle="Orange: flagged for coaching (robust z > 2.5 and BH-adjusted Mann-Whitney p < 0.05)",
).properties(width=560)

# %% [markdown]
# ## One agent against the peers
#
# `compare(split="agent:ID")` tests the flagged agent against everybody else on every metric.

# %%
flagged = report.filter("coaching_flag")
focus = flagged["agent_id"][0] if flagged.height else report.sort("robust_z", descending=True)["agent_id"][0]
agent_vs_peers = compare(
    messages, split=f"agent:{focus}", calendar=calendar, sla=SLA_SECONDS,
    metrics=["answered_turns", "art_bh_median_s", "sla_bh_compliance", "aht_s"],
)
agent_vs_peers.select("metric", "a_label", "a", "b_label", "b", "ci_low", "ci_high", "p_value", "direction")

# %% [markdown]
# ## Before and after the process change
#
# `compare(split="before:YYYY-MM-DD")` puts everything from that local date on (side a) against
# everything before (side b). Handling time (`aht_s`: agent working time per conversation) is the
# metric the new workflow was meant to move; response times and SLA show whether customers felt it.

# %%
before_after = compare(
    messages, split=f"before:{change_date.isoformat()}", calendar=calendar, timezone=TEAM_TIMEZONE,
    sla=SLA_SECONDS, metrics=["aht_s", "ht_median_s", "art_bh_median_s", "sla_compliance", "reply_rate"],
)
before_after.select("metric", "a_label", "a", "b_label", "b", "ci_low", "ci_high", "p_value", "direction")

# %%
weekly = toolkit.kpis(messages, every="1w", timezone=TEAM_TIMEZONE, metrics=["aht_s"]).with_columns(
    aht_min=pl.col("aht_s") / 60, period=pl.col("period").dt.replace_time_zone(None)
)
line = alt.Chart(weekly.to_pandas()).mark_line(point=True, color=charts.BLUE).encode(
    x=alt.X("period:T", title="Week starting", axis=alt.Axis(format="%d %b")),
    y=alt.Y("aht_min:Q", title="Average handling time per conversation (minutes)", scale=alt.Scale(zero=False)),
    tooltip=[alt.Tooltip("period:T", format="%d %b %Y"), alt.Tooltip("aht_min:Q", format=".1f", title="AHT (min)")],
)
rule = alt.Chart(alt.Data(values=[{"date": change_date.isoformat(), "label": change_name}])).mark_rule(
    color=charts.RED, strokeDash=[4, 3]
).encode(x="date:T", tooltip=["label:N"])
label = alt.Chart(alt.Data(values=[{"date": change_date.isoformat(), "label": change_name}])).mark_text(
    align="left", dx=4, dy=-110, color=charts.RED
).encode(x="date:T", text="label:N")
(line + rule + label).properties(
    width=620,
    height=260,
    title=alt.TitleParams("Handling time per week", subtitle=f"Dashed: {change_name} ({change_date:%d %b %Y})"),
)

# %% [markdown]
# ## What the numbers say

# %%
names = [f"{b} {a}" for b, a in flagged.select("brand", "agent_id").iter_rows()]
print(
    f"{flagged.height} of {report.height} agents (each counted within their brand) are flagged for coaching: "
    f"{', '.join(names) or 'none'}."
)
for sentence in agent_vs_peers.filter(pl.col("metric") != "answered_turns")["sentence"]:
    print(f"{focus} vs peers: {sentence}")
aht = before_after.filter(pl.col("metric") == "aht_s").row(0, named=True)
print(
    f"Since {change_name} ({change_date:%d %b}), average handling time is {format_duration(aht['a'])} per conversation "
    f"against {format_duration(aht['b'])} before ({aht['ratio'] - 1:+.0%}; 95% interval of the difference "
    f"{format_duration(abs(aht['ci_high']))} to {format_duration(abs(aht['ci_low']))} less)."
    if aht["ci_high"] is not None and aht["ci_high"] < 0
    else f"Handling time since {change_date:%d %b}: {format_duration(aht['a'])} vs {format_duration(aht['b'])} before; "
    "the interval of the difference includes no change."
)
for sentence in before_after.filter(pl.col("metric") != "aht_s")["sentence"]:
    print(sentence)
