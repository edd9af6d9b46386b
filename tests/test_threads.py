"""Conversations: reply-tree roots, missing parents, loops, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from toolkit._durations import parse_duration
from toolkit.errors import DataError
from toolkit.io.threads import assign_conversations, reply_roots, sessionise


def _roots(ids: list[str], parents: list[str | None]) -> tuple[list[str], list[bool]]:
    roots, loop = reply_roots(pl.Series(ids), pl.Series(parents, dtype=pl.String))
    return roots.to_list(), loop.to_list()


def test_tree_roots_and_missing_parents() -> None:
    # 1 <- 2 <- 3 <- 4, 2 <- 5; 6 answers a tweet not in the file; 7 <- 6
    roots, loop = _roots(["1", "2", "3", "4", "5", "6", "7"], [None, "1", "2", "3", "2", "999", "6"])
    assert roots == ["1", "1", "1", "1", "1", "6", "6"]
    assert not any(loop)


def test_deep_chain_in_few_rounds() -> None:
    n = 5000
    ids = [str(i) for i in range(n)]
    parents = [None] + [str(i - 1) for i in range(1, n)]
    roots, _ = _roots(ids[::-1], parents[::-1])
    assert set(roots) == {"0"}


def test_cycles_do_not_hang_and_pick_earliest_row() -> None:
    # 1 -> 2 -> 3 -> 1 is a loop; 4 answers 3 (hangs off the loop); 5 answers itself
    roots, loop = _roots(["2", "3", "1", "4", "5"], ["1", "2", "3", "3", "5"])
    assert roots == ["2", "2", "2", "2", "5"]
    assert loop == [True, True, True, True, False]


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"created_at": pl.Datetime("us", "UTC"), "direction": pl.String, "customer_id": pl.String, "channel": pl.String},
        orient="row",
    ).with_row_index("row_nr", offset=1).with_columns(
        pl.col("row_nr").cast(pl.Int64), message_id=pl.col("row_nr").cast(pl.String),
        conversation_id=pl.lit(None, pl.String), in_reply_to=pl.lit(None, pl.String),
    )


T0 = datetime(2024, 1, 1, 9)


def test_sessions_split_by_gap() -> None:
    f = _frame(
        [
            (T0, "inbound", "a", "chat"),
            (T0 + timedelta(hours=23), "inbound", "a", "chat"),
            (T0 + timedelta(hours=48), "inbound", "a", "chat"),
            (T0 + timedelta(hours=1), "inbound", "a", "email"),
            (T0, "inbound", "b", "chat"),
        ]
    )
    ids = sessionise(f, timedelta(hours=24)).to_list()
    assert ids == ["a|chat|1", "a|chat|1", "a|chat|2", "a|email|1", "b|chat|1"]


def test_replies_without_customer_take_the_one_they_answer() -> None:
    f = _frame(
        [
            (T0, "inbound", "a", "chat"),
            (T0 + timedelta(minutes=5), "outbound", None, "chat"),
            (T0 - timedelta(days=3), "outbound", None, "chat"),  # nobody wrote before: dropped
        ]
    )
    out, issues = assign_conversations(f, "sessions")
    assert out["customer_id"].to_list() == ["a", "a"]
    assert out["conversation_id"].n_unique() == 1
    assert [(i.column, i.rows, i.first_rows) for i in issues] == [("customer_id", 1, (3,))]


def test_ambiguous_replies_raise() -> None:
    f = _frame(
        [
            (T0, "inbound", "a", "chat"),
            (T0 + timedelta(minutes=1), "inbound", "b", "chat"),
            (T0 + timedelta(minutes=5), "outbound", None, "chat"),
        ]
    )
    with pytest.raises(DataError, match=r"rows 3.*customer_id.*in_reply_to or conversation_id"):
        assign_conversations(f, "sessions")


def test_session_gap_is_read_by_the_one_duration_parser() -> None:
    assert parse_duration("24h", argument="session_gap") == timedelta(hours=24)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration(90) == timedelta(seconds=90)
    with pytest.raises(DataError, match="session_gap='soon' is not a duration"):
        parse_duration("soon", argument="session_gap")
    with pytest.raises(DataError, match="session_gap=0 is not allowed"):
        parse_duration(0, argument="session_gap")
