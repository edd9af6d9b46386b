"""Outcomes: resolution, first-contact resolution, honest time to reply, defection and revenue,
listening (SPEC "Customers table", "Outcomes", "Listening").

The keys are registered metrics like every other KPI, so they flow through :func:`toolkit.kpis`,
the CLI, comparisons and the app. They read columns that :class:`toolkit.FactTables` adds:

* conversations (:func:`conversation_outcomes`): ``resolved`` (``resolved_at`` set, else
  inferred: the last message is a human brand reply and the data go on for at least 72 h after
  it without a new message from the customer), ``first_of_customer`` (the customer's first
  conversation in the data: where a customer is counted for defection and ARPU),
  ``churn_after_s`` (``churned_at`` - start), ``human_replied``, ``untagged``, ``bad_experience``;
* turns: ``waited_seconds`` (reply time, or the wait to the end of the data when unanswered).

Kaplan-Meier (``frt_km_median_s``, ``art_km_median_s``, ``reply_within_24h``) is a statistic of
two columns (a duration and whether the reply was observed), computed as one polars aggregation
per group: turns sorted by duration (replies before censorings at the same time), the
product-limit survival ``S = cumprod(1 - replied / at_risk)``.

>>> import polars as pl
>>> km = pl.DataFrame({"d": [3.0, 3.0, 5.0, 7.0], "e": [True, False, True, True]})
>>> km.select(kaplan_meier_median(pl.col("d"), pl.col("e"))).item()
5.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.core.metrics import Metric, MetricContext, register_metric
from toolkit.core.patterns import portable_regex
from toolkit.errors import DataError
from toolkit.io.schema import INBOUND
from toolkit.present.i18n import N_, _

__all__ = [
    "CARE_TRIGGERS",
    "DEFECTION_WINDOW_S",
    "RESOLUTION_QUIET_S",
    "KaplanMeierMetric",
    "attach_customers",
    "care_pattern",
    "care_trigger_expr",
    "conversation_outcomes",
    "detect_mentions",
    "kaplan_meier_counts",
    "kaplan_meier_median",
    "kaplan_meier_within",
    "reply_survival",
    "set_care_triggers",
]

#: Inferred resolution: the data must go on this long after the last (human) reply.
RESOLUTION_QUIET_S = 72 * 3600.0
#: Defection: ``churned_at`` within this long after the start of the customer's first conversation.
DEFECTION_WINDOW_S = 90 * 86400.0
#: Tolerance when comparing a product of floats with 1/2 (S = 0.5 exactly must count).
_HALF = 0.5 + 1e-12

#: Words that flag a care need in a mention (regular expressions, case-insensitive, whole
#: words): English, French, Italian. Change them with :func:`set_care_triggers`.
CARE_TRIGGERS: tuple[str, ...] = (
    # English
    r"help", r"need assistance", r"assist(?:ance)?", r"support", r"problem", r"issue",
    r"broken", r"not working", r"doesn'?t work", r"refund", r"complain(?:t)?", r"urgent",
    # French
    r"aide", r"aidez", r"besoin d'aide", r"probl[èe]me", r"panne", r"rembourse(?:ment|z)?",
    r"r[ée]clamation", r"ne marche pas", r"ne fonctionne pas", r"urgent",
    # Italian
    r"aiuto", r"aiutatemi", r"assistenza", r"problema", r"guasto", r"rimborso", r"reclamo",
    r"non funziona", r"urgente",
)


# --------------------------------------------------------------------------------------------
# Kaplan-Meier as polars aggregations
# --------------------------------------------------------------------------------------------


def _km_replies(duration: pl.Expr, event: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(distinct reply times ascending, survival just after each of them, number of known durations).

    The product-limit estimator with replies before censorings at equal times: at a reply time t
    with ``d`` replies, ``n_t`` rows are at risk (those with a duration of at least t) and the
    survival is multiplied by ``1 - d / n_t`` (the grouped Kaplan-Meier factor). Computed from
    the sorted reply times (their runs give ``d``) and a binary search in the sorted censored
    times: plain sorts of floats, no sort of (duration, flag) pairs. The factors and their order
    are exactly those :func:`kaplan_meier_counts` forms from a table of counts per duration (the
    DuckDB/Spark engines' form), so the floats are identical (docs/engines.md).
    """
    known = duration.is_not_null()
    replied = event.fill_null(False).filter(known)
    durations = duration.filter(known)
    runs = durations.filter(replied).sort().rle()
    times = runs.struct.field("value")
    ties = runs.struct.field("len").cast(pl.Int64)
    censored = durations.filter(~replied).sort()
    earlier_replies = ties.cum_sum() - ties
    at_risk = durations.len().cast(pl.Int64) - earlier_replies - censored.search_sorted(times, side="left").cast(pl.Int64)
    survival = (1.0 - ties.cast(pl.Float64) / at_risk.cast(pl.Float64)).cum_prod()
    return times, survival, durations.len()


