"""Data: upload a log, check the detected layout, fix the column mapping, read the quality report."""

from __future__ import annotations

import streamlit as st

from app_pages import common, upload
from toolkit.analysis.coverage import metric_coverage
from toolkit.present import format as fmt
from toolkit.present.i18n import _
from toolkit.present.markdown import escape_markdown

frame = common.page(_("Data"), "data", caption=_("Upload a message log, map its columns, check what was used."))
if frame is not None:
    v, ds, f = frame
    st.subheader(_("Current data"))
    a, b, c = st.columns(3)
    a.metric(_("Messages"), fmt.count(ds.messages.height), border=True)
    b.metric(_("Conversations"), fmt.count(f.conversations.height), border=True)
    c.metric(_("Days covered"), fmt.count((f.dense_last - f.dense_first).days + 1), border=True)
    st.caption(_("From {v0} to {v1} (local dates, {timezone}).").format(
        v0=fmt.date(f.dense_first, weekday=True), v1=fmt.date(f.dense_last, weekday=True), timezone=escape_markdown(f.timezone)))
    upload.describe_dataset(ds)
    coverage = metric_coverage(f.messages.columns, calendar=f.calendar)
    with st.expander(_('Metrics this data supports: {v0} of {height}').format(v0=int(coverage['supported'].sum()), height=coverage.height)):
        for note in common.unlock_notes(f, tuple(coverage["metric"])):
            st.markdown(f"- {note}")
        common.table(common.coverage_display(coverage), "metric_coverage", key="dq_cov")

    if common.read_only(v):
        st.info(
            _("This is a shared, read-only view: uploading or removing data is not possible here. "
            "Open the app without the link's parameters to analyse your own file.")
        )
    else:
        upload.upload_section(v)
        upload.customers_section(v, ds)
        if v.dataset != common.SAMPLE:
            upload.delete_section(v)
