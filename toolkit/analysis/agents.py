"""Agent report: Sprout Social's "Inbox Team" report, with a statistical coaching flag.

One row per agent (the ``agent_id`` of the brand's replies; on twcs data the reply's sign-off).
An agent is *flagged for coaching* only when two independent pieces of evidence agree, never from
a raw ranking:

1. **robust z** of the agent's median response time against the peers' medians:
   ``z = (log m_a - median_j log m_j) / (1.4826 * MAD_j log m_j)`` over the agents of the same
   peer group (default: the same brand) with at least ``min_turns`` answered turns. Logs, because
   response times are multiplicative ("2x slower" is the same distance whatever the team's pace);
   median and MAD, so one extreme agent cannot hide itself by inflating the spread.
2. a **Mann-Whitney U** test (two-sided) of the agent's response times against all other agents'
   of the peer group, with the **Benjamini-Hochberg** correction across all tested agents.

``coaching_flag`` is true when ``z > z_threshold`` (default 2.5: slower than peers) **and** the
adjusted p-value is below ``alpha`` (0.05) **and** the agent has ``min_turns`` answered turns and
the group at least ``min_peers`` eligible agents. Much *faster* agents are described in the note
(a practice worth sharing, or replies worth checking) but not flagged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from toolkit._durations import duration_seconds
from toolkit._frames import as_lazy
from toolkit.calendar.business_hours import as_calendar
from toolkit.core.kpis import kpis
from toolkit.errors import DataError, check_columns
from toolkit.present import format as fmt
from toolkit.present.i18n import _, speaks

__all__ = ["agent_report", "benjamini_hochberg", "robust_z"]

_MAD_SCALE = 1.4826


def robust_z(values: np.ndarray) -> np.ndarray:
    """Robust z-scores ``(x - median) / (1.4826 * MAD)``; NaN when the MAD is 0."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return x
    med = np.median(x)
    mad = _MAD_SCALE * np.median(np.abs(x - med))
    if mad == 0 or not np.isfinite(mad):
        return np.full_like(x, np.nan)
    return (x - med) / mad