def kaplan_meier_median(duration: pl.Expr, event: pl.Expr) -> pl.Expr:
    """Kaplan-Meier median time: the smallest observed reply time at which S(t) <= 1/2.

    Parameters
    ----------
    duration
        Time to the reply, or to the end of observation when ``event`` is false (censored).
    event
        True when the reply was observed. A reply and a censoring at the same time: the reply
        counts first (the censored turn was still at risk).

    Returns
    -------
    An aggregation expression: null when S never falls to one half (or no rows).
    """
    replies, survival, _ = _km_replies(duration, event)
    return replies.filter(survival <= _HALF).first()


def kaplan_meier_within(duration: pl.Expr, event: pl.Expr, seconds: float) -> pl.Expr:
    """Kaplan-Meier probability of a reply within ``seconds``: 1 - S(seconds); null without rows."""
    replies, survival, n = _km_replies(duration, event)
    prob = (1.0 - survival.filter(replies <= seconds).last()).fill_null(0.0)
    return pl.when(n > 0).then(prob)


def kaplan_meier_counts(
    counts: pl.DataFrame, groups: Sequence[str], *, within: float | None = None, name: str = "km"
) -> pl.DataFrame:
    """Kaplan-Meier statistics per group from a table of counts (what DuckDB and Spark return).

    Parameters
    ----------
    counts
        One row per (group, ``_d`` duration, ``_e`` replied) with ``_n`` rows; other rows of the
        same duration may repeat (they are summed).
    groups
        The group columns (nulls are a group).
    within
        None: the median (the smallest reply time at which S(t) <= 1/2); seconds: the
        probability of a reply within them, 1 - S(within).
    name
        The result column.

    Returns
    -------
    One row per group of ``counts``: the same floats as :func:`kaplan_meier_median` /
    :func:`kaplan_meier_within` over the rows the counts stand for (the same factors
    ``1 - d / n_t`` multiplied in the same order).

    Examples
    --------
    >>> c = pl.DataFrame({"_d": [3.0, 3.0, 5.0, 7.0], "_e": [True, False, True, True], "_n": [1, 1, 1, 1]})
    >>> kaplan_meier_counts(c, []).item()
    5.0
    """
    keys = list(groups)
    over = (lambda e: e.over(keys)) if keys else (lambda e: e)
    replied = pl.when(pl.col("_e")).then(pl.col("_n")).otherwise(0)
    per_time = (
        counts.lazy()
        .filter(pl.col("_d").is_not_null())
        .group_by(*keys, "_d")
        .agg(pl.col("_n").sum().cast(pl.Int64).alias("_n"), replied.sum().cast(pl.Int64).alias("_r"))
        .sort(*keys, "_d", nulls_last=True)
        .with_columns(_at_risk=over(pl.col("_n").cum_sum(reverse=True)))
        .with_columns(
            _s=over(
                pl.when(pl.col("_r") > 0)
                .then(1.0 - pl.col("_r").cast(pl.Float64) / pl.col("_at_risk").cast(pl.Float64))
                .otherwise(1.0)
                .cum_prod()
            )
        )
    )
    reply = pl.col("_r") > 0
    if within is None:
        stat = pl.col("_d").filter(reply & (pl.col("_s") <= _HALF)).min()
    else:  # S is non-increasing: its value at the last reply time <= within is the smallest
        seconds = pl.col("_d") <= within
        stat = pl.when(pl.col("_n").sum() > 0).then((1.0 - pl.col("_s").filter(reply & seconds).min()).fill_null(0.0))
    result = per_time.group_by(keys).agg(stat.cast(pl.Float64).alias(name)) if keys else per_time.select(stat.cast(pl.Float64).alias(name))
    every = counts.lazy().select(keys).unique() if keys else None
    if every is not None:
        result = every.join(result, on=keys, how="left", nulls_equal=True)
    out = result.collect()
    if not keys and out.height == 0:
        out = pl.DataFrame({name: [None]}, schema={name: pl.Float64})
    return out


