"""Response times: distributions with medians, SLA, business hours vs overall, opening-hours what-if."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit.present import charts
from toolkit.present import format as fmt
from toolkit.present.i18n import _
from toolkit.present.markdown import escape_markdown
from toolkit.present.report import Figure, Table, Text

#: Fewest answered turns behind a cell of the hour-of-week heatmap (the trend charts' rule).
MIN_CELL_TURNS = 5

frame = common.page(_("Response times"), "response-times")
if frame is not None:
    v, ds, f = frame
    t = common.filtered(v).turns.select("is_first", "answered_at", "response_seconds").collect()
    kpi = compute.metrics_by(v, None)
    row = kpi.row(0, named=True) if kpi.height else {}
    metrics = common.supported_metrics(v)
    cols = st.columns(4)
    for col, name, label in zip(
        cols,
        ("frt_median_s", "frt_p90_s", "art_median_s", "sla_compliance"),
        (_("First response (median)"), _("First reply, 90% within"), _("All turns (median)"), _("SLA compliance ({minutes} min)").format(minutes=fmt.number(v.sla_minutes, decimals=1))),
        strict=True,
    ):
        col.metric(label, common.fmt_value(metrics.get(name), row.get(name)), help=common.metric_help(name, metrics.get(name)), border=True)

    a, b = compute.date_range(v)
    st.caption(_("{period}: the dates chosen in the sidebar (the Overview's cards cover their own KPI period, "
                 "so their figures can differ).").format(period=fmt.date_range(a, b)))
    left, right = st.columns(2)
    first = t.filter(pl.col("is_first") & pl.col("answered_at").is_not_null())["response_seconds"]
    allt = t.filter(pl.col("answered_at").is_not_null())["response_seconds"]
    d1 = charts.distribution_chart(first, title=_("First response time"), sla_seconds=v.sla_seconds)
    d2 = charts.distribution_chart(allt, title=_("Response time, all answered turns"), sla_seconds=v.sla_seconds)
    with left:
        common.chart(d1, "first_response_distribution", key="rt_d1")
    with right:
        common.chart(d2, "response_distribution", key="rt_d2")

    st.subheader(_("SLA"))
    a, b = st.columns([1, 2])
    with a:
        common.table(compute.sla_breakdown(v), "sla_status", key="rt_sla")
        st.caption(_("Pending: not answered yet and still inside the target at the end of the data; left out of compliance."))
    with b:
        by_channel = compute.metrics_by(v, "channel", ("sla_compliance", "turns")) if "channel" in f.options else pl.DataFrame()
        if by_channel.height > 1:
            common.chart(
                charts.ranked_bars(by_channel, label="channel", value="sla_compliance", title=_("SLA compliance by channel"), value_title=_("Turns answered within target"), fmt=".0%"),
                "sla_by_channel", key="rt_slach",
            )

    heat = compute.response_hour_of_week(v)
    # A median of one or two replies is noise: cells with fewer than MIN_CELL_TURNS answered turns
    # are left blank (as the trend's thin days are gaps). The legend's unit fits the typical cell
    # (the colour scale stops at the 95th percentile).
    heat = heat.with_columns(pl.when(pl.col("turns") >= MIN_CELL_TURNS).then(pl.col("median_minutes")).alias("median_minutes"))
    heat_unit, heat_size = fmt.duration_unit([(heat["median_minutes"] * 60).quantile(0.95) if heat.height else None])
    open_grid = compute.open_hours_grid(v)
    hm = charts.hour_of_week_heatmap(
        heat.with_columns(median_in_unit=pl.col("median_minutes") * 60 / heat_size), value="median_in_unit",
        title=_("Median response time by hour of the week"), value_title=_('Median response ({heat_unit})').format(heat_unit=heat_unit),
        fmt=",.0f", scheme="orangered", open_hours=open_grid,
        subtitle=_("Blank: fewer than {n} answered turns in that hour").format(n=MIN_CELL_TURNS)
        + (_(" · outlined: opening hours") if open_grid is not None else ""),
    )
    pick = common.chart(hm, "response_heatmap", key="rt_heat", select=True)
    if pick:
        st.markdown(_("**Conversations that started in the selected hour**"))
        common.table(compute.conversations_in_cell(v, pick), "conversations", key="rt_pick")
    else:
        st.caption(_("Click a cell to list the conversations behind it."))

    st.subheader(_("Business hours vs overall"))
    report = compute.hours_report(v)
    if report is None:
        st.info(_("Set the team's opening hours in the sidebar Settings to compare business hours with overall."))
    if report is not None:
        st.markdown(f"**{escape_markdown(report.sentence)}**")
        common.table(report.table, "business_hours_vs_overall", key="rt_hours")
        if report.comparison is not None and report.comparison.height:
            with st.expander(_("How we know: out of hours vs in hours, measure by measure")):
                st.markdown(_(common.HOW_WE_KNOW_COMPARISON))
                common.table(report.comparison, "hours_tests", key="rt_htests")
        st.markdown(_("**What if we opened longer?** Share of the messages that now arrive while closed that each extension would cover."))
        extra_text = st.text_input(_("Try your own extra hours"), value=v.get("whatif"), key="rt_whatif", placeholder=_("e.g. sun 10:00-16:00"))
        common.set_view(v.with_extra("whatif", extra_text.strip()))
        extra = (("your hours: " + extra_text.strip(), extra_text.strip()),) if extra_text.strip() else ()
        try:
            whatif = compute.hours_whatif(v, extra)
        except (ValueError, KeyError) as exc:  # the typed hours do not parse
            st.error(escape_markdown(exc))
            whatif = compute.hours_whatif(v, ())
        if whatif is not None and whatif.height:
            common.chart(
                charts.ranked_bars(whatif, label="candidate", value="share_of_uncovered_covered", title=_("Opening-hours what-if"), value_title=_("Share of out-of-hours messages covered"), fmt=".0%"),
                "opening_hours_whatif", key="rt_whatif_chart",
            )
            common.table(whatif, "opening_hours_whatif", key="rt_whatif_table")

    def sections() -> list:
        out = [Figure(d1), Figure(d2), Table(_("SLA status"), compute.sla_breakdown(v)), Figure(hm)]
        if report is not None:
            out += [Text(report.sentence), Table(_("Business hours vs overall"), report.table)]
        return out

    common.report_button(v, ds, _("Response times"), sections, key="response_times")
