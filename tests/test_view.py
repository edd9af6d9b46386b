"""View state <-> query parameters, and filters on the fact tables."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.app_state.view import (
    Event,
    ViewState,
    filter_tables,
    metric_values,
    parse_events,
    previous_period,
)
from toolkit.core.kpis import FactTables
from toolkit.core.metrics import MetricContext, available_metrics

names = st.text(alphabet=st.characters(blacklist_characters="~;\x00", blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).map(str.strip).filter(bool)


@given(
    channels=st.lists(names, max_size=3, unique=True),
    agents=st.lists(names, max_size=2, unique=True),
    hours=st.sampled_from(["all", "in", "out"]),
    sla=st.sampled_from([15.0, 60.0, 90.5, 240.0]),
    start=st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))),
)
def test_query_params_round_trip(channels: list[str], agents: list[str], hours: str, sla: float, start: dt.date | None) -> None:
    v = ViewState(
        dataset="A" * 32, channels=tuple(channels), agents=tuple(agents), hours=hours,  # type: ignore[arg-type]
        sla_minutes=sla, start=start, opening_hours="mon-fri 09:00-18:00", timezone="Europe/Paris",
        events=(Event("Sale", dt.date(2025, 1, 2), dt.date(2025, 1, 5)),), split="before:2025-01-03",
    ).with_extra("window", "7")
    params = v.to_params()
    assert all(isinstance(x, str) for x in params.values())
    assert ViewState.from_params(params) == v


def test_defaults_give_empty_params_and_bad_values_are_ignored() -> None:
    assert ViewState().to_params() == {}
    v = ViewState.from_params({"sla": "-3", "hours": "sometimes", "from": "2025-02-30", "to": ["x", "2025-03-01"]})
    assert v.sla_minutes == 60.0 and v.hours == "all" and v.start is None
    assert v.end == dt.date(2025, 3, 1)


def test_parse_events_reports_bad_lines() -> None:
    events, bad = parse_events("Sale: 2025-11-28..2025-11-30\nnonsense\nLaunch: 2025-12-05 to 2025-12-01")
    assert [e.name for e in events] == ["Sale", "Launch"]
    assert events[1].first == dt.date(2025, 12, 1)
    assert bad == ["nonsense"]


def test_previous_period() -> None:
    assert previous_period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == (dt.date(2025, 1, 29), dt.date(2025, 2, 28))


def _log() -> pl.DataFrame:
    t0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    rows = []
    for i, (channel, agent, day) in enumerate([("twitter", "A1", 0), ("email", "A2", 0), ("twitter", "A2", 2)]):
        start = t0 + dt.timedelta(days=day, hours=i)
        rows += [
            {"row_nr": 2 * i + 1, "message_id": f"m{2 * i}", "conversation_id": f"c{i}", "created_at": start, "direction": "inbound", "channel": channel, "agent_id": None, "is_bot": False, "customer_id": f"u{i}", "brand": "B", "in_reply_to": None},
            {"row_nr": 2 * i + 2, "message_id": f"m{2 * i + 1}", "conversation_id": f"c{i}", "created_at": start + dt.timedelta(minutes=10 * (i + 1)), "direction": "outbound", "channel": channel, "agent_id": agent, "is_bot": False, "customer_id": None, "brand": "B", "in_reply_to": f"m{2 * i}"},
        ]
    return pl.DataFrame(rows, schema_overrides={"agent_id": pl.String, "customer_id": pl.String, "in_reply_to": pl.String})


def height(lf: pl.LazyFrame) -> int:
    return lf.select(pl.len()).collect().item()


@pytest.fixture
def tables() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    ft = FactTables(_log())
    return ft.messages.collect(), ft.turns.collect(), ft.conversations.collect()


def test_filters_apply_to_every_table(tables: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    m, t, c = tables
    ctx = MetricContext()
    f = filter_tables(m, t, c, ViewState(channels=("twitter",)), context=ctx)
    assert height(f.messages) == 4 and height(f.turns) == 2 and height(f.conversations) == 2
    f = filter_tables(m, t, c, ViewState(agents=("A2",)), context=ctx)
    assert sorted(f.conversations.collect()["conversation_id"]) == ["c1", "c2"]
    assert height(f.messages) == 4 and f.turns.collect()["agent_id"].to_list() == ["A2", "A2"]
    f = filter_tables(m, t, c, ViewState(start=dt.date(2025, 3, 5)), context=ctx)
    assert f.conversations.collect()["conversation_id"].to_list() == ["c2"] and height(f.turns) == 1
    # Dates are local: 2025-03-03 in Tokyo ends at 15:00 UTC, so c0 (09:00) and c1 (10:00 UTC) are in.
    f = filter_tables(m, t, c, ViewState(end=dt.date(2025, 3, 3)), context=ctx, timezone="Asia/Tokyo")
    assert height(f.conversations) == 2
    f = filter_tables(m, t, c, ViewState(end=dt.date(2025, 3, 3)), context=ctx, timezone="Pacific/Kiritimati")
    assert height(f.conversations) == 1  # UTC+14: c1 (10:00 UTC) is already the 4th locally


def test_metric_values_match_kpis(tables: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]) -> None:
    m, t, c = tables
    ctx = MetricContext()
    f = filter_tables(m, t, c, ViewState(), context=ctx)
    metrics = available_metrics(set(m.columns) | {"response_seconds"}, ctx)
    from toolkit.core.kpis import kpis

    expected = kpis(_log()).row(0, named=True)
    got = metric_values(f, metrics).row(0, named=True)
    for key in ("inbound_messages", "conversations", "reply_rate", "frt_median_s", "art_p90_s", "sla_compliance"):
        assert got[key] == pytest.approx(expected[key])
    by = metric_values(f, metrics, by="channel")
    assert by["channel"].to_list() == ["email", "twitter"]