class KaplanMeierMetric(Metric):
    """A turn-level Kaplan-Meier statistic of ``waited_seconds`` with ``answered_at`` as the event.

    ``stat`` is ``"median"`` (the KM median, seconds) or ``"share"`` (probability of a reply
    within ``within`` seconds). The per-row values are not a sample of the statistic (censored
    turns), so comparisons leave these metrics out (``per_row = False``).

    On polars it is one aggregation per group (:func:`kaplan_meier_median`); on DuckDB and Spark
    the engine counts turns per group, duration and reply flag, and the small table of counts is
    finished here (:meth:`aggregate_collected`, :func:`kaplan_meier_counts`): the same numbers.
    """

    per_row = False
    within: float | None = None

    def __init__(self, *args: Any, within: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "within", within)

    def is_neutral(self, ctx: MetricContext | None = None) -> bool:
        """Runs on every engine when its ``where`` is written with narwhals (or absent)."""
        where = self._raw(self.where, ctx or MetricContext())
        return where is None or isinstance(where, nw.Expr)

    def aggregation(self, ctx: MetricContext) -> pl.Expr:
        where = self.where_expr(ctx)
        duration = pl.col("waited_seconds")
        event = pl.col("answered_at").is_not_null()
        if where is not None:
            duration, event = duration.filter(where), event.filter(where)
        if self.within is None:
            return kaplan_meier_median(duration, event).alias(self.name)
        return kaplan_meier_within(duration, event, self.within).alias(self.name)

    @staticmethod
    def aggregate_collected(
        table: Any, metrics: Sequence[KaplanMeierMetric], groups: Sequence[str], ctx: MetricContext
    ) -> pl.DataFrame:
        """These metrics over a turn table on any engine (a narwhals LazyFrame), per group.

        The engine runs one group-by: turns counted per group, ``waited_seconds`` (exact: integer
        microseconds / 1e6 on every engine), reply flag and each metric's ``where``; the counts
        (a row per distinct wait, far fewer than turns) are collected and the survival curve is
        finished here with :func:`kaplan_meier_counts`.
        """
        flags = {}
        for i, m in enumerate(metrics):
            where = m._raw(m.where, ctx)
            flags[f"_k{i}"] = nw.lit(value=True) if where is None else where.fill_null(value=False)
        keyed = table.with_columns(_e=~nw.col("answered_at").is_null(), _d=nw.col("waited_seconds"), **flags)
        counts = (
            keyed.group_by(*groups, "_d", "_e", *flags)
            .agg(nw.len().cast(nw.Int64).alias("_n"))
            .collect("polars")
            .to_native()
        )
        every = counts.select(groups).unique() if groups else None
        out: pl.DataFrame | None = every
        for i, m in enumerate(metrics):
            part = kaplan_meier_counts(
                counts.filter(pl.col(f"_k{i}")), list(groups), within=m.within, name=m.name
            )
            if out is None:
                out = part
            elif groups:
                out = out.join(part, on=list(groups), how="left", nulls_equal=True)
            else:
                out = pl.concat([out, part], how="horizontal")
        assert out is not None
        return out


