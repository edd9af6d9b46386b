"""Issue 5.7: channel mix, channel switches within N hours, moves after an unanswered wait."""

from __future__ import annotations

import polars as pl

import toolkit
from tests.helpers import log

H = 60  # minutes


def journey_log() -> pl.DataFrame:
    rows = [
        # u1: twitter, unanswered, moves to email 30 h later (after a >24 h wait)
        ("t1", 0, "inbound", False, None, "twitter"), ("e1", 30 * H, "inbound", False, None, "email"),
        # u2: facebook answered at once, then chat 2 h later: a move, no wait
        ("f2", 0, "inbound", False, None, "facebook"), ("f2", 5, "outbound", False, "A1", "facebook"),
        ("c2", 2 * H, "inbound", False, None, "chat"),
        # u3: twitter then email 100 h later: too late to count with within=48h
        ("t3", 0, "inbound", False, None, "twitter"), ("e3", 100 * H, "inbound", False, None, "email"),
    ]
    m = log(rows)
    customers = {"t1": "u1", "e1": "u1", "f2": "u2", "c2": "u2", "t3": "u3", "e3": "u3"}
    return m.with_columns(
        customer_id=pl.when(pl.col("direction") == "inbound")
        .then(pl.col("conversation_id").replace_strict(customers))
    )


def test_channel_mix_counts_unique_customers_per_channel():
    rows = {r["channel"]: r for r in toolkit.channel_mix(journey_log()).to_dicts()}
    assert rows["twitter"]["unique_customers"] == 2 and rows["email"]["unique_customers"] == 2
    assert rows["facebook"]["outbound_messages"] == 1
    assert abs(sum(r["inbound_share"] for r in rows.values()) - 1.0) < 1e-12


def test_switches_within_n_hours_and_after_waiting():
    moves = toolkit.channel_switches(journey_log(), within="48h", wait="24h")
    got = {(r["customer_id"], r["from_channel"], r["to_channel"], r["after_wait"])
           for r in moves.to_dicts()}
    assert got == {("u1", "twitter", "email", True), ("u2", "facebook", "chat", False)}
    wider = toolkit.channel_switches(journey_log().lazy(), within="5d").collect()
    assert wider.height == 3


def test_transition_matrix_long_and_wide():
    long = toolkit.transition_matrix(journey_log())
    rows = {(r["from_channel"], r["to_channel"]): r for r in long.to_dicts()}
    assert rows[("twitter", "email")]["moves"] == 1
    assert rows[("twitter", "email")]["customers_after_wait"] == 1
    assert rows[("facebook", "chat")]["moves_after_wait"] == 0
    wide = toolkit.transition_matrix(journey_log(), wide=True)
    assert wide.filter(pl.col("from_channel") == "twitter")["email"].item() == 1


def test_request_types_by_channel():
    m = journey_log().with_columns(category=pl.lit("customer service"))
    out = toolkit.request_types_by_channel(m)
    assert set(out["channel"]) == {"twitter", "email", "facebook", "chat"}
    assert out.filter(pl.col("channel") == "twitter")["share"].item() == 1.0
