"""Topics and replies: category volumes, top topics per channel, quick replies, bot share.

* :func:`topic_volumes`: inbound volume and share by ``category`` / ``subcategory``;
* :func:`top_topics`: the most frequent topics per channel;
* :func:`top_replies`: the most used quick replies (``template``), else the most frequent
  *normalised* outbound texts (mentions, URLs, numbers and agent sign-offs replaced);
* :func:`bot_summary`: bot share of replies and conversations handled by bots alone.

Registered metric (message level, needs ``category``): ``customer_service_share``: the share of
inbound messages whose category is customer service (values matched by
:data:`CUSTOMER_SERVICE_PATTERN`, case-insensitively: "customer service", "customer_care",
"support", "service", "cs", ...), among inbound messages with a category.
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._frames import Frame, as_lazy, into_expr, same_kind
from toolkit.core.metrics import Metric, register_metric
from toolkit.core.patterns import WHITESPACE, portable_regex
from toolkit.core.turns import conversations
from toolkit.errors import DataError, check_columns
from toolkit.io.schema import INBOUND, OUTBOUND
from toolkit.present.i18n import _

__all__ = [
    "CUSTOMER_SERVICE_PATTERN",
    "bot_summary",
    "normalise_reply",
    "top_replies",
    "top_topics",
    "topic_volumes",
]


#: Category values that mean customer service (regex, matched on the trimmed lower-cased value).
CUSTOMER_SERVICE_PATTERN = (
    r"^(?:customer[ _-]?(?:service|care|support)|customer|service|support|care|cs|"
    r"service client|assistance|servizio clienti|assistenza)$"
)


def _customer_service(category: nw.Expr) -> nw.Expr:
    """Whether a category value means customer service (trimmed, lower-cased, matched by
    :data:`CUSTOMER_SERVICE_PATTERN`), written once for every engine."""
    return category.cast(nw.String).str.strip_chars(WHITESPACE).str.to_lowercase().str.contains(
        portable_regex(CUSTOMER_SERVICE_PATTERN)
    )


def topic_volumes(
    messages: Frame,
    *,
    by: str | Sequence[str] | None = None,
    levels: Sequence[str] = ("category", "subcategory"),
) -> Frame:
    """Inbound volume and share per topic.

    Parameters
    ----------
    messages
        Canonical messages with ``category`` and/or ``subcategory``.
    by
        Optional group column(s) (e.g. ``"channel"``); shares are within each group.
    levels
        Topic columns to break down by (those present are used).

    Returns
    -------
    The group columns, the topic columns, ``inbound_messages``, ``conversations`` and ``share``
    (of the group's inbound messages), largest first.
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    topic = [c for c in levels if c in columns]
    if not topic:
        msg = _("levels={levels}: the messages have none of these topic columns (found: {columns})").format(levels=list(levels), columns=columns)
        raise DataError(msg)
    groups = check_columns(columns, "by", by)
    counts = (
        lf.filter(pl.col("direction") == INBOUND)
        .group_by(*groups, *topic)
        .agg(
            pl.len().cast(pl.Int64).alias("inbound_messages"),
            pl.col("conversation_id").n_unique().cast(pl.Int64).alias("conversations"),
        )
    )
    total = pl.col("inbound_messages").sum()
    result = counts.with_columns(
        share=(pl.col("inbound_messages") / (total.over(groups) if groups else total))
    ).sort([*groups, "inbound_messages", *topic], descending=[False] * len(groups) + [True]
           + [False] * len(topic), nulls_last=True)
    return same_kind(result, messages)


def top_topics(
    messages: Frame, *, by: str = "channel", level: str | None = None, n: int = 5
) -> Frame:
    """The ``n`` most frequent topics (inbound messages) per ``by`` group (default channel).

    Parameters
    ----------
    by
        The group column.
    level
        Topic column: default ``subcategory`` when present, else ``category``.

    Returns
    -------
    ``by``, the topic column, ``rank``, ``inbound_messages``, ``share`` (within ``by``).
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if level is None:
        level = "subcategory" if "subcategory" in columns else "category"
    check_columns(columns, "level", level)
    check_columns(columns, "by", by)
    volumes = as_lazy(topic_volumes(lf, by=by, levels=(level,)))
    result = (
        volumes.filter(pl.col(level).is_not_null())
        .with_columns(
            rank=pl.col("inbound_messages").rank("ordinal", descending=True).over(by).cast(pl.Int64)
        )
        .filter(pl.col("rank") <= n)
        .select(by, level, "rank", "inbound_messages", "share")
        .sort(by, "rank", nulls_last=True)
    )
    return same_kind(result, messages)


def normalise_reply(text: str | pl.Expr) -> pl.Expr:
    """A reply text reduced to its template: sign-offs, mentions, URLs, numbers replaced.

    ``"@115712 Hi Ann, DM us your order 12345 https://t.co/x ^GA"`` ->
    ``"@user hi ann, dm us your order <n> <url>"``.

    >>> pl.select(normalise_reply(pl.lit("Thanks! Order 12 ^GA"))).item()
    'thanks! order <n>'
    """
    return (
        into_expr(text).cast(pl.String)
        .str.replace(r"\s*(?:[\^\-–—~/*]\s*[A-Z][A-Za-z]{0,3}|\*[A-Z]{1,4})\s*$", "")
        .str.to_lowercase()
        .str.replace_all(r"https?://\S+|www\.\S+", "<url>")
        .str.replace_all(r"(?:@\w+\s*)+", "@user ")
        .str.replace_all(r"\d+(?:[.,:/-]\d+)*", "<n>")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def top_replies(messages: Frame, *, n: int = 20, examples: int = 2) -> Frame:
    """The most used quick replies.

    Parameters
    ----------
    messages
        Canonical messages with ``template`` or ``text``.
    n
        How many replies.
    examples
        Example message ids per reply.

    Returns
    -------
    ``reply`` (the template, else the normalised text), ``basis`` ("template" or
    "normalised_text"), ``uses`` (outbound messages), ``agents`` (distinct), ``share`` (of
    outbound messages with a template / a text), ``example_message_ids``, ``example_text``.
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if "template" in columns:
        key, basis = pl.col("template").cast(pl.String).str.strip_chars(), "template"
    elif "text" in columns:
        key, basis = normalise_reply(pl.col("text")), "normalised_text"
    else:
        msg = _("top_replies needs a 'template' or 'text' column (found: {columns})").format(columns=columns)
        raise ValueError(msg)
    example = pl.col("text").first() if "text" in columns else pl.lit(None, pl.String)
    result = (
        lf.filter(pl.col("direction") == OUTBOUND)
        .with_columns(reply=key)
        .filter(pl.col("reply").is_not_null() & (pl.col("reply") != ""))
        .sort("created_at", "row_nr")
        .group_by("reply")
        .agg(
            pl.len().cast(pl.Int64).alias("uses"),
            pl.col("agent_id").drop_nulls().n_unique().cast(pl.Int64).alias("agents"),
            pl.col("message_id").head(examples).alias("example_message_ids"),
            example.alias("example_text"),
        )
        .with_columns(share=pl.col("uses") / pl.col("uses").sum(), basis=pl.lit(basis))
        .sort(["uses", "reply"], descending=[True, False])
        .head(n)
        .select("reply", "basis", "uses", "agents", "share", "example_message_ids", "example_text")
    )
    return same_kind(result, messages)


def bot_summary(messages: Frame, *, by: str | Sequence[str] | None = None) -> Frame:
    """Bot share of replies, and conversations handled by bots alone.

    Returns
    -------
    The group columns, ``replies`` (outbound messages), ``bot_replies``, ``bot_reply_share``,
    ``conversations_with_reply``, ``bot_only_conversations`` (every reply a bot's) and
    ``bot_only_share`` (of conversations with a reply). Groups are by each conversation's first
    message (``channel``, ``brand``, ...).
    """
    lf = as_lazy(messages)
    conv = conversations(lf)
    groups = check_columns(conv, "by", by)
    replied = pl.col("outbound_messages") > 0
    bot_only = replied & (pl.col("bot_messages") == pl.col("outbound_messages"))
    aggs = [
        pl.col("outbound_messages").sum().cast(pl.Int64).alias("replies"),
        pl.col("bot_messages").sum().cast(pl.Int64).alias("bot_replies"),
        replied.sum().cast(pl.Int64).alias("conversations_with_reply"),
        bot_only.sum().cast(pl.Int64).alias("bot_only_conversations"),
    ]
    out = conv.group_by(groups).agg(aggs).sort(groups, nulls_last=True) if groups else conv.select(aggs)
    result = out.with_columns(
        bot_reply_share=pl.when(pl.col("replies") > 0).then(pl.col("bot_replies") / pl.col("replies")),
        bot_only_share=pl.when(pl.col("conversations_with_reply") > 0).then(
            pl.col("bot_only_conversations") / pl.col("conversations_with_reply")
        ),
    )
    return same_kind(result, messages)


register_metric(
    Metric(
        "customer_service_share",
        "messages",
        "share",
        value=_customer_service(nw.col("category")),
        where=(nw.col("direction") == INBOUND) & ~nw.col("category").is_null(),
        requires=("category",),
        label="customer-service share of messages",
        polarity=None,
        description="share of inbound messages (with a category) that are customer service",
    ),
    replace=True,
)