def reply_survival(turns: Frame, *, first_only: bool = False) -> pl.DataFrame:
    """The Kaplan-Meier curve of time to reply: the share of turns still waiting after t.

    Parameters
    ----------
    turns
        Turns with ``waited_seconds`` and ``answered_at`` (:attr:`toolkit.FactTables.turns`);
        unanswered turns are censored at their wait.
    first_only
        Only first turns (first response time).

    Returns
    -------
    DataFrame, one row per distinct reply time after a first row at 0 s: ``seconds``,
    ``still_waiting`` (S(t), a share), ``at_risk`` (turns still waiting just before t),
    ``replies`` (turns answered at t).

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> t = pl.DataFrame({"waited_seconds": [10.0, 10.0, 20.0, 30.0],
    ...                   "answered_at": [dt.datetime(2025, 1, 1), None, dt.datetime(2025, 1, 1), None]})
    >>> reply_survival(t)["still_waiting"].to_list()
    [1.0, 0.75, 0.375]
    """
    lf = as_lazy(turns)
    if first_only:
        lf = lf.filter(pl.col("is_first"))
    counts = (
        lf.filter(pl.col("waited_seconds").is_not_null())
        .group_by(pl.col("waited_seconds").alias("seconds"))
        .agg(pl.len().alias("n"), pl.col("answered_at").is_not_null().sum().alias("replies"))
        .sort("seconds")
        .with_columns(at_risk=pl.col("n").cum_sum(reverse=True))
        .with_columns(still_waiting=(1.0 - pl.col("replies") / pl.col("at_risk")).cum_prod())
        .filter(pl.col("replies") > 0)
        .select("seconds", "still_waiting", pl.col("at_risk").cast(pl.Int64), pl.col("replies").cast(pl.Int64))
        .collect()
    )
    start = pl.DataFrame(
        {"seconds": [0.0], "still_waiting": [1.0], "at_risk": [None], "replies": [0]},
        schema=counts.schema,
    )
    return pl.concat([start, counts])


# --------------------------------------------------------------------------------------------
# Settings: per-channel SLA, care triggers
# --------------------------------------------------------------------------------------------


_CARE: list[str] = list(CARE_TRIGGERS)


def care_pattern(triggers: Sequence[str] | None = None) -> str | None:
    """The care-trigger rule as one regular expression every engine reads alike (None: no
    trigger): a trigger as a whole word, case-insensitive (:func:`toolkit.core.patterns.portable_regex`)."""
    words = list(triggers) if triggers is not None else _CARE
    if not words:
        return None
    return portable_regex(r"(?i)(?:^|[^\w])(?:" + "|".join(f"(?:{w})" for w in words) + r")(?:$|[^\w])")


def care_trigger_expr(text: pl.Expr | str = "text", triggers: Sequence[str] | None = None) -> pl.Expr:
    """True where ``text`` contains a care trigger as a whole word (case-insensitive)."""
    pattern = care_pattern(triggers)
    if pattern is None:
        return pl.lit(False)
    column = pl.col(text) if isinstance(text, str) else text
    return column.cast(pl.String).str.contains(pattern).fill_null(False)


def _care_mention(ctx: MetricContext) -> nw.Expr:
    pattern = care_pattern()
    if pattern is None:
        return nw.lit(value=False)
    found = nw.col("text").cast(nw.String).str.contains(pattern).fill_null(value=False)
    return (nw.col("direction") == INBOUND) & found


def set_care_triggers(triggers: Sequence[str]) -> None:
    """Use these trigger phrases (regular expressions) for ``care_mentions`` from now on.

    >>> set_care_triggers([*CARE_TRIGGERS, "sos"]); set_care_triggers(CARE_TRIGGERS)
    """
    for t in triggers:
        try:
            re.compile(t)
        except re.error as exc:
            msg = _("care trigger {trigger!r} is not a regular expression: {exc}").format(trigger=t, exc=exc)
            raise DataError(msg) from None
    _CARE[:] = list(triggers)


# --------------------------------------------------------------------------------------------
# Customers as dimensions; conversation outcome columns
# --------------------------------------------------------------------------------------------


