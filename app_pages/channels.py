"""Channels & journeys: KPIs per channel, channel switches, request types, bots."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit.measures.journeys import request_types_by_channel, transition_matrix
from toolkit.measures.topics import bot_summary, top_topics
from toolkit.present import charts
from toolkit.present.i18n import _
from toolkit.present.markdown import escape_markdown
from toolkit.present.report import Figure, Table

frame = common.page(_("Channels & journeys"), "channels")
if frame is not None:
    v, ds, f = frame
    if "channel" not in f.options or not f.options["channel"]:
        st.info(_("This log has no channel column."))
    by = compute.metrics_by(v, "channel")
    sections: list = []
    if by.height == 1:
        st.caption(_("All messages in this selection are on one channel ({v0}).").format(v0=escape_markdown(by["channel"][0])))
    if by.height > 1:
        left, right = st.columns(2)
        vol = charts.ranked_bars(by, label="channel", value="inbound_messages", title=_("Inbound messages by channel"), value_title=_("Messages"), fmt=",d")
        rt = charts.ranked_bars(
            by.with_columns(minutes=pl.col("frt_median_s") / 60), label="channel", value="minutes",
            title=_("First response time by channel"), value_title=_("Minutes (median)"), fmt=",.1f", color=charts.ORANGE,
        )
        with left:
            common.chart(vol, "inbound_by_channel", key="ch_vol")
        with right:
            common.chart(rt, "frt_by_channel", key="ch_rt")
        sections += [Figure(vol), Figure(rt)]
    if by.height:
        st.subheader(_("KPIs by channel"))
        # One row per measure, a column per channel: every KPI fits the page (the downloads keep
        # one row per channel).
        turned = common.measures_by(by, "channel") if "measure" not in by["channel"].to_list() else by
        common.table(turned, "kpis_by_channel", key="ch_kpis", export=by)
        sections.append(Table(_("KPIs by channel"), turned))

    st.subheader(_("Journeys: customers who change channel"))
    moves = compute.call(v, transition_matrix)
    if isinstance(moves, str):
        st.caption(escape_markdown(moves))
    elif moves.height:
        heat = charts.transition_heatmap(moves)
        common.chart(heat, "channel_switches", key="ch_moves")
        common.table(moves, "channel_switches", key="ch_movest")
        sections.append(Figure(heat))
    else:
        st.caption(_("No customer changed channel in this selection."))

    if "category" in f.messages.columns:
        st.subheader(_("Request types by channel"))
        types = compute.call(v, request_types_by_channel)
        if isinstance(types, pl.DataFrame):
            common.table(types, "request_types_by_channel", key="ch_types")
        top = compute.call(v, top_topics, (("by", "channel"), ("n", 3)))
        if isinstance(top, pl.DataFrame) and top.height:
            with st.expander(_("Top 3 topics per channel")):
                common.table(top, "top_topics", key="ch_top")
    bots = compute.call(v, bot_summary, (("by", "channel"),) if "channel" in f.options else ())
    if isinstance(bots, pl.DataFrame) and bots.height:
        st.subheader(_("Bots"))
        common.table(bots, "bots_by_channel", key="ch_bots")
    common.report_button(v, ds, _("Channels & journeys"), lambda: sections, key="channels")
