"""Agents: the team report with coaching flags; the statistics behind a flag in "How we know"."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit.measures.handling import handling_by_channel
from toolkit.present import charts
from toolkit.present import format as fmt
from toolkit.present.i18n import N_, _
from toolkit.present.markdown import escape_markdown
from toolkit.present.report import Figure, Table

#: The team report's columns shown in the table itself, in this order.
MAIN_COLUMNS = ("brand", "agent_id", "replies", "turns_answered", "frt_median_s", "art_median_s", "art_p90_s",
                "sla_compliance", "coaching_flag")
#: Columns behind a coaching flag, explained in "How we know" (and in the downloads).
STATISTICS = ("coaching_note", "coaching_evidence", "robust_z", "p_value", "p_adjusted")
#: Short headers for the on-screen table.
SHORT_HEADERS = {
    "turns_answered": N_("turns"),
    "frt_median_s": N_("first reply (median)"),
    "art_median_s": N_("reply (median)"),
    "art_p90_s": N_("reply, 90% within"),
    "sla_compliance": N_("within SLA"),
    "coaching_flag": N_("flagged"),
}

frame = common.page(_("Agents"), "agents")
if frame is not None:
    v, ds, f = frame
    report = compute.agents_table(v)
    if report is None:
        st.info(_("The team report needs the agent who wrote each reply: choose the file's agent column on the Data page."))
    elif report.height == 0:
        st.info(_("No replies with an agent in this selection."))
    else:
        # The best-measured agents first: a median of one or two replies is the least telling.
        report = report.sort("turns_answered", descending=True, maintain_order=True) if "turns_answered" in report.columns else report
        flagged = report.filter(pl.col("coaching_flag")) if "coaching_flag" in report.columns else pl.DataFrame()
        a, b, c = st.columns(3)
        a.metric(_("Agents"), fmt.count(report["agent_id"].n_unique()), border=True)
        b.metric(_("Flagged for coaching"), fmt.count(flagged.height), border=True)
        # The flags are judged in business time when there are opening hours: card and chart the same.
        bh = "art_bh_median_s" in report.columns and report["art_bh_median_s"].null_count() < report.height
        measure = "art_bh_median_s" if bh else "art_median_s"
        team = compute.metrics_by(v, None, (measure,))
        team_median = team[measure][0] if team.height and measure in team.columns else None
        c.metric(
            _("Team median response (business hours)") if bh else _("Team median response"),
            fmt.duration(team_median), border=True,
            help=_("Median time to reply over all answered turns, counting only the time the team is open.") if bh
            else _("Median time to reply over all answered turns."),
        )
        if flagged.height and "coaching_note" in flagged.columns:
            with st.container(border=True):
                st.markdown(_("**Coaching flags**"))
                for r in flagged.iter_rows(named=True):
                    who = f"{r['brand']} · {r['agent_id']}" if "brand" in r else r["agent_id"]
                    st.markdown(_(":orange[**{who}**] — {note}").format(
                        who=escape_markdown(who), note=escape_markdown(r["coaching_note"])))
        # One bar per agent of a brand (the same initials may sign for two brands).
        several = "brand" in report.columns and report["brand"].n_unique() > 1
        label = pl.concat_str(pl.col("brand"), pl.lit(" · "), pl.col("agent_id")) if several else pl.col("agent_id")
        min_turns = int(min(10, report["turns_answered"].max() or 0))
        per_agent = report.filter(pl.col("turns_answered") >= min_turns).select(
            label.alias("agent"), pl.col(measure).alias("art_median_s"), "coaching_flag", "turns_answered"
        )
        unit, size = fmt.duration_unit(per_agent["art_median_s"])
        per_agent = per_agent.with_columns(
            value=pl.col("art_median_s") / size,
            # Each bar's label as the one duration formatter writes it (one row per agent).
            written=pl.Series([fmt.duration(x) for x in per_agent["art_median_s"].to_list()], dtype=pl.String),
        )
        bars = charts.ranked_bars(
            per_agent, label="agent", value="value", text="written",
            title=_("Median response time by agent (business hours)") if bh else _("Median response time by agent"),
            value_title=_('{v0} (median over the turns they answered)').format(v0=unit.title()), fmt=",.1f", highlight="coaching_flag",
            reference=(team_median / size) if team_median else None, reference_label=_("team median"),
            subtitle=_('Agents with {min_turns}+ answered turns, slowest 25 · orange: flagged for coaching · dashed: team median').format(min_turns=min_turns),
        )
        common.chart(bars, "agents_response_time", key="a_bars")
        st.subheader(_("Team report"))
        # The columns a manager scans, under short headers (the full name is the header's
        # tooltip), so the table fits the page without scrolling sideways; the other figures sit
        # in "More about each agent" and every column is in the downloads.
        main = [c for c in MAIN_COLUMNS if c in report.columns]
        more = [c for c in report.columns if c not in main and c not in STATISTICS and report[c].null_count() < report.height]
        short = {common.measure_label(c): st.column_config.Column(label=_(label), help=common.measure_label(c))
                 for c, label in SHORT_HEADERS.items() if c in main}
        common.table(report, "agent_report", key="a_table", hide=tuple(c for c in report.columns if c not in main), column_config=short)
        if more:
            with st.expander(_("More about each agent")):
                keys = [c for c in ("brand", "agent_id") if c in report.columns]
                st.dataframe(common.display_frame(report.select(*keys, *more)), hide_index=True, key="a_more")
        with st.expander(_("How we know")):
            st.markdown(_(
                "An agent is flagged only when two checks agree, never from a ranking alone. "
                "**Far from the peers:** the agent's median response time is compared with the other "
                "agents of the same brand, in units of how much agents usually differ from one another "
                "(twice as slow counts the same in a fast or a slow team); beyond +2.5 is far. "
                "**Not chance:** all the agent's response times are compared with their peers'; the "
                "chance of a gap this large between agents who really work alike must be below 5%, "
                "after allowing for the number of agents checked at once (with many agents, some "
                "would look different by luck alone). Agents with fewer than 20 answered turns, or "
                "with fewer than 4 comparable peers, are not judged."
            ))
            evidence = flagged.filter(pl.col("coaching_evidence").is_not_null()) if "coaching_evidence" in flagged.columns else flagged.head(0)
            for r in evidence.iter_rows(named=True):
                who = f"{r['brand']} · {r['agent_id']}" if "brand" in r else r["agent_id"]
                st.markdown(_("**{who}**: {evidence}").format(who=escape_markdown(who), evidence=escape_markdown(r["coaching_evidence"])))
            st.caption(_("For analysts: a robust z-score on log response times and a Mann-Whitney test with the "
                         "Benjamini-Hochberg correction; every agent's figures are in the team report's downloads."))
    if "handle_seconds" in f.messages.columns:
        st.subheader(_("Handling time by channel"))
        handling = compute.call(v, handling_by_channel)
        if isinstance(handling, pl.DataFrame) and handling.height:
            for note in handling["note"].drop_nulls() if "note" in handling.columns else []:
                st.markdown(f"- {escape_markdown(note)}")
            # The ratio and its p-value are in the sentences above (and the downloads).
            common.table(handling, "handling_by_channel", key="a_handling", hide=("note", "aht_ratio_vs_rest", "p_value"))
    if report is not None and report.height:
        common.report_button(v, ds, _("Agents"), lambda: [Figure(bars), Table(_("Team report"), report.select(main))], key="agents")