def benjamini_hochberg(pvalues: list[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1)."""
    p = np.asarray(pvalues, dtype=float)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


@speaks
def agent_report(
    messages: pl.DataFrame | pl.LazyFrame,
    *,
    sla: float | str = 3600,
    calendar: Any = None,
    peers_by: str | None = "brand",
    z_threshold: float = 2.5,
    alpha: float = 0.05,
    min_turns: int = 20,
    min_peers: int = 4,
) -> pl.DataFrame:
    """Per-agent KPIs with a coaching flag backed by a robust statistic and a test.

    Parameters
    ----------
    messages
        Canonical messages (eager or lazy) with ``agent_id`` on the brand's replies.
    sla
        SLA target: seconds or text such as ``"1h"``.
    calendar
        A :class:`toolkit.BusinessCalendar` (or opening hours as text): times and SLA are then counted in business hours
        (and the business-hours columns are added); the coaching statistics use them.
    peers_by
        Compare each agent with the agents of the same value of this column (default
        ``"brand"``, when the log has it); None: all agents are peers. The report then has one
        row per (peer group, agent).
    z_threshold, alpha
        Flag when robust z > ``z_threshold`` and the BH-adjusted p-value < ``alpha``.
    min_turns
        Minimum answered turns for an agent to be tested.
    min_peers
        Minimum eligible agents in a peer group for its agents to be tested.
    lang
        Language of the notes (default the current one, :mod:`toolkit.present.i18n`).

    Returns
    -------
    DataFrame, one row per agent: the peer-group column (if any), ``agent_id``, ``replies``
    (human outbound messages), ``turns_answered``, ``conversations`` (whose first human reply is
    the agent's), ``frt_median_s``, ``frt_p90_s``, ``art_median_s``, ``art_p90_s``,
    ``sla_compliance`` (share of the turns the agent answered that were answered within the
    target; unanswered turns have no agent), business-hours columns with a calendar, ``aht_s``,
    ``sentiment_conversion_rate``, ``csat``, ``nps`` (when the log supports them),
    ``robust_z``, ``p_value``, ``p_adjusted``, ``coaching_flag``, ``coaching_note`` (the verdict
    in plain words), ``coaching_evidence`` (the statistics behind it, in words; null when the
    agent was not tested).
    Agents flagged come first, then by group and agent id.
    """
    from scipy.stats import mannwhitneyu

    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if "agent_id" not in columns:
        msg = f"agent_report needs an 'agent_id' column (found: {columns})"
        raise DataError(msg)
    # The default peer column is optional (a one-brand log has none); a column the caller
    # names must exist.
    group_cols = [] if peers_by is None or (peers_by == "brand" and "brand" not in columns) else (
        check_columns(columns, "peers_by", peers_by)
    )
    sla = duration_seconds(sla, argument="sla")
    calendar = as_calendar(calendar)
    keys = [*group_cols, "agent_id"]
    bh = calendar is not None

    wanted = [
        "answered_turns", "frt_median_s", "frt_p90_s", "art_median_s", "art_p90_s",
        "sla_compliance", "frt_bh_median_s", "frt_bh_p90_s", "art_bh_median_s", "art_bh_p90_s",
        "sla_bh_compliance", "aht_s", "sentiment_conversion_rate", "csat", "nps",
    ]
    from toolkit.core.kpis import FactTables

    facts = FactTables(lf, sla=sla, calendar=calendar)
    supported = facts.metrics()
    chosen = [w for w in wanted if w in supported]
    per_agent = kpis(lf, by=keys, sla=sla, calendar=calendar, metrics=chosen).collect()
    per_agent = per_agent.filter(pl.col("agent_id").is_not_null()).rename(
        {"answered_turns": "turns_answered"}
    )

    human_out = (pl.col("direction") == "outbound") & ~pl.col("is_bot").fill_null(False)
    replies = (
        lf.filter(human_out & pl.col("agent_id").is_not_null())
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("replies"))
    )
    from toolkit.core.turns import conversations

    convs = (
        conversations(lf)
        .filter(pl.col("agent_id").is_not_null())
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("conversations"))
    )
    report = (
        replies.join(convs, on=keys, how="full", coalesce=True, nulls_equal=True)
        .collect()
        .join(per_agent, on=keys, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("replies", "conversations", "turns_answered").fill_null(0))
    )

    # Response times of answered turns, per agent (business time with a calendar).
    seconds = "response_bh_seconds" if bh else "response_seconds"
    times = (
        facts.turns.filter(pl.col("agent_id").is_not_null() & pl.col(seconds).is_not_null())
        .select(*keys, pl.col(seconds).alias("_t"))
        .collect()
    )
    stats = _coaching(times, keys, group_cols, min_turns, min_peers, mannwhitneyu)
    report = report.join(stats, on=keys, how="left", nulls_equal=True)
    report = report.with_columns(
        coaching_flag=(
            (pl.col("robust_z") > z_threshold) & (pl.col("p_adjusted") < alpha)
        ).fill_null(False)
    )
    notes = [
        _note(row, z_threshold, alpha, min_turns, min_peers, bh)
        for row in report.iter_rows(named=True)  # per agent, to write words
    ]
    evidence = [_evidence(row, z_threshold, alpha) for row in report.iter_rows(named=True)]
    report = report.with_columns(
        coaching_note=pl.Series(notes, dtype=pl.String), coaching_evidence=pl.Series(evidence, dtype=pl.String)
    )
    first = [*keys, "replies", "turns_answered", "conversations"]
    metric_cols = [c for c in chosen if c in report.columns and c != "answered_turns"]
    tail = ["robust_z", "p_value", "p_adjusted", "coaching_flag", "coaching_note", "coaching_evidence"]
    return report.select(*first, *metric_cols, *tail).sort(
        ["coaching_flag", *keys], descending=[True] + [False] * len(keys), nulls_last=True
    )


def _coaching(
    times: pl.DataFrame,
    keys: list[str],
    group_cols: list[str],
    min_turns: int,
    min_peers: int,
    mannwhitneyu: Any,
) -> pl.DataFrame:
    per_agent = times.group_by(keys).agg(
        pl.len().alias("_n"), pl.col("_t").median().alias("_median"), pl.col("_t")
    )
    eligible = per_agent.filter(pl.col("_n") >= min_turns)
    counts = eligible.group_by(group_cols).agg(pl.len().alias("_peers")) if group_cols else None
    eligible = (
        eligible.join(counts, on=group_cols, how="left", nulls_equal=True)
        if counts is not None
        else eligible.with_columns(_peers=pl.lit(eligible.height, pl.UInt32))
    )
    rows: list[dict[str, Any]] = []
    pvals: list[float] = []
    groups = eligible.partition_by(group_cols, maintain_order=True) if group_cols else [eligible]
    for group in groups:  # one pass per peer group (brands), tests per agent
        if group.height < min_peers:
            for row in group.iter_rows(named=True):
                rows.append({**{k: row[k] for k in keys}, "robust_z": None, "p_value": None,
                             "_peers": row["_peers"], "_peer_median": None})
            continue
        logs = np.log1p(group["_median"].to_numpy())
        z = robust_z(logs)
        peer_median = float(np.expm1(np.median(logs)))
        samples = group["_t"].to_list()
        for i, row in enumerate(group.iter_rows(named=True)):
            others = np.concatenate([np.asarray(s) for j, s in enumerate(samples) if j != i])
            p = float(mannwhitneyu(np.asarray(samples[i]), others, alternative="two-sided").pvalue)
            pvals.append(p)
            rows.append({**{k: row[k] for k in keys},
                         "robust_z": None if math.isnan(z[i]) else float(z[i]),
                         "p_value": p, "_peers": row["_peers"], "_peer_median": peer_median})
    adjusted = iter(benjamini_hochberg(pvals))
    for r in rows:
        r["p_adjusted"] = float(next(adjusted)) if r["p_value"] is not None else None
    schema = {**{k: times.schema[k] for k in keys}, "robust_z": pl.Float64, "p_value": pl.Float64,
              "_peers": pl.Int64, "_peer_median": pl.Float64, "p_adjusted": pl.Float64}
    out = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return out.join(per_agent.select(*keys, "_n", "_median"), on=keys, how="right",
                    nulls_equal=True).select(*keys, "_n", "_median", "_peers", "_peer_median",
                                             "robust_z", "p_value", "p_adjusted")


def _note(row: dict[str, Any], z_threshold: float, alpha: float, min_turns: int,
          min_peers: int, bh: bool) -> str:
    """The agent's note, in the current language (:mod:`toolkit.present.i18n`)."""
    n = row.get("_n")
    if n is None or row["turns_answered"] == 0:
        return _("answered no customer turn (replies only inside threads already answered)")
    if n < min_turns:
        return _("too few answered turns to judge ({n} < {min_turns})").format(n=n, min_turns=min_turns)
    if row.get("robust_z") is None and row.get("p_value") is None:
        return _("too few comparable peers to judge ({peers} < {min_peers} agents)").format(
            peers=row.get("_peers"), min_peers=min_peers)
    z, q = row.get("robust_z"), row["p_adjusted"]
    values = {
        "mine": fmt.duration(row["_median"]), "peers": fmt.duration(row["_peer_median"]),
        "clock": _(" in business hours") if bh else "",
    }  # fmt: skip
    if row["coaching_flag"]:
        return _("slower than peers: median response {mine}{clock} vs {peers} for the team; "
                 "worth a coaching conversation").format(**values)
    if z is not None and z < -z_threshold and q is not None and q < alpha:
        return _("much faster than peers: median response {mine}{clock} vs {peers}; "
                 "a practice to share, or replies worth a quality check").format(**values)
    return _("in line with peers: median response {mine}{clock} vs {peers}").format(**values)


def _evidence(row: dict[str, Any], z_threshold: float, alpha: float) -> str | None:
    """The statistics behind the agent's note, in words (None when the agent was not tested)."""
    z, p, q = row.get("robust_z"), row.get("p_value"), row.get("p_adjusted")
    if z is None and p is None:
        return None
    distance = (
        _("{z} typical spreads from the peers' median (flagged beyond +{limit})").format(
            z=fmt.number(z, decimals=1, signed=True), limit=fmt.number(z_threshold, decimals=1))
        if z is not None else _("no spread between peers to measure a distance (all alike)")
    )
    chance = _("chance of a gap this large between alike agents: {p}, {q} once allowing for the "
               "number of agents checked (flagged below {alpha})").format(
        p=fmt.p_value(p), q=fmt.p_value(q, prefix=False), alpha=fmt.number(alpha, decimals=2))
    return f"{distance}; {chance}"
