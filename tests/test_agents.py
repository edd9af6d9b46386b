"""Issue 5.2: the agent report and its coaching flag (robust z + Mann-Whitney + BH)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import false_discovery_control

import toolkit
from toolkit.analysis.agents import benjamini_hochberg, robust_z
from toolkit.present import format as fmt

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)


def team_log(slow: dict[str, float], agents: int = 8, turns: int = 30, seed: int = 0,
             brand: str = "Acme") -> pl.DataFrame:
    """Each agent answers ``turns`` one-turn conversations; response times lognormal around
    10 min, times ``slow[agent]``."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(agents):
        agent = f"A{a}"
        for k in range(turns):
            conv = f"{brand}-{agent}-{k}"
            start = T0 + dt.timedelta(minutes=int(rng.integers(0, 20_000)))
            seconds = float(rng.lognormal(np.log(600 * slow.get(agent, 1.0)), 0.4))
            rows.append((conv, start, "inbound", None, 0.0))
            rows.append((conv, start + dt.timedelta(seconds=seconds), "outbound", agent, 100.0))
    n = len(rows)
    return pl.DataFrame({
        "row_nr": list(range(1, n + 1)),
        "message_id": [f"{brand}{i}" for i in range(n)],
        "conversation_id": [r[0] for r in rows],
        "in_reply_to": [None] * n,
        "created_at": [r[1] for r in rows],
        "direction": [r[2] for r in rows],
        "channel": ["twitter"] * n,
        "customer_id": [r[0] if r[2] == "inbound" else None for r in rows],
        "agent_id": [r[3] for r in rows],
        "brand": [brand] * n,
        "is_bot": [False] * n,
        "handle_seconds": [r[4] for r in rows],
    }, schema_overrides={"in_reply_to": pl.String, "agent_id": pl.String,
                         "customer_id": pl.String, "created_at": pl.Datetime("us", "UTC")})


def test_a_slow_agent_is_flagged_and_the_others_are_not():
    report = toolkit.agent_report(team_log({"A3": 2.5}))
    rows = {r["agent_id"]: r for r in report.to_dicts()}
    assert rows["A3"]["coaching_flag"]
    assert rows["A3"]["robust_z"] > 2.5 and rows["A3"]["p_adjusted"] < 0.05
    assert "slower than peers" in rows["A3"]["coaching_note"]
    # The note speaks plainly; the statistics behind it are in words in their own column.
    assert not any(w in rows["A3"]["coaching_note"] for w in ("robust", "Mann", "Benjamini", "p <", "p ="))
    evidence = rows["A3"]["coaching_evidence"]
    assert "typical spreads from the peers' median" in evidence and "once allowing for the number of agents" in evidence
    assert fmt.number(rows["A3"]["robust_z"], decimals=1, signed=True) in evidence
    assert not any(r["coaching_flag"] for a, r in rows.items() if a != "A3")
    assert report["agent_id"][0] == "A3"  # flagged first
    assert rows["A0"]["replies"] == 30 and rows["A0"]["turns_answered"] == 30
    assert rows["A0"]["aht_s"] == 100.0 and rows["A0"]["sla_compliance"] == 1.0


def test_report_columns_match_kpis_by_agent():
    m = team_log({})
    report = toolkit.agent_report(m, peers_by=None)
    ref = {r["agent_id"]: r for r in toolkit.kpis(m, by="agent_id").to_dicts()}
    for r in report.to_dicts():
        for key in ("art_median_s", "art_p90_s", "frt_median_s", "sla_compliance", "aht_s"):
            assert r[key] == pytest.approx(ref[r["agent_id"]][key]), key


def test_a_raw_ranking_is_not_enough_the_last_agent_of_an_even_team_is_not_flagged():
    report = toolkit.agent_report(team_log({}, seed=4))
    assert not report["coaching_flag"].any()
    assert report["coaching_note"].str.starts_with("in line with peers").all()


def test_too_few_turns_or_peers_are_said_in_words():
    report = toolkit.agent_report(team_log({"A1": 3.0}, agents=3, turns=10), min_turns=20)
    assert not report["coaching_flag"].any()
    assert report["coaching_note"].str.contains("too few answered turns").all()
    report = toolkit.agent_report(team_log({}, agents=3, turns=25), min_peers=4)
    assert report["coaching_note"].str.contains("too few comparable peers").all()


def test_peers_are_compared_within_their_brand():
    # B-brand agents are all slow; they are not flagged against A-brand's fast team.
    m = pl.concat([team_log({}, brand="Fast"),
                   team_log({f"A{i}": 3.0 for i in range(8)}, brand="Slow", seed=1)])
    report = toolkit.agent_report(m.lazy())
    assert report.height == 16 and not report["coaching_flag"].any()
    pooled = toolkit.agent_report(m, peers_by=None)
    assert pooled.height == 8  # same ids across brands collapse without a peer group


def test_benjamini_hochberg_matches_scipy_and_robust_z():
    p = np.array([0.001, 0.04, 0.03, 0.2, 0.5, 0.01])
    assert np.allclose(benjamini_hochberg(p), false_discovery_control(p))
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z[2] == 0.0 and z[4] == pytest.approx(97 / 1.4826)
    assert np.isnan(robust_z(np.array([5.0, 5.0, 5.0]))).all()
