"""Outcomes: resolution and FCR, honest time to reply (Kaplan-Meier), defection after a bad
experience, churned revenue, listening. Layout only: the numbers come from the toolkit."""

from __future__ import annotations

import streamlit as st

from app_pages import common, compute
from toolkit.measures.outcomes import reply_survival
from toolkit.present import charts
from toolkit.present.i18n import _

frame = common.page(
    _("Outcomes"), "outcomes",
    caption=_("What happened to customers after they wrote: resolved, kept waiting, stayed or left."),
)
if frame is not None:
    v, ds, f = frame
    metrics = common.supported_metrics(v)
    kpi = compute.metrics_by(v, None)
    row = kpi.row(0, named=True) if kpi.height else {}

    def cards(names: tuple[tuple[str, str], ...]) -> None:
        shown = [(n, label) for n, label in names if n in metrics]
        columns = [c for r in common.card_rows([label for _n, label in shown]) for c in r]
        for col, (name, label) in zip(columns, shown, strict=True):
            col.metric(label, common.fmt_value(metrics[name], row.get(name)), help=common.metric_help(name, metrics[name]), border=True)

    def unlock(names: tuple[str, ...]) -> None:
        for note in common.unlock_notes(f, names):
            st.markdown(f"- {note}")

    st.subheader(_("Resolution"))
    cards((
        ("resolution_rate", _("Resolved conversations")),
        ("fcr_rate", _("Resolved in one contact")),
        ("resolution_median_s", _("Time to resolution (median)")),
        ("resolution_p90_s", _("90% resolved within")),
    ))
    basis = _("the resolution time in the data") if "resolved_at" in f.messages.columns else _(
        "inference: the last message is a human reply and the customer stayed silent for 72 hours after it"
    )
    st.caption(_('Resolved according to {basis}. First-contact resolution: resolved with a single customer turn.').format(basis=basis))

    st.subheader(_("Time to reply, unanswered turns included"))
    cards((
        ("art_km_median_s", _("Median wait, unanswered included")),
        ("art_median_s", _("Median wait, answered only")),
        ("frt_km_median_s", _("First reply, unanswered included")),
        ("reply_within_24h", _("Replied within 24 h")),
    ))
    curve = reply_survival(common.filtered(v).turns)
    common.chart(
        charts.survival_chart(curve, naive_median_s=row.get("art_median_s"), km_median_s=row.get("art_km_median_s")),
        "reply_survival", key="oc_km",
    )
    st.caption(
        _("The answered-only median ignores the customers who never got a reply. Here every turn "
        "counts: an unanswered turn is still waiting at the end of the data. When "
        "fewer than half of the turns are ever answered, there is no honest median (shown as –).")
    )

    st.subheader(_("Defection after a bad experience"))
    customer_keys = ("defection_rate", "arpu", "churned_revenue")
    if "defection_rate" in metrics or "arpu" in metrics:
        cards((
            ("defection_rate", _("Customers who left within 90 days")),
            ("churned_revenue", _("Monthly revenue lost")),
            ("arpu", _("Revenue per customer (monthly)")),
        ))
        result = compute.comparison(v, "experience")
        if isinstance(result, str):
            st.info(result)
        elif result.height:
            for sentence in common.headline_sentences(result, 4) or [_("No significant difference.")]:
                st.markdown(f"- {sentence}")
            common.comparison_table(result, "defection_by_experience", key="oc_exp")
            st.caption(
                _("Bad experience: at least one turn left unanswered or answered after the SLA target, "
                "or a conversation that ends on a negative customer message.")
            )
    else:
        st.info(
            _("Add a customers table on the Data page (one row per customer, with their monthly "
            "revenue and the date they left, if they did) to see who left and the revenue that "
            "went with them.")
        )
        unlock(customer_keys)

    st.subheader(_("Listening"))
    listening = ("untagged_mentions", "engagement_rate", "speed_of_connection_median_s", "care_mentions")
    cards((
        ("untagged_mentions", _("Untagged mentions")),
        ("engagement_rate", _("Untagged conversations engaged")),
        ("speed_of_connection_median_s", _("Speed of connection (median)")),
        ("care_mentions", _("Mentions asking for help")),
    ))
    if not all(n in metrics for n in listening):
        unlock(listening)
    st.caption(
        _("Untagged: a customer names the brand without addressing it (from a listening export, or "
        "found in the text by the toolkit). Engagement: the share of those conversations a human answered.")
    )
