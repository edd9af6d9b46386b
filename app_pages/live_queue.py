"""Live queue: who is waiting now, in what order, for which team; and is this hour a spike.

Works on the current dataset (as of its last message, or a chosen time) and on a live database
(``sqlite:///...``, ``postgresql://...``) polled every few seconds. Layout only: the queue, the
spike, the staffing need and the conversation come from ``toolkit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from app_pages import common
from toolkit.analysis.queue import (
    DEFAULT_RULES_PATH,
    conversation_thread,
    queue,
    queue_status,
    read_rules,
    reasons_text,
    spike,
)
from toolkit.core.sla import parse_sla
from toolkit.errors import DataError
from toolkit.io.customers import read_customers
from toolkit.io.live import DEFAULT_TABLE, LivePoller, is_database_uri
from toolkit.present import format as fmt
from toolkit.present.i18n import _

REFRESH_SECONDS = 3

#: Waiting turns listed in the queue table (the most urgent first; the cards count them all).
QUEUE_ROWS = 2000

frame = common.page(_("Live queue"), "live-queue")
if frame is not None:
    v, ds, f = frame
    source = st.segmented_control(
        _("Source"), ["dataset", "database"], key="lq_source", default="dataset",
        format_func={"dataset": _("This dataset"), "database": _("Live database")}.get,
    ) or "dataset"

    last = f.messages.get_column("created_at").max()
    settings_cols = st.columns(3)
    if source == "dataset":
        with settings_cols[0]:
            day = st.date_input(_("As of (date, UTC)"), value=last.date(), key="lq_date", min_value=f.first_day, max_value=last.date(), format=common.date_format())
        with settings_cols[1]:
            at = st.time_input(_("As of (time, UTC)"), value=last.time().replace(microsecond=0), key="lq_time", step=60)
        as_of: Any = dt.datetime.combine(day, at, tzinfo=dt.UTC)
        if as_of.replace(second=0) == last.replace(second=0, microsecond=0):
            as_of = last  # the last message itself, to the microsecond
        uri = table = ""
    else:
        with settings_cols[0]:
            uri = st.text_input(_("Database URI"), key="lq_uri", placeholder="sqlite:///live.db")
        with settings_cols[1]:
            table = st.text_input(_("Table"), key="lq_table", value=DEFAULT_TABLE)
        as_of = None
        st.caption(_("Start a live inbox with `python -m toolkit simulate --db sqlite:///live.db --speed 60`; "
                     "the queue refreshes every {seconds} s.").format(seconds=fmt.count(REFRESH_SECONDS)))
    with settings_cols[2]:
        sla_text = st.text_input(
            _("SLA per channel (seconds)"), key="lq_sla", placeholder="email=86400,default=3600",
            help=_("Empty: the SLA target of Settings. Or CHANNEL=SECONDS,...,default=SECONDS."),
        )

    with st.expander(_("Rules and customers")):
        st.caption(_("Rules add points and reasons and route to teams (TOML). Without a file, the shipped rules apply."))
        rules_file = st.file_uploader(_("Rules file (TOML)"), type=["toml"], key="lq_rules")
        st.download_button(_("Default rules (TOML)"), DEFAULT_RULES_PATH.read_bytes(), file_name="queue_rules.toml",
                           mime="application/toml", key="lq_rules_dl", on_click="ignore", icon=":material/download:")
        customers_file = st.file_uploader(_("Customers table (customer_id, vip, followers, …)"), key="lq_customers")

    problems: list[str] = []
    try:
        sla: Any = parse_sla(sla_text) if sla_text.strip() else v.sla_seconds
    except DataError as exc:
        problems.append(str(exc))
        sla = v.sla_seconds
    rules: Any = None
    if rules_file is not None:
        try:
            rules = read_rules(rules_file.getvalue().decode("utf-8", errors="replace"))
        except DataError as exc:
            problems.append(str(exc))
    customers = None
    if customers_file is not None:
        try:
            customers = read_customers(customers_file.getvalue())
        except DataError as exc:
            problems.append(str(exc))
    for problem in problems:
        st.error(_("A setting could not be used (shown below); the defaults apply instead."))
        st.text(problem)

    def messages_now() -> pl.DataFrame | None:
        if source == "dataset":
            return f.messages
        if not is_database_uri(uri):
            st.info(_("Enter a database URI (sqlite:///path.db or postgresql://user@host/db)."))
            return None
        key = (uri.strip(), table.strip() or DEFAULT_TABLE)
        poller = st.session_state.get("lq_poller")
        if poller is None or getattr(poller, "key", None) != key:
            poller = LivePoller(key[0], table=key[1])
            poller.key = key  # type: ignore[attr-defined]
            st.session_state.lq_poller = poller
        poller.poll()
        if poller.messages is None:
            st.info(_("The table has no messages yet."))
        return poller.messages

    @st.fragment(run_every=REFRESH_SECONDS if source == "database" else None)
    def live() -> None:
        try:
            messages = messages_now()
            if messages is None:
                return
            moment = as_of or dt.datetime.now(dt.UTC)
            waiting = queue(messages, as_of=moment, sla=sla, rules=rules, customers=customers)
            now = spike(messages, as_of=moment, staffing=True, sla=common.settings_of(v, ds).sla).row(0, named=True)
        except DataError as exc:
            st.error(_("The queue could not be built from this source."))
            st.text(str(exc))
            return
        st.caption(_("As of {moment} UTC").format(moment=fmt.datetime(moment)))
        if now["is_spike"]:
            st.warning(
                _("Spike: {inbound} customer messages so far this hour, {ratio} the usual {baseline} for this "
                  "hour of the week ({excess} above the spike line). This hour needs {needed} agents "
                  "(usually {usual}).").format(
                    inbound=fmt.count(now["inbound_messages"]), ratio=fmt.ratio(now["ratio"]),
                    baseline=fmt.number(now["baseline"], decimals=0), excess=fmt.number(now["excess"], decimals=0),
                    needed=fmt.count(now["agents_needed"]), usual=fmt.count(now["agents_usual"]),
                ),
                icon=":material/trending_up:",
            )
        no_team = _("(no team)")
        teams = sorted(waiting.get_column("team").fill_null(no_team).unique().to_list())
        channels = sorted(waiting.get_column("channel").drop_nulls().unique().to_list())
        fc = st.columns(3)
        with fc[0]:
            pick_teams = st.multiselect(_("Team"), teams, key="lq_teams", placeholder=_("All teams"))
        with fc[1]:
            pick_channels = st.multiselect(_("Channel"), channels, key="lq_channels", placeholder=_("All channels"))
        with fc[2]:
            ages = {0: _("Any wait"), 1: _("Up to 1 day"), 7: _("Up to 7 days"), 30: _("Up to 30 days")}
            max_days = st.selectbox(_("Waiting for"), list(ages), format_func=ages.get, key="lq_age",
                                    help=_("Leave out turns that have waited longer (conversations long abandoned)."))
        shown = waiting
        if max_days:
            shown = shown.filter(pl.col("waited_s") <= max_days * 86400)
        if pick_teams:
            shown = shown.filter(pl.col("team").fill_null(no_team).is_in(pick_teams))
        if pick_channels:
            shown = shown.filter(pl.col("channel").is_in(pick_channels))
        status = queue_status(shown)
        m = st.columns(4)
        m[0].metric(_("Waiting"), fmt.count(status["waiting"]))
        m[1].metric(_("Overdue"), fmt.count(status["overdue"]))
        m[2].metric(_("Due within 15 min"), fmt.count(status["due_soon"]))
        m[3].metric(_("Longest wait"), fmt.duration(status["longest_wait_s"]))
        due_in, waited, since, latest = _("due"), _("waited"), _("waiting since (UTC)"), _("latest message")
        conversation_h = _("conversation")
        # Waits as the one duration formatter writes them ("overdue by 30 days", not "-43,973.7"
        # minutes); one row per waiting turn, at most QUEUE_ROWS of them (the most urgent first).
        shown = shown.head(QUEUE_ROWS)
        due_text = [
            (_("overdue by {d}") if d < 0 else _("in {d}")).format(d=fmt.duration(abs(d))) if d is not None else "–"
            for d in shown["due_in_s"].to_list()
        ]
        waited_text = [fmt.duration(w) for w in shown["waited_s"].to_list()]
        table_view = shown.select(
            pl.when(pl.col("overdue")).then(pl.lit(_("overdue"))).when(pl.col("due_in_s") <= 900).then(pl.lit(_("due soon")))
            .otherwise(pl.lit(_("on time"))).alias(_("status")),
            pl.Series(due_in, due_text, dtype=pl.String),
            pl.Series(waited, waited_text, dtype=pl.String),
            pl.col("priority").alias(_("priority")),
            reasons_text("reasons").alias(_("reasons")),
            pl.col("team").fill_null("").alias(_("team")),
            pl.col("channel").alias(_("channel")), pl.col("brand").alias(_("brand")),
            pl.col("customer_id").alias(_("customer")), pl.col("conversation_id").alias(conversation_h),
            pl.col("waiting_since").dt.replace_time_zone(None).alias(since),
            *([pl.col("text").alias(latest)] if "text" in shown.columns else []),
        )
        # A column empty in every row (no team rules, no text) says nothing: left out, so the table fits.
        table_view = table_view.select(
            [c for c in table_view.columns
             if table_view.schema[c] != pl.String or table_view[c].fill_null("").str.len_chars().max() or table_view.height == 0]
        )
        st.caption(_("Most urgent first; select a row to read the conversation."))
        if status["waiting"] > table_view.height:
            st.caption(_("The {shown} most urgent of {total} waiting turns are listed.").format(
                shown=fmt.count(table_view.height), total=fmt.count(status["waiting"])))
        event = st.dataframe(
            table_view, hide_index=True, key="lq_table_view", on_select="rerun", selection_mode="single-row",
            height=420,
            column_config={
                since: st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss"),
                latest: st.column_config.TextColumn(width="large"),
            },
        )
        rows = list(event.selection.rows) if event is not None else []  # type: ignore[union-attr]
        # Rows move as the queue refreshes: remember the conversation picked by the click itself.
        if rows != st.session_state.get("lq_rows"):
            st.session_state.lq_rows = rows
            st.session_state.lq_open = table_view.get_column(conversation_h)[rows[0]] if rows and rows[0] < table_view.height else None
        conversation = st.session_state.get("lq_open")
        if conversation is not None:
            st.subheader(_("Conversation"))
            st.text(_("Conversation {conversation}").format(conversation=conversation))
            thread = conversation_thread(messages, conversation, as_of=moment)
            headers = {"created_at": _("sent at (UTC)"), "direction": _("direction"), "is_bot": _("bot"),
                       "agent_id": _("agent"), "customer_id": _("customer"), "channel": _("channel"), "text": _("message")}
            thread = thread.rename({c: h for c, h in headers.items() if c in thread.columns})
            st.dataframe(thread, hide_index=True, key="lq_thread")

    live()
