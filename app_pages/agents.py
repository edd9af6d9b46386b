"""Agents: the team report with coaching flags backed by a robust statistic and a test."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit import charts
from toolkit.report import Figure, Table

frame = common.page("Agents", "agents")
if frame is not None:
    v, ds, f = frame
    report = compute.agents_table(v)
    if report is None:
        st.info("The team report needs an agent column (agent_id) and `toolkit.agents.agent_report`.")
    elif report.height == 0:
        st.info("No replies with an agent in this selection.")
    else:
        flagged = report.filter(pl.col("coaching_flag")) if "coaching_flag" in report.columns else pl.DataFrame()
        a, b, c = st.columns(3)
        a.metric("Agents", f"{report['agent_id'].n_unique():,}", border=True)
        b.metric("Flagged for coaching", f"{flagged.height:,}", border=True)
        team = compute.metrics_by(v, None, ("art_median_s",))
        team_median = team["art_median_s"][0] if team.height else None
        c.metric("Team median response", common.fmt_duration(team_median), border=True)
        for note in flagged["coaching_note"].head(8) if "coaching_note" in flagged.columns else []:
            st.warning(note)
        per_agent = report.group_by("agent_id").agg(
            pl.col("art_median_s").median(), pl.col("coaching_flag").any(), pl.col("turns_answered").sum()
        ).with_columns(minutes=pl.col("art_median_s") / 60)
        bars = charts.ranked_bars(
            per_agent, label="agent_id", value="minutes", title="Median response time by agent",
            value_title="Minutes (median over the turns they answered)", fmt=",.1f", highlight="coaching_flag",
            reference=(team_median / 60) if team_median else None, reference_label="team median",
            subtitle="Orange: flagged for coaching · dashed: team median",
        )
        common.chart(bars, "agents_response_time", key="a_bars")
        st.subheader("Team report")
        common.table(report, "agent_report", key="a_table")
        st.caption(
            "Flag: robust z-score above 2.5 against peers (same brand) and a Mann–Whitney test "
            "significant after Benjamini–Hochberg correction. Agents with few turns are not tested."
        )
        common.report_button(v, ds, "Agents", lambda: [Figure(bars), Table("Team report", report)], key="agents")
