"""The real twcs excerpts load, and their counts match an independent plain-Python count."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import polars as pl
import pytest

from toolkit.io.load import load


def _plain_rows(path: Path) -> list[dict[str, str]]:
    # Universal newlines off, so the bare "\r\r" inside an unquoted field of twcs_head.csv does
    # not end a record; the csv module splits only on "\n" then.
    with path.open(encoding="utf-8", newline="") as fh:
        text = fh.read().replace("\r\n", "\n")
    placeholder = "\x1f"
    text = text.replace("\r", placeholder)
    rows = list(csv.DictReader(text.split("\n")))
    return [{k: (v or "").replace(placeholder, "\r") for k, v in r.items()} for r in rows if any(r.values())]


def _plain_conversations(rows: list[dict[str, str]]) -> int:
    parent = {}
    for r in rows:
        p = r["in_response_to_tweet_id"].removesuffix(".0")
        parent[r["tweet_id"]] = p or None
    roots = set()
    for start in parent:
        tid, seen = start, set()
        while parent.get(tid) in parent and tid not in seen:
            seen.add(tid)
            tid = parent[tid]
        roots.add(tid)
    return len(roots)


@pytest.mark.parametrize("name", ["twcs_head.csv", "twcs_sample.csv", "twcs_random.csv"])
def test_counts_match_plain_python(realdata: Path, name: str) -> None:
    path = realdata / name
    rows = _plain_rows(path)
    result = load(path)
    m = result.messages
    assert result.preset == "twcs"
    assert result.quality.input_rows == result.quality.used_rows == len(rows)
    inbound = sum(r["inbound"].lower() == "true" for r in rows)
    assert m.filter(pl.col("direction") == "inbound").height == inbound
    assert m.filter(pl.col("direction") == "outbound").height == len(rows) - inbound
    assert m["conversation_id"].n_unique() == _plain_conversations(rows)
    assert m["channel"].unique().to_list() == ["twitter"]
    assert m["created_at"].null_count() == 0
    assert not m["is_bot"].any()
    # customers on inbound rows only; brands named on every outbound row
    assert m.filter(pl.col("direction") == "outbound")["customer_id"].null_count() == len(rows) - inbound
    out = m.filter(pl.col("direction") == "outbound")
    assert (out["brand"] == out["customer_id"].fill_null("")).sum() == 0


def test_head_details(realdata: Path) -> None:
    m = load(realdata / "twcs_head.csv").messages
    assert m.columns[-2:] == ["", "response_tweet_id"]  # extra index column kept, not mapped
    row = m.filter(pl.col("message_id") == "1").row(0, named=True)
    assert row["in_reply_to"] == "3" and row["conversation_id"] == "8" and row["brand"] == "sprintcare"
    assert m.filter(pl.col("message_id") == "11")["agent_id"].item() == "KC"
    assert m.filter(pl.col("message_id") == "3399")["text"].item().startswith("@AskPayPal \r\rI just")
    outbound = m.filter(pl.col("direction") == "outbound")
    assert outbound["brand"].n_unique() == 76
    assert outbound["agent_id"].null_count() < outbound.height


def test_random_file_has_mostly_missing_parents(realdata: Path) -> None:
    m = load(realdata / "twcs_random.csv").messages
    assert m["conversation_id"].n_unique() > 0.95 * m.height
    assert m["brand"].null_count() < 0.1 * m.height  # from the first @mention when no reply


def test_excel_padded_is_fast_and_matches_head(realdata: Path) -> None:
    start = time.perf_counter()
    result = load(realdata / "twcs_excel_padded.csv")
    elapsed = time.perf_counter() - start
    assert elapsed < 10
    q = result.quality
    assert q.used_rows == 999
    assert q.input_rows == q.used_rows + q.dropped_rows
    assert [i.reason for i in q.issues if i.action == "dropped"] == ["empty row"]
    # Three 2011 tweets in a 2017 export: flagged as far out, kept.
    far = [i for i in q.issues if i.action == "kept"]
    assert [(i.reason.startswith("far outside"), i.first_rows) for i in far] == [(True, (256, 316, 318))]
    padded = result.messages
    head = load(realdata / "twcs_head.csv").messages
    # response_tweet_id was mangled by Excel ("1003,1007" became "10,031,007"): not comparable.
    cols = [c for c in padded.columns if c not in ("row_nr", "response_tweet_id")]
    same = head.select(cols).join(padded.select("message_id"), on="message_id", how="semi")
    assert same.height == 999
    mine = padded.select(cols).sort("message_id")
    theirs = same.sort("message_id")
    # Conversations whose root lies beyond the excerpt differ by construction (the root is the
    # earliest ancestor present in the file); compare those apart.
    partial = theirs.filter(~pl.col("conversation_id").is_in(mine["message_id"].implode()))["message_id"]
    full = ~pl.col("message_id").is_in(partial.implode())
    assert mine.filter(full).equals(theirs.filter(full))
    assert mine.drop("conversation_id").equals(theirs.drop("conversation_id"))