def attach_customers(messages: Frame, customers: pl.DataFrame | pl.LazyFrame) -> Frame:
    """Every message with its conversation's customer's columns (from the customers table).

    The conversation's customer is the author of its first inbound message, so replies carry the
    same ``segment`` / ``vip`` / ... as the customer messages they answer. Customer columns whose
    names the messages already use get a ``_customer`` suffix.
    """
    lf = as_lazy(messages)
    cust = customers_table(customers, lf.collect_schema().names())
    owner = (
        lf.filter((pl.col("direction") == INBOUND) & pl.col("customer_id").is_not_null())
        .group_by("conversation_id")
        .agg(pl.col("customer_id").sort_by("created_at", "row_nr").first().alias("_owner"))
    )
    result = (
        lf.join(owner, on="conversation_id", how="left", maintain_order="left")
        .join(cust.rename({"customer_id": "_owner"}), on="_owner", how="left", maintain_order="left")
        .drop("_owner")
    )
    return same_kind(result, messages)


def customers_table(customers: pl.DataFrame | pl.LazyFrame, message_columns: list[str]) -> pl.LazyFrame:
    """The customers table ready to join to messages with ``message_columns``: one row per
    ``customer_id`` (as text, the first row of a repeated id), and its columns whose names the
    messages already use renamed with a ``_customer`` suffix. Used by :func:`attach_customers`
    and the DuckDB/Spark engines."""
    cust = as_lazy(customers)
    cust_cols = cust.collect_schema().names()
    if "customer_id" not in cust_cols:
        msg = _("customers have no 'customer_id' column (found: {columns}); read them with toolkit.read_customers()"
                ).format(columns=cust_cols)
        raise DataError(msg)
    rename = {c: f"{c}_customer" for c in cust_cols if c in message_columns and c != "customer_id"}
    return (
        cust.rename(rename)
        .with_columns(pl.col("customer_id").cast(pl.String))
        .unique("customer_id", keep="first", maintain_order=True)
    )


def bad_turn_aggregation(sla: pl.Expr) -> pl.Expr:
    """Per conversation over its turns: one was left unanswered or answered after ``sla``."""
    return (pl.col("answered_at").is_null() | (pl.col("response_seconds") > sla)).any().alias("_bad_turn")


