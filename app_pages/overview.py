"""Overview: KPI cards with the change vs the previous period, volume and response-time trends."""

from __future__ import annotations

import streamlit as st

from app_pages import common, compute
from toolkit.present import charts
from toolkit.present.i18n import N_, _
from toolkit.present.markdown import escape_markdown

frame = common.page(_("Overview"), "overview")
if frame is not None:
    v, ds, f = frame
    windows = {"28": _("Last 28 days"), "7": _("Last 7 days"), "all": _("Whole date range")}
    first = compute.default_window(v)
    window = st.segmented_control(
        _("KPI period"), list(windows), format_func=windows.get, default=v.get("window", first) if v.get("window", first) in windows else first, key="o_window"
    ) or first
    v = v.with_extra("window", "" if window == first else window)
    common.set_view(v)

    cards = compute.kpi_cards(v, window)
    st.caption(escape_markdown(cards.caption))
    for row in (cards.items[:4], cards.items[4:8]):
        cols = st.columns(4)
        for col, item in zip(cols, row, strict=False):
            col.metric(item.label, item.value, item.delta, delta_color=item.delta_color, help=item.help, border=True)

    with st.expander(_("All metrics (including metrics registered by researchers)")):
        common.table(cards.all_metrics, "metrics", key="o_metrics", hide=("description",))

    every = compute.default_every(v)
    series = compute.volume_series(v, every)
    s = common.settings_of(v, ds)
    vol = charts.volume_timeline(
        series.volumes,
        every=every,
        series=(("inbound", _("Inbound (customers)")), ("outbound", _("Replies (brand)"))),
        peaks=series.peaks,
        events=s.events,
        subtitle=compute.timeline_subtitle(v, every, _("Red dots: peaks (far above the usual volume for that hour or weekday) · shaded: events")),
    )
    pick = common.chart(vol, "volume_trend", key="o_volume", select=True)
    if pick:
        st.markdown(_(compute.CONVERSATIONS_IN.get(every, N_("**Conversations that started in the selected period**"))))
        common.table(compute.conversations_in_bucket(v, pick, every), "conversations", key="o_pick")
    else:
        st.caption(_("Click a point on the volume chart to list the conversations behind it."))
    rt = charts.response_time_trend(
        series.response, periods=series.volumes["period"], every=every, sla_seconds=v.sla_seconds, title=_(compute.RESPONSE_TIME_PER.get(every, N_("Response time per period"))),
        subtitle=_("Answered turns by the period they started in (periods with 5+ turns) · dashed red: SLA target"),
    )
    if (series.response["turns"].fill_null(0) >= 5).any():
        common.chart(rt, "response_time_trend", key="o_rt")
    else:  # an empty frame with a target line says nothing: say why instead
        st.caption(_("Response time per period is not drawn: no period has 5 or more answered turns."))

    common.report_button(v, ds, _("Overview"), lambda: compute.overview_report(v, window), key="overview")
