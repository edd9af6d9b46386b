"""Core definitions (SPEC): hand-worked cases and a property test against the reference."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit
from tests.helpers import T0, log
from tests.reference import reference_kpis, reference_turns


def test_a_burst_is_one_turn_answered_by_the_first_human_reply(run_kpis):
    m = log([("c", 0, "inbound"), ("c", 1, "inbound"), ("c", 2, "inbound"), ("c", 10, "outbound"),
             ("c", 30, "outbound")])
    (row,) = run_kpis(m)
    assert row["turns"] == 1 and row["answered_turns"] == 1
    assert row["frt_median_s"] == 600.0  # from the run's FIRST message
    t = toolkit.turns(m)
    assert t["inbound_messages"].to_list() == [3]


def test_bots_neither_answer_nor_interrupt_a_turn(run_kpis):
    m = log([("c", 0, "inbound"), ("c", 1, "outbound", True), ("c", 2, "inbound"),
             ("c", 20, "outbound")])
    (row,) = run_kpis(m)
    assert row["turns"] == 1
    assert row["frt_mean_s"] == 1200.0
    assert row["outbound_messages"] == 2  # bot replies are still outbound messages


def test_ties_are_broken_by_input_row_order(run_kpis):
    # Same timestamp: the reply written first in the file comes first, so it answers nothing.
    reply_first = log([("c", 5, "outbound"), ("c", 5, "inbound")])
    (row,) = run_kpis(reply_first)
    assert row["turns"] == 1 and row["answered_turns"] == 0
    inbound_first = log([("c", 5, "inbound"), ("c", 5, "outbound")])
    (row,) = run_kpis(inbound_first)
    assert row["answered_turns"] == 1 and row["frt_median_s"] == 0.0


def test_rows_in_any_order_give_the_same_answer():
    m = log([("c", 0, "inbound"), ("c", 3, "outbound"), ("c", 7, "inbound"), ("c", 8, "outbound")])
    shuffled = m.sample(fraction=1.0, shuffle=True, seed=3)
    assert toolkit.kpis(shuffled).to_dicts() == toolkit.kpis(m).to_dicts()


def test_conversation_started_by_the_brand(run_kpis):
    m = log([("c", 0, "outbound"), ("c", 60, "inbound"), ("c", 75, "outbound")])
    (row,) = run_kpis(m)
    assert row["turns"] == 1
    assert row["frt_median_s"] == 900.0  # its first turn is the customer's first run
    conv = toolkit.conversations(m)
    assert conv["started_by"].to_list() == ["brand"]


def test_art_covers_all_answered_turns_frt_only_the_first():
    m = log([("c", 0, "inbound"), ("c", 10, "outbound"), ("c", 20, "inbound"), ("c", 50, "outbound"),
             ("c", 60, "inbound")])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["turns"] == 3 and row["answered_turns"] == 2
    assert row["reply_rate"] == pytest.approx(2 / 3)
    assert row["frt_mean_s"] == 600.0
    assert row["art_mean_s"] == 1200.0  # (600 + 1800) / 2
    assert row["art_median_s"] == 1200.0


def test_p90_uses_linear_interpolation():
    rows = []
    for i in range(1, 11):  # response times 1..10 minutes
        rows += [(f"c{i}", 0, "inbound"), (f"c{i}", i, "outbound")]
    (row,) = toolkit.kpis(log(rows)).to_dicts()
    assert row["frt_p90_s"] == pytest.approx(9.1 * 60)
    assert row["frt_median_s"] == pytest.approx(5.5 * 60)


def test_sla_met_missed_and_pending():
    m = log([
        ("met", 0, "inbound"), ("met", 60, "outbound"),        # exactly T: met (<=)
        ("late", 0, "inbound"), ("late", 61, "outbound"),      # answered after T: missed
        ("waiting", 0, "inbound"),                             # unanswered 200 min before the end: missed
        ("pending", 170, "inbound"),                           # unanswered 30 min before the end: pending
        ("end", 200, "outbound"),                              # sets the end of the data
    ])
    (row,) = toolkit.kpis(m, sla=3600).to_dicts()
    assert row["sla_compliance"] == pytest.approx(1 / 3)
    assert row["sla_target_s"] == 3600.0
    (row,) = toolkit.kpis(m, sla=100 * 60).to_dicts()  # larger target: late is met, waiting still missed
    assert row["sla_compliance"] == pytest.approx(2 / 3)


def test_unanswered_turn_at_exactly_the_target_is_pending():
    m = log([("a", 0, "inbound"), ("b", 60, "outbound")])
    (row,) = toolkit.kpis(m, sla=3600).to_dicts()
    assert row["sla_compliance"] is None  # met + missed == 0


def test_groups_without_turns_report_zero_turns_and_no_rate(run_kpis):
    m = log([("c", 0, "inbound", False, None, "twitter"), ("c", 5, "outbound", False, "A1", "twitter"),
             ("d", 0, "outbound", False, "A1", "email")])
    rows = {r["channel"]: r for r in run_kpis(m, by="channel")}
    assert rows["email"]["turns"] == 0 and rows["email"]["reply_rate"] is None
    assert rows["email"]["inbound_messages"] == 0 and rows["email"]["outbound_messages"] == 1
    assert rows["twitter"]["turns"] == 1 and rows["twitter"]["reply_rate"] == 1.0


def test_empty_log_gives_one_row_of_zeros():
    m = log([]).clear()
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["inbound_messages"] == 0 and row["turns"] == 0
    assert row["reply_rate"] is None and row["frt_median_s"] is None


def test_by_agent_groups_turns_by_the_answering_agent():
    m = log([("c", 0, "inbound"), ("c", 5, "outbound", False, "A1"), ("d", 0, "inbound"),
             ("d", 20, "outbound", False, "B2")])
    rows = {r["agent_id"]: r for r in toolkit.kpis(m, by="agent_id").to_dicts()}
    assert rows["A1"]["art_median_s"] == 300.0 and rows["B2"]["art_median_s"] == 1200.0
    assert rows[None]["inbound_messages"] == 2  # inbound messages have no agent


def test_unknown_group_column_is_a_clear_error():
    with pytest.raises(toolkit.DataError, match=r"by='chanel': no such column. Hint: did you mean 'channel'"):
        toolkit.kpis(log([("c", 0, "inbound")]), by="chanel")


def test_every_adds_a_period_in_local_time():
    m = log([("c", 0, "inbound"), ("c", 5, "outbound"), ("d", 24 * 60, "inbound")])
    out = toolkit.kpis(m, every="1d", timezone="America/New_York")
    assert out["period"].dt.day().to_list() == [3, 4]
    assert out["inbound_messages"].to_list() == [1, 1]


# --- property test against the plain-Python reference --------------------------------------------

message = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4"]),
    st.integers(0, 240),  # few distinct minutes -> many timestamp ties
    st.sampled_from(["inbound", "outbound"]),
    st.booleans(),  # is_bot
    st.sampled_from(["A1", "A2", None]),
    st.sampled_from(["twitter", "email"]),
)


def _as_dicts(m: pl.DataFrame) -> list[dict]:
    return m.to_dicts()


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(message, min_size=1, max_size=40), sla=st.sampled_from([60, 600, 3600]))
def test_kpis_equal_the_reference_on_random_logs(rows, sla):
    m = log(rows)
    got = toolkit.kpis(m, sla=sla).to_dicts()[0]
    want = reference_kpis(_as_dicts(m), sla=sla)
    for key, value in want.items():
        assert _close(got[key], value), (key, got[key], value)

    by_channel = {r["channel"]: r for r in toolkit.kpis(m, sla=sla, by="channel").to_dicts()}
    as_of = m["created_at"].max()
    for channel in {r[5] for r in rows}:
        # Turns belong to the channel of their first message; here every conversation may mix
        # channels, so the reference groups turns the same way.
        subset = [d for d in _as_dicts(m) if d["channel"] == channel]
        ref_turns = [t for t in reference_turns(_as_dicts(m)) if t["channel"] == channel]
        got_row = by_channel[channel]
        assert got_row["inbound_messages"] == sum(d["direction"] == "inbound" for d in subset)
        assert got_row["turns"] == len(ref_turns)
        assert got_row["answered_turns"] == sum(t["answered_at"] is not None for t in ref_turns)
    assert as_of is not None


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(message, min_size=1, max_size=40))
def test_turn_table_equals_the_reference(rows):
    m = log(rows)
    got = toolkit.turns(m).sort("conversation_id", "start", "start_row_nr").to_dicts()
    want = sorted(reference_turns(_as_dicts(m)), key=lambda t: (t["conversation_id"], t["start"]))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for key in ("conversation_id", "start", "answered_at", "agent_id", "is_first", "inbound_messages"):
            assert g[key] == w[key], key
        assert _close(g["response_seconds"], w["response_seconds"])


def test_the_worked_timeline_of_docs_metrics_md():
    m = log([("c", 0, "inbound"), ("c", 1, "inbound"), ("c", 1, "outbound", True), ("c", 2, "inbound"),
             ("c", 20, "outbound", False, "A07"), ("c", 50, "outbound", False, "A07"), ("c", 90, "inbound"),
             ("other", 240, "outbound")])  # the end of the data: 13:00
    (row,) = toolkit.kpis(m.filter(pl.col("conversation_id") == "c"), as_of=T0 + dt.timedelta(hours=4)).to_dicts()
    assert row["turns"] == 2 and row["answered_turns"] == 1
    assert row["frt_median_s"] == 20 * 60 and row["art_mean_s"] == 20 * 60
    assert row["reply_rate"] == 0.5 and row["sla_compliance"] == 0.5
    (row,) = toolkit.kpis(m.filter(pl.col("conversation_id") == "c"), as_of=T0 + dt.timedelta(hours=2)).to_dicts()
    assert row["sla_compliance"] == 1.0
    assert toolkit.turns(m).filter(pl.col("conversation_id") == "c")["inbound_messages"].to_list() == [3, 1]
