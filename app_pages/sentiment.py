"""Sentiment & deflection: customer sentiment over time and its conversion, deflections, CSAT/NPS."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit import charts
from toolkit.report import Figure, Table

LABELS = {
    "customer_sentiment_mean": "Sentiment (−1 to 1)",
    "sentiment_conversion_rate": "Negative → positive",
    "sentiment_neutral_or_better_rate": "Negative → neutral or better",
    "deflection_rate": "Deflection rate",
    "csat": "CSAT (4–5 of 5)",
    "nps": "NPS",
}
OUTCOME_METRICS = (
    "customer_sentiment_mean", "sentiment_conversion_rate", "sentiment_neutral_or_better_rate",
    "deflection_rate", "csat", "csat_responses", "nps", "nps_responses",
)

frame = common.page("Sentiment & deflection", "sentiment")
if frame is not None:
    v, ds, f = frame
    metrics = common.supported_metrics(v)
    shown = [n for n in OUTCOME_METRICS if n in metrics]
    sections: list = []
    if not shown:
        st.info("This log has no sentiment, deflection, CSAT or NPS columns. The Data page lists which columns unlock which metrics.")
    else:
        row = compute.metrics_by(v, None, tuple(shown)).row(0, named=True)
        cols = st.columns(min(4, len(shown)))
        for i, name in enumerate([n for n in shown if not n.endswith("_responses")]):
            value = f"{row[name]:+.0f}" if name == "nps" and row.get(name) is not None else common.fmt_value(metrics[name], row.get(name))
            cols[i % len(cols)].metric(LABELS.get(name, name.replace("_", " ")), value, help=metrics[name].description, border=True)

    if "sentiment" in f.messages.columns:
        every = "1w" if compute.default_every(v) != "1h" else "1d"
        ser = compute.call(v, "sentiment", "sentiment_series", (("every", every), ("timezone", f.timezone)))
        if isinstance(ser, pl.DataFrame) and ser.height:
            long = ser.select(
                pl.col("period").dt.replace_time_zone(None),
                pl.col("negative_share").alias("Negative"), pl.col("neutral_share").alias("Neutral"), pl.col("positive_share").alias("Positive"),
            ).unpivot(index="period", variable_name="label", value_name="share")
            chart = (
                alt.Chart(long.to_pandas())
                .mark_area()
                .encode(
                    x=alt.X("period:T", title=None, axis=alt.Axis(format="%d %b")),
                    y=alt.Y("share:Q", stack="normalize", title="Share of customer messages", axis=alt.Axis(format="%")),
                    color=alt.Color("label:N", title=None, sort=["Negative", "Neutral", "Positive"], scale=alt.Scale(domain=["Negative", "Neutral", "Positive"], range=[charts.RED, "#d1d5db", charts.GREEN])),
                    order=alt.Order("label:N"),
                    tooltip=[alt.Tooltip("period:T", format="%d %b %Y"), "label:N", alt.Tooltip("share:Q", format=".0%")],
                )
                .properties(title=charts._title("Customer sentiment per week" if every == "1w" else "Customer sentiment per day", "Share of customer messages by sentiment label"))
            )
            chart = charts._finish(chart, height=240)
            common.chart(chart, "sentiment_trend", key="s_trend")
            sections.append(Figure(chart))
        drivers = compute.call(v, "sentiment", "sentiment_drivers", (("n", 15),))
        if isinstance(drivers, pl.DataFrame) and drivers.height:
            with st.expander("Conversations that moved sentiment most"):
                common.table(drivers, "sentiment_drivers", key="s_drivers")

    st.subheader("Deflection to private channels")
    if "deflected_to" in f.messages.columns:
        by = compute.metrics_by(v, "channel", ("deflection_rate", "conversations")) if "channel" in f.options else pl.DataFrame()
        if by.height and "deflection_rate" in by.columns:
            bars = charts.ranked_bars(by, label="channel", value="deflection_rate", title="Deflection rate by channel", value_title="Conversations moved to phone, email or chat", fmt=".1%")
            common.chart(bars, "deflection_by_channel", key="s_defl")
            sections.append(Figure(bars))
    elif "text" in f.messages.columns:
        phrases = compute.call(v, "deflection", "deflection_phrase_counts")
        if isinstance(phrases, pl.DataFrame):
            st.caption("No deflection column: deflections detected from phrases in the replies.")
            common.table(phrases, "deflection_phrases", key="s_phr")
            sections.append(Table("Deflection phrases", phrases))
    else:
        st.caption("Needs a deflected_to column or reply text.")

    if {"csat", "nps"} & set(f.messages.columns):
        st.subheader("Satisfaction")
        sat = compute.call(v, "satisfaction", "satisfaction_breakdown", (("by", "channel"),) if "channel" in f.options else ())
        if isinstance(sat, pl.DataFrame):
            common.table(sat, "satisfaction", key="s_sat")
            sections.append(Table("Satisfaction", sat))
    common.report_button(v, ds, "Sentiment & deflection", lambda: sections, key="sentiment")
