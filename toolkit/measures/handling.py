"""Handling time: agent working time per conversation, from ``handle_seconds``.

SPEC: *HT* of a conversation = the sum of its messages' ``handle_seconds``; *AHT* = mean HT over
the conversations that have at least one ``handle_seconds`` value; *THT* = total. Registered
metrics (conversation level, need ``handle_seconds``): ``aht_s``, ``ht_median_s``, ``tht_s``.
Per agent, channel or period: ``toolkit.kpis(messages, by="agent_id" | "channel", every="1w")``
(a conversation belongs to the agent of its first human reply, and to its first message's
channel). Channel against channel, with a test: :func:`handling_by_channel`.
"""

from __future__ import annotations

from collections.abc import Mapping

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._frames import Frame, as_lazy
from toolkit.core.metrics import Metric, register_metric
from toolkit.core.turns import conversations
from toolkit.present import format as fmt
from toolkit.present.i18n import _

__all__ = ["handling_by_channel", "handling_times"]


_has_ht = pl.col("handle_seconds").is_not_null()
_has_ht_nw = ~nw.col("handle_seconds").is_null()  # the metrics: neutral, for every engine


def handling_times(messages: Frame) -> Frame:
    """One row per conversation with a handling time: ``conversation_id``, ``channel``,
    ``agent_id`` (first human reply's), ``started_at``, ``handle_seconds`` (HT).

    Parameters
    ----------
    messages
        Canonical messages with ``handle_seconds``.
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if "handle_seconds" not in columns:
        msg = _("messages have no 'handle_seconds' column (found: {columns})").format(columns=columns)
        raise ValueError(msg)
    conv = conversations(lf)
    keep = [c for c in ("conversation_id", "channel", "agent_id", "started_at", "handle_seconds")
            if c in conv.collect_schema().names()]
    result = conv.filter(_has_ht).select(keep)
    return result.collect() if isinstance(messages, pl.DataFrame) else result  # type: ignore[return-value]


def handling_by_channel(
    messages: pl.DataFrame | pl.LazyFrame,
    *,
    groups: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """AHT per channel (or channel group) compared with the rest, with a test.

    Parameters
    ----------
    messages
        Canonical messages with ``handle_seconds`` and ``channel``.
    groups
        Optional channel -> group mapping, e.g. ``{"twitter": "social", "facebook": "social",
        "instagram": "social", "email": "email"}`` to compare social with email; unmapped
        channels keep their name.
    alpha
        Significance level for the ``note``.

    Returns
    -------
    DataFrame (always eager: it runs a test per group), one row per channel (group):
    ``channel``, ``conversations`` (with an HT), ``aht_s``, ``ht_median_s``, ``ht_p90_s``,
    ``tht_s``, ``aht_ratio_vs_rest`` (this AHT / AHT of all other channels), ``p_value``
    (two-sided Mann-Whitney U of this channel's HTs vs the others'), ``note`` in words.
    """
    from scipy.stats import mannwhitneyu

    ht = as_lazy(handling_times(as_lazy(messages))).collect()
    if "channel" not in ht.columns:
        msg = _("handling_by_channel needs a 'channel' column")
        raise ValueError(msg)
    if groups:
        ht = ht.with_columns(pl.col("channel").replace(dict(groups)))
    ht = ht.with_columns(pl.col("channel").fill_null("(none)"))
    summary = (
        ht.group_by("channel")
        .agg(
            pl.len().cast(pl.Int64).alias("conversations"),
            pl.col("handle_seconds").mean().alias("aht_s"),
            pl.col("handle_seconds").median().alias("ht_median_s"),
            pl.col("handle_seconds").quantile(0.9, "linear").alias("ht_p90_s"),
            pl.col("handle_seconds").sum().alias("tht_s"),
        )
        .sort("channel")
    )
    ratios: list[float | None] = []
    pvalues: list[float | None] = []
    notes: list[str] = []
    # One test per channel group (a handful), not per row.
    for channel, aht in summary.select("channel", "aht_s").iter_rows():
        inside = ht.filter(pl.col("channel") == channel)["handle_seconds"].to_numpy()
        rest = ht.filter(pl.col("channel") != channel)["handle_seconds"].to_numpy()
        if len(rest) == 0 or len(inside) == 0:
            ratios.append(None)
            pvalues.append(None)
            notes.append(_("{channel}: no other channel to compare with").format(channel=channel))
            continue
        rest_mean = float(rest.mean())
        ratio = aht / rest_mean if rest_mean > 0 else None
        p = float(mannwhitneyu(inside, rest, alternative="two-sided").pvalue)
        ratios.append(ratio)
        pvalues.append(p)
        if ratio is None:
            notes.append(_("{channel}: average handling time {aht}; the other channels log no handling time").format(
                channel=channel, aht=fmt.duration(aht)))
            continue
        size = ratio if ratio >= 1 else (1 / ratio if ratio > 0 else float("inf"))
        verdict = (_("{p}, a real difference") if p < alpha else _("{p}, could be chance")).format(p=fmt.p_value(p))
        text = (
            _("{channel}: average handling time {aht}, {size} longer than the other channels ({rest}); {verdict}")
            if ratio >= 1 else
            _("{channel}: average handling time {aht}, {size} shorter than the other channels ({rest}); {verdict}")
        )
        notes.append(text.format(channel=channel, aht=fmt.duration(aht), size=fmt.ratio(size),
                                 rest=fmt.duration(rest_mean), verdict=verdict))
    return summary.with_columns(
        aht_ratio_vs_rest=pl.Series(ratios, dtype=pl.Float64),
        p_value=pl.Series(pvalues, dtype=pl.Float64),
        note=pl.Series(notes, dtype=pl.String),
    )


register_metric(
    Metric("aht_s", "conversations", "mean", value=nw.col("handle_seconds"), where=_has_ht_nw,
           requires=("handle_seconds",), unit="s", label="average handling time", polarity="lower",
           description="average handling time: mean over conversations of the sum of "
           "handle_seconds (conversations with at least one value)"),
    replace=True,
)
register_metric(
    Metric("ht_median_s", "conversations", "median", value=nw.col("handle_seconds"),
           where=_has_ht_nw, requires=("handle_seconds",), unit="s", label="handling time (median)",
           polarity="lower", description="median handling time per conversation"),
    replace=True,
)
register_metric(
    Metric("tht_s", "conversations", "sum", value=nw.col("handle_seconds"), where=_has_ht_nw,
           requires=("handle_seconds",), unit="s", label="total handling time", polarity=None,
           description="total handling time: sum of handle_seconds"),
    replace=True,
)
