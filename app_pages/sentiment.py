"""Sentiment & deflection: customer sentiment over time and its conversion, deflections, CSAT/NPS."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit.measures.deflection import deflection_phrase_counts
from toolkit.measures.satisfaction import satisfaction_breakdown
from toolkit.measures.sentiment import sentiment_drivers, sentiment_series
from toolkit.present import charts
from toolkit.present.i18n import N_, _
from toolkit.present.report import Figure, Table

LABELS = {
    "customer_sentiment_mean": N_("Sentiment (−1 to 1)"),
    "sentiment_conversion_rate": N_("Negative → positive"),
    "sentiment_neutral_or_better_rate": N_("Negative → neutral or better"),
    "deflection_rate": N_("Deflection rate"),
    "csat": N_("CSAT (4–5 of 5)"),
    "nps": N_("NPS"),
}
OUTCOME_METRICS = (
    "customer_sentiment_mean", "sentiment_conversion_rate", "sentiment_neutral_or_better_rate",
    "deflection_rate", "csat", "csat_responses", "nps", "nps_responses",
)

frame = common.page(_("Sentiment & deflection"), "sentiment")
if frame is not None:
    v, ds, f = frame
    metrics = common.supported_metrics(v)
    shown = [n for n in OUTCOME_METRICS if n in metrics]
    sections: list = []
    missing = common.unlock_notes(f, OUTCOME_METRICS)
    if missing:
        st.info(
            (_("This log has none of the sentiment, deflection, CSAT or NPS columns.") + " " if not shown else "")
            + " ".join(missing)
        )
    if shown:
        row = compute.metrics_by(v, None, tuple(shown)).row(0, named=True)
        cols = st.columns(min(4, len(shown)))
        for i, name in enumerate([n for n in shown if not n.endswith("_responses")]):
            value = f"{row[name]:+.0f}" if name == "nps" and row.get(name) is not None else common.fmt_value(metrics[name], row.get(name))
            cols[i % len(cols)].metric(_(LABELS[name]) if name in LABELS else name.replace("_", " "), value, help=common.metric_help(name, metrics[name]), border=True)

    if "sentiment" in f.messages.columns:
        every = "1w" if compute.default_every(v) != "1h" else "1d"
        ser = compute.call(v, sentiment_series, (("every", every), ("timezone", f.timezone)))
        if isinstance(ser, pl.DataFrame) and ser.height:
            chart = charts.sentiment_mix(ser, every=every)
            common.chart(chart, "sentiment_trend", key="s_trend")
            sections.append(Figure(chart))
        drivers = compute.call(v, sentiment_drivers, (("n", 15),))
        if isinstance(drivers, pl.DataFrame) and drivers.height:
            with st.expander(_("Conversations that moved sentiment most")):
                common.table(drivers, "sentiment_drivers", key="s_drivers")

    st.subheader(_("Deflection to private channels"))
    if "deflected_to" in f.messages.columns:
        by = compute.metrics_by(v, "channel", ("deflection_rate", "conversations")) if "channel" in f.options else pl.DataFrame()
        if by.height and "deflection_rate" in by.columns:
            bars = charts.ranked_bars(by, label="channel", value="deflection_rate", title=_("Deflection rate by channel"), value_title=_("Conversations moved to phone, email or chat"), fmt=".1%")
            common.chart(bars, "deflection_by_channel", key="s_defl")
            sections.append(Figure(bars))
    elif "text" in f.messages.columns:
        phrases = compute.call(v, deflection_phrase_counts)
        if isinstance(phrases, pl.DataFrame):
            st.caption(_("No deflection column: deflections detected from phrases in the replies."))
            common.table(phrases, "deflection_phrases", key="s_phr", hide=("deflection_phrase",))
            sections.append(Table(_("Deflection phrases"), phrases))
    else:
        st.caption(_("Needs where conversations were moved (phone, email, chat), or the text of the replies (deflections are then found from phrases such as \"please call us\")."))

    if {"csat", "nps"} & set(f.messages.columns):
        st.subheader(_("Satisfaction"))
        sat = compute.call(v, satisfaction_breakdown, (("by", "channel"),) if "channel" in f.options else ())
        if isinstance(sat, pl.DataFrame):
            common.table(sat, "satisfaction", key="s_sat")
            sections.append(Table(_("Satisfaction"), sat))
    common.report_button(v, ds, _("Sentiment & deflection"), lambda: sections, key="sentiment")
