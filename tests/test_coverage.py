"""Issue 5: extra metrics appear in kpis exactly when their columns exist, equal a plain-Python
reference through the CLI, and coverage says what a log supports and what would unlock the rest."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit
from tests.reference_issue5 import reference_outcomes

ROOT = Path(__file__).resolve().parents[1]
EXTRA = ("aht_s", "tht_s", "deflection_rate", "sentiment_conversion_rate",
         "sentiment_neutral_or_better_rate", "csat", "nps")
FIELDS = ["message_id", "conversation_id", "created_at", "direction", "channel", "customer_id",
          "agent_id", "is_bot", "sentiment", "handle_seconds", "deflected_to", "csat", "nps", "text"]


def generated_log(path: Path, seed: int, conversations: int = 60) -> Path:
    """A random log with every outcome column, including awkward values."""
    rng = random.Random(seed)
    t0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    rows = []
    for c in range(conversations):
        start = t0 + dt.timedelta(minutes=rng.randrange(0, 3000))
        for k in range(rng.randint(1, 6)):
            inbound = k == 0 or rng.random() < 0.5
            when = start + dt.timedelta(minutes=rng.choice([0, 0, 1, 5, 30]) * k)  # ties on purpose
            rows.append({
                "message_id": f"m{len(rows) + 1}",
                "conversation_id": f"c{c}",
                "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "direction": "inbound" if inbound else "outbound",
                "channel": rng.choice(["twitter", "email"]),
                "customer_id": f"u{c}" if inbound else "",
                "agent_id": "" if inbound else rng.choice(["A1", "A2"]),
                "is_bot": "false",
                "sentiment": rng.choice(["", "", f"{rng.uniform(-1, 1):.3f}", "negative",
                                         "Positive", "neutral", "-0.05", "0.05"]) if inbound else "",
                "handle_seconds": rng.choice(["", "", str(rng.randint(0, 900))]) if not inbound else "",
                "deflected_to": rng.choice([""] * 12 + ["phone", "email", "chat"]),
                "csat": rng.choice([""] * 6 + ["1", "2", "3", "4", "5"]),
                "nps": rng.choice([""] * 6 + [str(v) for v in range(11)]),
                "text": "Please call us" if rng.random() < 0.1 else "hello",
            })
    rng.shuffle(rows)  # input order must not matter (except for ties, which keep file order)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def cli_kpis(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "toolkit", "kpis", str(path), "--format", "json",
                          "--quiet"], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    return row


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_cli_outcome_kpis_equal_the_plain_python_reference(tmp_path, seed):
    path = generated_log(tmp_path / f"log{seed}.csv", seed)
    got = cli_kpis(path)
    want = reference_outcomes(path)
    for key in EXTRA:
        assert want[key] is not None, key
        assert _close(got[key], want[key]), (key, got[key], want[key])


def test_cli_outcome_kpis_on_the_sample_log_equal_the_reference():
    path = ROOT / "sample_data" / "sample_messages.csv"
    if not path.exists():
        pytest.skip("sample_data/sample_messages.csv not generated yet")
    got = cli_kpis(path)
    want = reference_outcomes(path)
    for key in EXTRA:
        assert want[key] is not None, key
        assert _close(got[key], want[key]), (key, got[key], want[key])


def test_metrics_are_absent_without_their_columns(tmp_path):
    path = generated_log(tmp_path / "log.csv", 5, conversations=10)
    m = toolkit.read_messages(path) if hasattr(toolkit, "read_messages") else None
    if m is None:
        from toolkit.io.load import read_messages

        m = read_messages(path)
    full = toolkit.kpis(m).columns
    assert set(EXTRA) <= set(full)
    bare = toolkit.kpis(m.drop("handle_seconds", "csat", "nps", "sentiment", "deflected_to", "text"))
    assert not set(EXTRA) & set(bare.columns)
    # Without deflected_to but with text, deflection is detected from the replies' text.
    assert "deflection_rate" in toolkit.kpis(m.drop("deflected_to")).columns


def test_metric_coverage_lists_supported_and_missing():
    cov = toolkit.metric_coverage(["created_at", "direction", "conversation_id", "csat"])
    rows = {r["metric"]: r for r in cov.to_dicts()}
    assert rows["csat"]["supported"] and rows["frt_median_s"]["supported"]
    assert not rows["aht_s"]["supported"] and rows["aht_s"]["missing"] == ["handle_seconds"]
    assert rows["sentiment_conversion_rate"]["missing"] == ["sentiment"]
    assert "add_sentiment" in rows["sentiment_conversion_rate"]["hint"]
    assert rows["frt_bh_median_s"]["missing"] == ["calendar"]
    # deflection is supported by deflected_to OR text
    assert not rows["deflection_rate"]["supported"]
    assert toolkit.metric_coverage(["text"]).filter(
        toolkit.metric_coverage(["text"])["metric"] == "deflection_rate")["supported"].item()


def test_unlocking_columns_counts_metrics_per_column():
    out = toolkit.unlocking_columns(["created_at", "direction", "conversation_id"])
    rows = {r["column"]: r for r in out.to_dicts()}
    assert set(rows["handle_seconds"]["metrics"]) >= {"aht_s", "tht_s"}
    assert set(rows["sentiment"]["metrics"]) >= {"sentiment_conversion_rate",
                                                 "sentiment_neutral_or_better_rate"}
    assert "csat" in rows["csat"]["metrics"] and "nps" in rows["nps"]["metrics"]
    assert rows["calendar"]["unlocks"] >= 8
    counts = out["unlocks"].to_list()
    assert counts == sorted(counts, reverse=True)


def test_coverage_accepts_frames(tmp_path):
    import polars as pl

    frame = pl.DataFrame({"created_at": [], "direction": [], "conversation_id": [], "nps": []})
    for given in (frame, frame.lazy()):
        cov = toolkit.metric_coverage(given)
        assert cov.filter(pl.col("metric") == "nps")["supported"].item()
