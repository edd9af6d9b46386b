"""Volume & peaks: series with peaks and events marked, peak vs normal, staffing heatmap."""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import common, compute
from toolkit.analysis import thin
from toolkit.present import charts
from toolkit.present import format as fmt
from toolkit.present.i18n import _
from toolkit.present.markdown import escape_markdown
from toolkit.present.report import Figure, Table

frame = common.page(_("Volume & peaks"), "volume")
if frame is not None:
    v, ds, f = frame
    s = common.settings_of(v, ds)
    buckets = {"1h": _("Hourly"), "1d": _("Daily"), "1w": _("Weekly")}
    default_every = compute.default_every(v)
    every = st.segmented_control(_("Buckets"), list(buckets), format_func=buckets.get, default=v.get("every", default_every) or default_every, key="v_every") or default_every
    common.set_view(v := v.with_extra("every", "" if every == default_every else every))
    series = compute.volume_series(v, every)
    timeline = charts.volume_timeline(
        series.volumes, every=every, series=(("inbound", _("Inbound (customers)")), ("outbound", _("Replies (brand)"))),
        peaks=series.peaks, events=s.events,
        subtitle=compute.timeline_subtitle(v, every, _("Red dots: peaks (inbound far above the usual level for that hour/weekday) · shaded: events")),
    )
    pick = common.chart(timeline, "volume", key="v_timeline", select=True)
    if pick:
        st.markdown(_("**Conversations that started in the selected period**"))
        common.table(compute.conversations_in_bucket(v, pick, every), "conversations", key="v_pick")
    else:
        st.caption(_("Click a point to list the conversations that started in that period."))

    st.subheader(_("Peak periods"))
    peak_bucket = "day" if every != "1h" else "hour"
    peaks = compute.peak_table(v, peak_bucket)
    judged, peak_note = compute.peak_judgement(v, peak_bucket)
    if judged == 0 and peak_note:
        st.info(escape_markdown(peak_note))  # too thin to find peaks: say so, not "no peaks"
    elif peaks.height == 0:
        st.caption(_("No peak periods in this selection."))
        if peak_note:
            st.caption(escape_markdown(peak_note))
    else:
        common.table(peaks, "peak_periods", key="v_peaks")
        if peaks["ratio"].null_count():
            st.caption(_("Ratio: the period's inbound messages over the usual level for those hours or days, "
                         "shown when both count at least {n} messages; a dash means {too_few}.").format(
                n=thin.MIN_SAMPLE, too_few=_(thin.TOO_FEW)))
        if peak_note:
            st.caption(escape_markdown(peak_note))

    st.subheader(_("Peak vs normal"))
    # Peak vs normal compares peak *days* (the toolkit's default), whatever the chart's buckets.
    if compute.peak_judgement(v, "day")[0] == 0:
        st.caption(_("Not compared: too few messages to find peaks (see above)."))
    elif isinstance(result := compute.comparison(v, "peak"), str):
        st.info(escape_markdown(result))
    else:
        for sentence in common.headline_sentences(result) or [_("No significant difference between peaks and normal times.")]:
            st.markdown(f"- {escape_markdown(sentence)}")
        common.comparison_table(result, "peak_vs_normal", key="v_cmp")

    st.subheader(_("When customers write, and the staff it takes"))
    inbound = compute.inbound_hour_of_week(v)
    heat = charts.hour_of_week_heatmap(
        inbound, value="inbound_per_week", title=_("Inbound messages per hour of the week"), value_title=_("Messages per week"),
        fmt=",.0f", open_hours=compute.open_hours_grid(v),
    )
    common.chart(heat, "inbound_heatmap", key="v_heat")
    staff = compute.staffing_table(v)
    staffing_chart = None
    coverage = compute.agent_coverage(v)
    if staff.height and coverage is not None and coverage < compute.MIN_AGENT_COVERAGE:
        # Most replies do not name their agent (a Twitter export's sign-offs): agents active would
        # be an undercount and every hour "short"; say so instead of drawing a false shortfall.
        st.caption(_("Agents active per hour are not shown: only {share} of replies name their agent, so "
                     "they would be undercounted.").format(share=fmt.percent(coverage, decimals=0)))
    elif staff.height:
        needed = int(staff["agents_needed"].max() or 0)
        short_col = "short_while_open" if "short_while_open" in staff.columns else "short"
        staffing_chart = charts.hour_of_week_heatmap(
            staff, value="agents_active", title=_("Agents active per hour of the week, and where they fall short"),
            value_title=_("Agents active (avg)"), fmt=",.1f", scheme="greens",
            open_hours=staff.select("weekday", "hour", open_fraction=pl.col(short_col).cast(pl.Float64)),
            subtitle=_('Outlined: fewer agents active than needed to answer 80% within {sla_minutes:g} min (Erlang C, up to {needed} needed; 3 conversations at once per agent)').format(sla_minutes=v.sla_minutes, needed=needed),
        )
        common.chart(staffing_chart, "staffing_heatmap", key="v_staff")
        short = staff.filter(pl.col(short_col))
        if short.height:
            warning = (_("{height} hours of the week have fewer agents active while open than needed.") if short_col == "short_while_open"
                       else _("{height} hours of the week have fewer agents active than needed."))
            st.warning(warning.format(height=short.height))
        unjudged = int((~staff["enough_data"]).sum())
        if unjudged:
            st.caption(_("{n} hours of the week are not judged: the log holds fewer than {min_n} customer turns "
                         "in each of them.").format(n=fmt.count(unjudged), min_n=fmt.count(thin.MIN_SAMPLE)))
        with st.expander(_("Staffing table")):
            common.table(staff, "staffing", key="v_stafft")

    def sections() -> list:
        out = [Figure(timeline), Figure(heat)]
        if staffing_chart is not None:
            out.append(Figure(staffing_chart))
        if peaks.height:
            out.append(Table(_("Peak periods"), peaks))
        return out

    common.report_button(v, ds, _("Volume & peaks"), sections, key="volume")
