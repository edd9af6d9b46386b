"""KPIs on the real twcs excerpts equal an independent plain-Python computation.

The reference here parses the CSV with the csv module, rebuilds reply trees by following parents,
and applies tests/reference.py: it shares no code with the toolkit's loader or metrics.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import toolkit
from tests.reference import reference_kpis

ROOT = Path(__file__).resolve().parents[1]
MENTION = re.compile(r"@(\w+)")


def _id(value: str) -> str:
    value = value.strip().replace(",", "")
    return value[:-2] if value.endswith(".0") else value


def independent_messages(path: Path) -> list[dict]:
    """twcs rows -> canonical-ish dicts, conversations = reply-tree roots present in the file."""
    # One twcs text holds a bare "\r\r" outside quotes, which the csv module takes for line ends.
    text = re.sub(r"\r(?!\n)", " ", path.read_bytes().decode("utf-8"))
    rows = [r for r in csv.DictReader(io.StringIO(text, newline=""))
            if any((v or "").strip() for k, v in r.items() if k)]
    parent = {_id(r["tweet_id"]): _id(r["in_response_to_tweet_id"] or "") for r in rows}

    def root(tweet: str) -> str:
        seen = set()
        while parent.get(tweet) and parent[tweet] in parent and tweet not in seen:
            seen.add(tweet)
            tweet = parent[tweet]
        return tweet

    messages = []
    for i, r in enumerate(rows, start=1):
        inbound = r["inbound"].strip().lower() == "true"
        messages.append({
            "row_nr": i,
            "message_id": _id(r["tweet_id"]),
            "conversation_id": root(_id(r["tweet_id"])),
            "created_at": dt.datetime.strptime(r["created_at"], "%a %b %d %H:%M:%S %z %Y"),
            "direction": "inbound" if inbound else "outbound",
            "customer_id": r["author_id"] if inbound else None,
            "author": r["author_id"],
            "text": r["text"],
            "is_bot": False,
        })
    # brand: author of the conversation's first outbound message, else the root's first @mention
    by_conv = defaultdict(list)
    for m in messages:
        by_conv[m["conversation_id"]].append(m)
    for conv, msgs in by_conv.items():
        msgs.sort(key=lambda m: (m["created_at"], m["row_nr"]))
        outbound = [m for m in msgs if m["direction"] == "outbound"]
        if outbound:
            brand = outbound[0]["author"]
        else:
            root_msg = next(m for m in msgs if m["message_id"] == conv)
            mention = MENTION.search(root_msg["text"])
            brand = mention.group(1) if mention else None
        for m in msgs:
            m["brand"] = brand
    return messages


KEYS = ("inbound_messages", "outbound_messages", "conversations", "unique_customers", "turns",
        "answered_turns", "reply_rate", "frt_mean_s", "frt_median_s", "frt_p90_s", "art_mean_s",
        "art_median_s", "art_p90_s", "sla_compliance")


def assert_same(got: dict, want: dict) -> None:
    for key in KEYS:
        if want[key] is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(want[key], rel=1e-9), key


@pytest.mark.parametrize("name", ["twcs_head.csv", "twcs_sample.csv", "twcs_random.csv"])
def test_overall_kpis_equal_the_independent_computation(realdata, name):
    path = realdata / name
    want = reference_kpis(independent_messages(path))
    (got,) = toolkit.kpis(toolkit.read_messages(path)).to_dicts()
    assert_same(got, want)


def test_kpis_by_brand_on_twcs_head(realdata):
    path = realdata / "twcs_head.csv"
    msgs = independent_messages(path)
    as_of = max(m["created_at"] for m in msgs)
    got = {r["brand"]: r for r in toolkit.kpis(toolkit.read_messages(path), by="brand").to_dicts()}
    brands = {m["brand"] for m in msgs}
    assert set(got) == brands
    assert len(brands) > 20
    for brand in brands:
        subset = [m for m in msgs if m["brand"] == brand]
        assert_same(got[brand], reference_kpis(subset, as_of=as_of))


def test_excel_resave_gives_the_same_numbers_as_its_rows(realdata):
    padded = realdata / "twcs_excel_padded.csv"
    want = reference_kpis(independent_messages(padded))
    (got,) = toolkit.kpis(toolkit.read_messages(padded)).to_dicts()
    assert_same(got, want)


def test_cli_kpis_json_by_brand_on_twcs_head(realdata):
    out = subprocess.run(
        [sys.executable, "-m", "toolkit", "kpis", str(realdata / "twcs_head.csv"), "--by", "brand",
         "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    rows = json.loads(out.stdout)
    assert isinstance(rows, list) and len(rows) > 20
    assert {"brand", *KEYS, "sla_target_s"} <= set(rows[0])
    assert "rows" in out.stderr  # the data-quality summary goes to stderr
    assert sum(r["inbound_messages"] for r in rows) == sum(
        m["direction"] == "inbound" for m in independent_messages(realdata / "twcs_head.csv"))
