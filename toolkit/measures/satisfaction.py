"""Satisfaction: CSAT and NPS from survey answers logged on any row of a conversation.

Each conversation counts once, with its **last** valid rating (in conversation order): for
``csat`` a value in 1-5, for ``nps`` a value in 0-10; other values are ignored.

Registered metrics (conversation level):

* ``csat`` (needs ``csat``): share of conversations whose last rating is 4 or 5, among rated
  conversations; ``csat_responses``: how many rated conversations;
* ``nps`` (needs ``nps``): 100 x (promoters 9-10 - detractors 0-6) / responses, computed as the
  mean of +100 / 0 / -100 per rated conversation; ``nps_responses``.
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._frames import Frame, as_lazy, into_expr, same_kind
from toolkit.core.metrics import Metric, register_metric
from toolkit.core.turns import conversations
from toolkit.errors import DataError, check_columns
from toolkit.present.i18n import _

__all__ = ["nps_points", "satisfaction_breakdown"]



def nps_points(rating: str | pl.Expr | nw.Expr) -> Any:
    """+100 for a promoter (9-10), -100 for a detractor (0-6), 0 for a passive; null stays null.

    A narwhals expression in gives a narwhals expression out (the NPS metric, on every engine);
    a column name or a polars expression gives a polars expression.
    """
    ns: Any = nw if isinstance(rating, nw.Expr) else pl
    rating = rating if ns is nw else into_expr(rating)
    return (
        ns.when(rating >= 9)
        .then(ns.lit(100.0))
        .when(rating <= 6)
        .then(ns.lit(-100.0))
        .when(~rating.is_null())
        .then(ns.lit(0.0))
    )


def satisfaction_breakdown(messages: Frame, *, by: str | list[str] | None = None) -> Frame:
    """Counts behind CSAT and NPS per group: the distribution of last ratings.

    Parameters
    ----------
    messages
        Canonical messages with ``csat`` and/or ``nps``.
    by
        Conversation-level group column(s), e.g. ``"channel"`` or ``"agent_id"``.

    Returns
    -------
    The group columns and, per available score: ``csat_responses``, ``csat_satisfied`` (4-5),
    ``csat``; ``nps_responses``, ``promoters``, ``passives``, ``detractors``, ``nps``.
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if "csat" not in columns and "nps" not in columns:
        msg = _("messages have neither 'csat' nor 'nps' (found: {columns})").format(columns=columns)
        raise DataError(msg)
    conv = conversations(lf)
    groups = check_columns(conv, "by", by)
    aggs: list[pl.Expr] = []
    if "csat" in columns:
        rated = pl.col("last_csat").is_not_null()
        aggs += [
            rated.sum().cast(pl.Int64).alias("csat_responses"),
            (pl.col("last_csat") >= 4).sum().cast(pl.Int64).alias("csat_satisfied"),
            (pl.col("last_csat") >= 4).filter(rated).mean().alias("csat"),
        ]
    if "nps" in columns:
        r = pl.col("last_nps")
        aggs += [
            r.is_not_null().sum().cast(pl.Int64).alias("nps_responses"),
            (r >= 9).sum().cast(pl.Int64).alias("promoters"),
            ((r > 6) & (r < 9)).sum().cast(pl.Int64).alias("passives"),
            (r <= 6).sum().cast(pl.Int64).alias("detractors"),
            nps_points(r).mean().alias("nps"),
        ]
    result = conv.group_by(groups).agg(aggs).sort(groups) if groups else conv.select(aggs)
    return same_kind(result, messages)


register_metric(
    Metric("csat", "conversations", "share", value=nw.col("last_csat") >= 4,
           where=~nw.col("last_csat").is_null(), requires=("csat",), label="CSAT (share satisfied)", polarity="higher",
           description="CSAT: share of rated conversations whose last 1-5 rating is 4 or 5"),
    replace=True,
)
register_metric(
    Metric("csat_responses", "conversations", "count", where=~nw.col("last_csat").is_null(),
           requires=("csat",), label="CSAT responses", polarity=None,
           description="conversations with a 1-5 CSAT rating"),
    replace=True,
)
register_metric(
    Metric("nps", "conversations", "mean", value=nps_points(nw.col("last_nps")),
           where=~nw.col("last_nps").is_null(), requires=("nps",), label="NPS", polarity="higher",
           description="NPS: 100 x (promoters 9-10 - detractors 0-6) / responses, each "
           "conversation's last 0-10 rating"),
    replace=True,
)
register_metric(
    Metric("nps_responses", "conversations", "count", where=~nw.col("last_nps").is_null(),
           requires=("nps",), label="NPS responses", polarity=None,
           description="conversations with a 0-10 NPS rating"),
    replace=True,
)
