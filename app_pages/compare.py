"""Compare: any split of the comparison engine, with intervals and tests in plain words."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages import common, compute
from toolkit.analysis.compare import split_registry
from toolkit.present import charts
from toolkit.present.i18n import _
from toolkit.present.markdown import escape_markdown

frame = common.page(_("Compare"), "compare")
if frame is not None:
    v, ds, f = frame
    s = common.settings_of(v, ds)
    registry = split_registry()
    kinds = {
        name: _(kind.label)
        for name, kind in registry.items()
        if not (kind.argument == "event" and not s.events) and not (kind.column and not f.options.get(kind.column))
    }
    for col, label in (("channel", _("Channel vs channel")), ("brand", _("Brand vs brand")), ("category", _("Category vs category"))):
        if f.options.get(col):
            kinds[col] = label
    # Out of hours vs in hours when the team has opening hours, else a comparison the log can
    # make: peak vs normal when peaks can be found at all, else the first other one (before/after).
    thin_peaks = compute.peak_judgement(v, "day")[0] == 0
    default = "hours" if f.calendar is not None else next(
        (k for k in kinds if not (k in registry and registry[k].needs_calendar) and not (k == "peak" and thin_peaks)), "hours"
    )
    current = v.split.partition(":")[0] if v.split else default
    kind = st.selectbox(_("Comparison"), list(kinds), format_func=kinds.get, index=list(kinds).index(current) if current in kinds else 0, key="cmp_kind")
    arg = v.split.partition(":")[2] if v.split.partition(":")[0] == kind else ""
    chosen_kind = registry.get(kind)
    split = kind
    no_hours = chosen_kind is not None and chosen_kind.needs_calendar and f.calendar is None
    if chosen_kind is None:  # a column: one value vs the rest, or A vs B
        chosen = [x for x in arg.split(",") if x in f.options[kind]] or f.options[kind][:1]
        picked = st.multiselect(_("A (one value: vs all the others; two: A vs B)"), f.options[kind], default=chosen, max_selections=2, key=f"cmp_{kind}")
        split = f"{kind}:{','.join(picked)}" if picked else ""
    elif chosen_kind.argument == "date":
        try:
            default = dt.date.fromisoformat(arg)
        except ValueError:
            default = compute.middle_day(v)  # half the messages before, half after
        day = st.date_input(_("Change date (after = from this day)"), value=default, min_value=f.first_day, max_value=f.last_day, key="cmp_date", format=common.date_format())
        split = f"{kind}:{day.isoformat()}"
    elif chosen_kind.argument == "value" and chosen_kind.column:
        values = f.options[chosen_kind.column]
        value = st.selectbox(kinds[kind], values, index=values.index(arg) if arg in values else 0, key=f"cmp_{kind}_value")
        split = f"{kind}:{value}"
    elif chosen_kind.argument == "event":
        names = [e.name for e in s.events]
        name = st.selectbox(_("Event"), names, index=names.index(arg) if arg in names else 0, key="cmp_event")
        split = f"{kind}:{name}"
    common.set_view(v := v.replace(split=split))

    if no_hours:
        result: object = _("Set opening hours in the sidebar Settings to compare in and out of hours.")
    else:
        result = compute.comparison(v, split) if split else _("Choose what to compare.")
    if isinstance(result, str):
        st.info(escape_markdown(result))
    else:
        st.markdown(_("#### What differs"))
        for sentence in common.headline_sentences(result, 6) or [_("No significant difference on any measure.")]:
            st.markdown(f"- {escape_markdown(sentence)}")
        labels = {m: common.measure_label(m) for m in result["metric"]}
        chart = charts.difference_chart(result, labels=labels)
        if chart is not None:
            common.chart(chart, "comparison_times", key="cmp_chart")
        common.comparison_table(result, "comparison", key="cmp_table")
        common.comparison_report_buttons(
            v, ds, _("Compare: {kind}").format(kind=kinds.get(kind, kind)) + (f" ({split.partition(':')[2]})" if split.partition(":")[2] else ""),
            result, chart, key="compare",
        )
