"""Social customer-service KPIs: the Streamlit app. Routing only; pages lay out, toolkit computes.

Run: ``streamlit run app.py`` (opens on the bundled sample data).
"""

from __future__ import annotations

import streamlit as st

from app_pages import common
from toolkit.plugins import load_plugins
from toolkit.present.i18n import _

# Researchers' metrics (what TOOLKIT_PLUGINS names) join the registry; idempotent.
load_plugins()
common.apply_language()  # ?lang=, the sidebar's choice or the browser's language
st.set_page_config(page_title=_("Customer-care KPIs"), page_icon=":material/forum:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title=_("Overview"), icon=":material/dashboard:", url_path="home", default=True),  # served at "/"
    st.Page("app_pages/response_times.py", title=_("Response times"), icon=":material/timer:", url_path="response-times"),
    st.Page("app_pages/volume.py", title=_("Volume & peaks"), icon=":material/show_chart:", url_path="volume"),
    st.Page("app_pages/agents.py", title=_("Agents"), icon=":material/support_agent:", url_path="agents"),
    st.Page("app_pages/sentiment.py", title=_("Sentiment & deflection"), icon=":material/sentiment_satisfied:", url_path="sentiment"),
    st.Page("app_pages/channels.py", title=_("Channels & journeys"), icon=":material/alt_route:", url_path="channels"),
    st.Page("app_pages/outcomes.py", title=_("Outcomes"), icon=":material/flag:", url_path="outcomes"),
    st.Page("app_pages/live_queue.py", title=_("Live queue"), icon=":material/queue:", url_path="live-queue"),
    st.Page("app_pages/compare.py", title=_("Compare"), icon=":material/compare_arrows:", url_path="compare"),
    st.Page("app_pages/data.py", title=_("Data"), icon=":material/database:", url_path="data"),
]


def _overview_address() -> None:
    """``/overview`` (the menu's name for the default page, which lives at ``/``) redirects there,
    the link's parameters kept, instead of Streamlit's "page not found"."""
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())


common.PAGES.update({p.url_path: p.title for p in PAGES})
PAGES.append(st.Page(_overview_address, title=_("Overview"), url_path="overview", visibility="hidden"))
common.sweep_store()  # retention without anyone saving: at start and at most hourly after
st.navigation(PAGES, position="sidebar").run()