def conversation_outcomes(
    conversations: pl.LazyFrame,
    messages: pl.LazyFrame,
    turns: pl.LazyFrame,
    *,
    as_of: pl.Expr,
    sla: pl.Expr,
) -> pl.LazyFrame:
    """The conversation table with the outcome columns the outcome metrics read.

    Parameters
    ----------
    conversations
        :func:`toolkit.conversations` of ``messages``.
    messages
        The canonical messages (customers attached when there are some).
    turns
        The turns of ``messages`` (with ``channel`` when the SLA depends on it).
    as_of
        Expression (over ``messages``) giving the end of the data.
    sla
        The SLA target of a turn (an expression over turns): for ``bad_experience``.
    """
    cols = messages.collect_schema().names()
    inbound = pl.col("direction") == INBOUND
    end = messages.select(as_of.alias("_end"))
    # Who wrote the last message comes with the conversation table (one sorted pass, not two).
    conv = conversations.with_columns(_last_is_human_reply=pl.col("ended_by") == "brand").join(end, how="cross")
    if "mention_type" in cols:
        ordered = messages.sort("conversation_id", "created_at", "row_nr")  # group_by keeps this order
        first_type = pl.col("mention_type").filter(inbound).first().cast(pl.String).str.strip_chars().str.to_lowercase()
        per_conv = ordered.group_by("conversation_id").agg((first_type == "untagged").fill_null(False).alias("untagged"))
        conv = conv.join(per_conv, on="conversation_id", how="left")
    quiet = (pl.col("_end") - pl.col("last_outbound_at")).dt.total_seconds(fractional=True) >= RESOLUTION_QUIET_S
    # Resolved when inferred: the last message is a human reply, the data go on 72 h after it and
    # the customer wrote nothing new (in any conversation) within those 72 h.
    candidate = pl.col("_last_is_human_reply").fill_null(False) & quiet.fill_null(False)
    if "resolved_at" in cols:
        resolved = pl.col("resolved_at").is_not_null()
    else:
        # The customer's next inbound message anywhere, looked up only for the candidates (the
        # other conversations are unresolved whatever it is).
        # Joined back by the conversation's number when the table has it (an integer key).
        key = "_cid" if "_cid" in conv.collect_schema().names() else "conversation_id"
        comeback = (
            conv.filter(candidate & pl.col("customer_id").is_not_null())
            .select(key, "customer_id", "last_outbound_at")
            .sort("last_outbound_at")
            .join_asof(
                messages.filter(inbound & pl.col("customer_id").is_not_null())
                .select("customer_id", _next_customer_at="created_at")
                .sort("_next_customer_at"),
                left_on="last_outbound_at",
                right_on="_next_customer_at",
                by="customer_id",
                strategy="forward",
                allow_exact_matches=False,
                check_sortedness=False,  # sorted above; polars cannot check it within groups
            )
            .select(key, "_next_customer_at")
        )
        conv = conv.join(comeback, on=key, how="left")
        came_back = pl.col("_next_customer_at").is_not_null() & (
            (pl.col("_next_customer_at") - pl.col("last_outbound_at")).dt.total_seconds(fractional=True)
            <= RESOLUTION_QUIET_S
        )
        resolved = candidate & ~came_back
    if "_bad_turn" not in conv.collect_schema().names():  # else it came with the turn counts
        bad_turn = turns.group_by("conversation_id").agg(bad_turn_aggregation(sla))
        conv = conv.join(bad_turn, on="conversation_id", how="left")
    negative_end = (
        (pl.col("last_customer_sentiment") < 0).fill_null(False)
        if "sentiment" in cols
        else pl.lit(False)
    )
    conv = conv.with_columns(
        resolved=resolved,
        human_replied=(pl.col("outbound_messages") - pl.col("bot_messages")) > 0,
        bad_experience=pl.col("_bad_turn").fill_null(False) | negative_end,
    )
    # Where each customer is counted for defection and ARPU: their first conversation in the data
    # (earliest start, then the smallest id). Window expressions, not a sort of the table: a
    # column no metric reads is pruned from the plan, a sort never is.
    customer = pl.col("customer_id")
    first_id = pl.col("conversation_id").filter(pl.col("_first_start")).min().over("customer_id")
    conv = conv.with_columns(
        _first_start=pl.col("started_at") == pl.col("started_at").min().over("customer_id")
    ).with_columns(
        first_of_customer=customer.is_not_null() & (pl.col("conversation_id") == first_id).fill_null(False),
        # A customer had a bad experience when any of their conversations did.
        customer_bad_experience=pl.when(customer.is_null())
        .then(pl.col("bad_experience"))
        .otherwise(pl.col("bad_experience").any().over("customer_id")),
    )
    if "churned_at" in cols:
        conv = conv.with_columns(
            churn_after_s=(pl.col("churned_at") - pl.col("started_at")).dt.total_seconds(fractional=True)
        )
    return conv.drop("_end", "_next_customer_at", "_last_is_human_reply", "_bad_turn", "_first_start", "_cid", strict=False)


# --------------------------------------------------------------------------------------------
# Listening: which inbound messages address the brand
# --------------------------------------------------------------------------------------------


