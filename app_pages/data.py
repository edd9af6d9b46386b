"""Data: upload a log, check the detected layout, fix the column mapping, read the quality report."""

from __future__ import annotations

import streamlit as st

from app_pages import common, upload
from toolkit.analysis.coverage import metric_coverage
from toolkit.present import format as fmt
from toolkit.present.markdown import escape_markdown

frame = common.page("Data", "data", caption="Upload a message log, map its columns, check what was used.")
if frame is not None:
    v, ds, f = frame
    st.subheader("Current data")
    a, b, c = st.columns(3)
    a.metric("Messages", fmt.count(ds.messages.height), border=True)
    b.metric("Conversations", fmt.count(f.conversations.height), border=True)
    c.metric("Days covered", fmt.count((f.last_day - f.first_day).days + 1), border=True)
    st.caption(f"From {fmt.date(f.first_day, weekday=True)} to {fmt.date(f.last_day, weekday=True)} (local dates, {escape_markdown(f.timezone)}).")
    upload.describe_dataset(ds)
    coverage = metric_coverage(f.messages.columns, calendar=f.calendar)
    with st.expander(f"Metrics this data supports: {int(coverage['supported'].sum())} of {coverage.height}"):
        for note in common.unlock_notes(f, tuple(coverage["metric"])):
            st.markdown(f"- {note}")
        common.table(common.coverage_display(coverage), "metric_coverage", key="dq_cov")

    if common.read_only(v):
        st.info(
            "This is a shared, read-only view: uploading or removing data is not possible here. "
            "Open the app without the link's parameters to analyse your own file."
        )
    else:
        upload.upload_section(v)
        upload.customers_section(v, ds)
        if v.dataset != common.SAMPLE:
            upload.delete_section(v)
