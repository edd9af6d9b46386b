"""Compare: any split of the comparison engine, with intervals and tests in plain words."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit import charts
from toolkit.compare import headline
from toolkit.report import Figure, Table, Text

frame = common.page("Compare", "compare")
if frame is not None:
    v, ds, f = frame
    s = common.settings_of(v, ds)
    kinds = {"hours": "Out of hours vs in hours", "peak": "Peak vs normal", "before": "Before vs after a date"}
    for col, label in (("channel", "Channel vs channel"), ("brand", "Brand vs brand"), ("agent_id", "Agent vs peers"), ("category", "Category vs category")):
        if f.options.get(col):
            kinds[col] = label
    if s.events:
        kinds["event"] = "During an event vs the rest"
    current = v.split.partition(":")[0] if v.split else "hours"
    current = {"agent": "agent_id"}.get(current, current)
    kind = st.selectbox("Comparison", list(kinds), format_func=kinds.get, index=list(kinds).index(current) if current in kinds else 0, key="cmp_kind")
    arg = v.split.partition(":")[2] if v.split.partition(":")[0] in (kind, {"agent_id": "agent"}.get(kind)) else ""
    split = kind
    if kind == "hours" and f.calendar is None:
        st.info("Set opening hours in the sidebar Settings to compare in and out of hours.")
    if kind == "before":
        try:
            default = dt.date.fromisoformat(arg)
        except ValueError:
            default = f.first_day + (f.last_day - f.first_day) / 2
        day = st.date_input("Change date (after = from this day)", value=default, min_value=f.first_day, max_value=f.last_day, key="cmp_date")
        split = f"before:{day.isoformat()}"
    elif kind in ("channel", "brand", "category"):
        chosen = [x for x in arg.split(",") if x in f.options[kind]] or f.options[kind][:1]
        picked = st.multiselect("A (one value: vs all the others; two: A vs B)", f.options[kind], default=chosen, max_selections=2, key=f"cmp_{kind}")
        split = f"{kind}:{','.join(picked)}" if picked else ""
    elif kind == "agent_id":
        agent = st.selectbox("Agent", f.options["agent_id"], index=f.options["agent_id"].index(arg) if arg in f.options["agent_id"] else 0, key="cmp_agent")
        split = f"agent:{agent}"
    elif kind == "event":
        names = [e.name for e in s.events]
        name = st.selectbox("Event", names, index=names.index(arg) if arg in names else 0, key="cmp_event")
        split = f"event:{name}"
    common.set_view(v := v.replace(split=split))

    result = compute.comparison(v, split) if split else "Choose what to compare."
    if isinstance(result, str):
        st.info("Comparisons need `toolkit.compare`." if result == "missing" else result)
    else:
        st.markdown("#### What differs")
        for sentence in headline(result, 6) or ["No significant difference on any measure."]:
            st.markdown(f"- {sentence}")
        times = result.filter((pl.col("kind") == "time") & pl.col("difference").is_not_null())
        chart = None
        if times.height:
            data = times.select(
                pl.col("metric").map_elements(common._measure_label, return_dtype=pl.String), (pl.col("difference") / 60).alias("diff"), (pl.col("ci_low") / 60).alias("lo"), (pl.col("ci_high") / 60).alias("hi"),
                significant=pl.col("p_value") < 0.05,
            )
            a_label, b_label = result["a_label"][0], result["b_label"][0]
            base = alt.Chart(data.to_pandas()).encode(y=alt.Y("metric:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)))
            chart = charts._finish(
                alt.layer(
                    base.mark_rule(strokeWidth=2, color=charts.MUTED).encode(x=alt.X("lo:Q", title=f"Difference {a_label} − {b_label} (minutes, 95% interval)"), x2="hi:Q"),
                    base.mark_point(filled=True, size=80).encode(
                        x="diff:Q",
                        color=alt.condition("datum.significant", alt.value(charts.ORANGE), alt.value(charts.MUTED)),
                        tooltip=["metric:N", alt.Tooltip("diff:Q", format=",.1f", title="minutes"), alt.Tooltip("lo:Q", format=",.1f"), alt.Tooltip("hi:Q", format=",.1f")],
                    ),
                    alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=charts.INK).encode(x="x:Q"),
                ).properties(title=charts._title("Response-time differences", "Orange: significant at 5% (Mann–Whitney U)")),
                height=max(140, 26 * data.height),
            )
            common.chart(chart, "comparison_times", key="cmp_chart")
        common.table(result, "comparison", key="cmp_table")
        common.report_button(
            v, ds, f"Compare: {split}",
            lambda: [Text(x) for x in result["sentence"].head(6)] + ([Figure(chart)] if chart is not None else []) + [Table("Comparison", result.drop("split"))],
            key="compare",
        )