def detect_mentions(
    messages: Frame, handles: Sequence[str] | None = None, *, text: str = "text"
) -> Frame:
    """Derive ``mention_type`` (``tagged`` / ``untagged``) for inbound messages from their text.

    An inbound message is *untagged* when its text names one of ``handles`` without addressing
    it: no ``@handle``, and it is not a reply (no ``in_reply_to``). Every other inbound message
    is *tagged* (an @mention, a reply or a direct message in the brand's inbox). Outbound
    messages get null. An existing ``mention_type`` value is kept.

    Parameters
    ----------
    messages
        Canonical messages with a ``text`` column, eager or lazy.
    handles
        The brand's names / handles (with or without ``@``); default: the ``brand`` values.
    text
        The text column.

    Examples
    --------
    >>> import polars as pl
    >>> m = pl.DataFrame({"direction": ["inbound", "inbound", "inbound", "outbound"],
    ...                   "text": ["@Acme help!", "acme lost my bag", "hello", "hi"]})
    >>> detect_mentions(m, handles=["@Acme"])["mention_type"].to_list()
    ['tagged', 'untagged', 'tagged', None]
    """
    lf = as_lazy(messages)
    cols = lf.collect_schema().names()
    if text not in cols:
        msg = _("detect_mentions needs a {text!r} column (found: {columns})").format(text=text, columns=cols)
        raise DataError(msg)
    if handles is None:
        if "brand" not in cols:
            msg = _("detect_mentions needs handles=[...] (the log has no 'brand' column to take them from)")
            raise DataError(msg)
        handles = [b for b in lf.select(pl.col("brand").drop_nulls().unique()).collect().to_series().to_list() if b]
    names = sorted({h.strip().lstrip("@") for h in handles if h and h.strip().lstrip("@")}, key=len, reverse=True)
    if not names:
        msg = _("detect_mentions: no handle to look for (handles={handles!r})").format(handles=list(handles))
        raise DataError(msg)
    alternatives = "|".join(re.escape(n) for n in names)
    body = pl.col(text).cast(pl.String).fill_null("")
    tagged = body.str.contains(rf"(?i)@(?:{alternatives})\b")
    named = body.str.contains(rf"(?i)(?:^|[^\w@])(?:{alternatives})(?:$|\b|[^\w])")
    reply = pl.col("in_reply_to").is_not_null() if "in_reply_to" in cols else pl.lit(False)
    derived = (
        pl.when(pl.col("direction") != INBOUND)
        .then(pl.lit(None, pl.String))
        .when(named & ~tagged & ~reply)
        .then(pl.lit("untagged"))
        .otherwise(pl.lit("tagged"))
    )
    if "mention_type" in cols:
        existing = pl.col("mention_type").cast(pl.String).str.strip_chars().str.to_lowercase()
        derived = pl.coalesce(pl.when(existing.is_in(["tagged", "untagged"])).then(existing), derived)
    return same_kind(lf.with_columns(mention_type=derived), messages)


# --------------------------------------------------------------------------------------------
# The metrics
# --------------------------------------------------------------------------------------------

# Written with narwhals: the same definitions run on polars, DuckDB and Spark (docs/engines.md).
_resolved = nw.col("resolved")
_inbound = nw.col("direction") == INBOUND
_eligible_customer = nw.col("first_of_customer") & (
    nw.col("churn_after_s").is_null() | (nw.col("churn_after_s") >= 0)
)
_defected = ~nw.col("churn_after_s").is_null() & (nw.col("churn_after_s") <= DEFECTION_WINDOW_S)

register_metric(Metric(
    "resolution_rate", "conversations", "share", value=_resolved,
    label="resolution rate", polarity="higher", description="resolution rate: resolved conversations / conversations (resolved_at set; without that column "
    "inferred: the last message is a human reply and the data go on 72 h after it with no new "
    "customer message; resolution_basis says which)"), replace=True)
for _stat, _word in (("median", "median"), ("mean", "mean"), ("p90", "90th percentile")):
    register_metric(Metric(
        f"resolution_{_stat}_s", "conversations", _stat,  # type: ignore[arg-type]
        value=nw.col("resolution_seconds"), where=_resolved, unit="s",
        label=f"resolution time ({_word})", polarity="lower", description=f"resolution time: {_word} over resolved conversations, start -> resolved_at, "
        "or -> the last reply when inferred"), replace=True)
register_metric(Metric(
    "fcr_rate", "conversations", "share", value=nw.col("turns") == 1, where=_resolved,
    label="first-contact resolution", polarity="higher", description="first-contact resolution: resolved conversations with exactly one customer "
    "turn / resolved conversations"), replace=True)
register_metric(KaplanMeierMetric(
    "frt_km_median_s", "turns", "median", where=nw.col("is_first"), unit="s",
    label="first response time, unanswered included (median)", polarity="lower", description="first response time, unanswered included: Kaplan-Meier median, unanswered "
    "first turns censored at their wait to the end of the data; empty when fewer than half are ever answered"), replace=True)
register_metric(KaplanMeierMetric(
    "art_km_median_s", "turns", "median", unit="s",
    label="response time, unanswered included (median)", polarity="lower", description="response time, unanswered included: Kaplan-Meier median over all turns, "
    "unanswered ones censored at their wait"),
    replace=True)
register_metric(KaplanMeierMetric(
    "reply_within_24h", "turns", "share", within=86400.0,
    label="replied within 24 h", polarity="higher", description="replied within 24 h: Kaplan-Meier probability that a turn is answered within "
    "24 h (unanswered turns censored at their wait)"), replace=True)
register_metric(Metric(
    "defection_rate", "conversations", "share", value=_defected, where=_eligible_customer,
    requires=("churned_at",), label="defection rate", polarity="lower",
    description="defection rate: customers whose churned_at falls within 90 days after the start of their first "
    "conversation / customers with a conversation who had not churned before it (each customer "
    "counted in the group of their first conversation)"), replace=True)
register_metric(Metric(
    "arpu", "conversations", "mean", value=nw.col("monthly_revenue"),
    where=nw.col("first_of_customer") & ~nw.col("monthly_revenue").is_null(),
    requires=("monthly_revenue",), label="average revenue per user", polarity=None,
    description="average revenue per user: mean monthly_revenue of the group's customers (each "
    "counted once, in the group of their first conversation)"), replace=True)
register_metric(Metric(
    "churned_revenue", "conversations", "sum",
    value=nw.when(_defected).then(nw.col("monthly_revenue")).otherwise(nw.lit(0.0)),
    where=_eligible_customer & ~nw.col("monthly_revenue").is_null(),
    requires=("churned_at", "monthly_revenue"), label="churned revenue", polarity="lower",
    description="churned revenue: monthly revenue of the customers who defected (see defection_rate)"), replace=True)
register_metric(Metric(
    "untagged_mentions", "messages", "count",
    where=_inbound & (nw.col("mention_type").cast(nw.String).str.to_lowercase() == "untagged"),
    requires=("mention_type",), label="untagged mentions", polarity=None,
    description="untagged mentions: inbound messages that name the brand without addressing it"), replace=True)
register_metric(Metric(
    "engagement_rate", "conversations", "share", value=nw.col("human_replied"),
    where=nw.col("untagged"), requires=("mention_type",), label="engagement rate", polarity="higher",
    description="engagement rate: untagged conversations with a human brand reply / untagged conversations"),
    replace=True)
register_metric(Metric(
    "speed_of_connection_median_s", "conversations", "median",
    value=nw.col("first_response_seconds"),
    where=nw.col("untagged") & ~nw.col("first_response_seconds").is_null(),
    requires=("mention_type",), unit="s", label="speed of connection (median)", polarity="lower",
    description="speed of connection: median first response time over untagged conversations (answered ones)"),
    replace=True)
register_metric(Metric(
    "care_mentions", "messages", "count",
    where=_care_mention,
    requires=("text",), label="care mentions", polarity=None,
    description="care mentions: inbound messages whose text has a care trigger (help, need assistance, aide, "
    "aiuto, ...; configurable with toolkit.set_care_triggers)"), replace=True)


# --------------------------------------------------------------------------------------------
# The comparison that matters: customers with a bad experience vs the others
# --------------------------------------------------------------------------------------------


def _experience_split(arg: str, ctx: Any) -> Any:
    from toolkit.analysis.compare import Split

    if arg:
        msg = _("split 'experience' takes no argument, got {arg!r}; write --split experience").format(arg=arg)
        raise DataError(msg)

    def side(level: str, columns: list[str]) -> pl.Expr:
        if level == "conversations":
            return pl.col("customer_bad_experience")
        return pl.lit(None, pl.Boolean)  # customers are compared on their conversations

    return Split(
        "experience",
        N_("for customers with a bad experience"),
        N_("for the other customers"),
        side,
        default_metrics=("defection_rate", "arpu", "churned_revenue", "nps", "csat"),
    )


def _register_experience_split() -> None:
    """Called by :mod:`toolkit.analysis.compare` as it loads (computing KPIs does not load it)."""
    from toolkit.analysis.compare import SplitKind, register_split

    register_split(
        SplitKind(
            "experience",
            _experience_split,
            syntax="experience",
            label=N_("Bad experience vs the rest (defection, ARPU, NPS)"),
        ),
        replace=True,
    )
