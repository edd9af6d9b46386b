"""Presets: how known exports map onto the canonical message columns.

A preset lists, for each canonical column, the source column names it accepts. Names are
compared case-insensitively, ignoring spaces, underscores, dashes and dots, so ``Created At``,
``created_at`` and ``CREATED-AT`` are the same name. Without a preset the header decides
(:func:`detect_preset`), and a user ``mapping`` ``{canonical: source_column}`` always wins.

Besides the canonical names, a mapping may use the key ``"author"``: a column naming who wrote
each message. It fills ``customer_id`` on inbound rows and ``agent_id`` on outbound rows (for
``twcs`` the author of a reply is the brand, so it fills ``brand`` instead and ``agent_id`` comes
from the sign-off initials).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from toolkit.errors import DataError
from toolkit.io.schema import CANONICAL, INBOUND, OUTBOUND

__all__ = [
    "PRESETS",
    "Preset",
    "detect_preset",
    "direction_expr",
    "normalise_name",
    "resolve_mapping",
    "twcs_brand_and_agent",
]

#: Pseudo-column: who wrote the message (customer on inbound rows, agent/brand on outbound).
AUTHOR = "author"


def normalise_name(name: str) -> str:
    """Header name as compared: lower case, without spaces, ``_``, ``-``, ``.`` or BOM."""
    return re.sub(r"[\s_\-.\ufeff]+", "", str(name)).lower()


# Accepted source names per canonical column, best first (already normalised).
_GENERIC: dict[str, tuple[str, ...]] = {
    "message_id": ("messageid", "msgid", "id", "postid", "tweetid", "commentid", "eventid"),
    "conversation_id": (
        "conversationid", "conversation", "threadid", "thread", "caseid", "case", "ticketid",
        "ticket", "ticketnumber", "casenumber", "chatid", "sessionid",
    ),
    "in_reply_to": (
        "inreplyto", "inreplytoid", "replyto", "replytoid", "parentid", "parentmessageid",
        "parent", "inresponseto", "inresponsetoid", "inresponsetotweetid",
    ),
    "created_at": (
        "createdat", "timestamp", "datetime", "sentat", "created", "createdtime", "createddate",
        "createdon", "date", "time", "senttime", "sent", "postedat", "messagetime", "receivedat",
    ),
    "direction": (
        "direction", "messagedirection", "inbound", "isinbound", "fromcustomer", "incoming",
        "outbound", "isoutbound", "fromagent", "frombrand", "type", "messagetype", "kind",
    ),
    "channel": ("channel", "network", "platform", "socialnetwork", "medium", "source"),
    "customer_id": (
        "customerid", "customer", "customername", "customerhandle", "clientid", "client",
        "contactid", "contact", "requesterid", "requester",
    ),
    "agent_id": (
        "agentid", "agent", "agentname", "userid", "user", "assignee", "assigneeid",
        "responder", "operator", "staff",
    ),
    AUTHOR: ("author", "authorid", "sender", "senderid", "from", "fromid", "screenname", "handle"),
    "brand": ("brand", "brandname", "account", "accountname", "profile", "profilename", "page"),
    "is_bot": ("isbot", "bot", "automated", "isautomated", "automation", "autoreply"),
    "category": ("category", "interactiontype", "casetype"),
    "subcategory": ("subcategory", "topic", "tag", "tags"),
    "sentiment": ("sentiment", "sentimentscore", "sentimentlabel"),
    "text": ("text", "message", "body", "content", "messagetext", "messagebody", "comment"),
    "handle_seconds": (
        "handleseconds", "handletime", "handletimeseconds", "handlingtime", "worktime",
    ),
    "template": ("template", "quickreply", "savedreply", "macro", "cannedresponse"),
    "resolved_at": ("resolvedat", "resolvedtime", "closedat", "solvedat", "resolved"),
    "deflected_to": ("deflectedto", "deflection"),
    "csat": ("csat", "csatscore", "satisfaction", "rating"),
    "nps": ("nps", "npsscore"),
}

#: Direction columns whose "true" means outbound (the opposite of ``inbound``).
OUTBOUND_FLAGS = frozenset({"outbound", "isoutbound", "fromagent", "frombrand"})
#: Direction synonyms too vague to trust unless most values read as a direction.
_VAGUE = frozenset({"type", "messagetype", "kind"})

_INBOUND_WORDS = ("inbound", "in", "incoming", "received", "customer", "from customer", "i")
_OUTBOUND_WORDS = ("outbound", "out", "outgoing", "sent", "agent", "brand", "reply", "o")
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


@dataclass(frozen=True)
class Preset:
    """A known export layout.

    Attributes
    ----------
    name
        What users pass as ``preset=``.
    description
        One line for the app's preset picker.
    columns
        Canonical column (or ``"author"``) -> accepted source names, normalised, best first.
    signature
        Normalised header names that together identify this export (empty: never detected).
    channel
        Channel of every message when the export has no channel column.
    """

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    signature: frozenset[str] = field(default_factory=frozenset)
    channel: str | None = None


PRESETS: dict[str, Preset] = {
    "generic": Preset(
        name="generic",
        description="The toolkit's own column names, plus common synonyms.",
        columns=_GENERIC,
    ),
    "twcs": Preset(
        name="twcs",
        description='Kaggle "Customer Support on Twitter" (twcs.csv).',
        columns={
            **_GENERIC,
            "message_id": ("tweetid",),
            AUTHOR: ("authorid",),
            "direction": ("inbound",),
            "created_at": ("createdat",),
            "text": ("text",),
            "in_reply_to": ("inresponsetotweetid",),
        },
        signature=frozenset({"tweetid", "authorid", "inbound", "createdat"}),
        channel="twitter",
    ),
}

#: Names a ``mapping`` may use as keys.
MAPPABLE: tuple[str, ...] = (*[c for c in CANONICAL if c != "row_nr"], AUTHOR)


def detect_preset(columns: Iterable[str]) -> str:
    """The preset whose signature the header carries, else ``"generic"``."""
    names = {normalise_name(c) for c in columns}
    for preset in PRESETS.values():
        if preset.signature and preset.signature <= names:
            return preset.name
    return "generic"


def get_preset(name: str | None, columns: Iterable[str]) -> Preset:
    """The named preset (detected from ``columns`` when ``name`` is None)."""
    if name is None:
        return PRESETS[detect_preset(columns)]
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise DataError(
            f"Unknown preset {name!r}. Allowed: {', '.join(sorted(PRESETS))} "
            "(or leave it out to detect it from the header)."
        )
    return PRESETS[key]


def direction_words(values: pl.Series, inverted: bool = False) -> pl.Series:
    """Read direction values (see :func:`direction_expr`) from a Series."""
    return values.to_frame("v").select(direction_expr(pl.col("v"), inverted)).to_series()


def direction_expr(values: pl.Expr, inverted: bool = False) -> pl.Expr:
    """``"inbound"``/``"outbound"`` from words (in/out, incoming/outgoing, ...) or booleans.

    Parameters
    ----------
    values
        Expression giving the source values (any type; compared as lower-case text).
    inverted
        True when the column is an *outbound* flag (``is_outbound``), so true means outbound.
    """
    yes, no = (OUTBOUND, INBOUND) if inverted else (INBOUND, OUTBOUND)
    table = {
        **dict.fromkeys(_INBOUND_WORDS, INBOUND),
        **dict.fromkeys(_OUTBOUND_WORDS, OUTBOUND),
        **dict.fromkeys(_TRUE, yes),
        **dict.fromkeys(_FALSE, no),
    }
    text = values.cast(pl.String).str.strip_chars().str.to_lowercase()
    return text.replace_strict(table, default=None, return_dtype=pl.String)


def _did_you_mean(wanted: Iterable[str], columns: list[str]) -> str:
    by_norm = {normalise_name(c): c for c in columns}
    hits: list[str] = []
    for w in wanted:
        for m in difflib.get_close_matches(normalise_name(w), list(by_norm), n=2, cutoff=0.7):
            if by_norm[m] not in hits:
                hits.append(by_norm[m])
    return f" Did you mean {' or '.join(repr(h) for h in hits)}?" if hits else ""


def _columns_found(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns) if columns else "(none)"


def resolve_mapping(
    frame: pl.DataFrame,
    preset: Preset,
    mapping: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Which source column gives each canonical column.

    Parameters
    ----------
    frame
        The source rows (used for the names, and to check vague direction columns' values).
    preset
        Gives the accepted names.
    mapping
        ``{canonical: source_column}`` overrides; ``None`` as a value means "do not use a column
        for this even if one has a matching name". Keys may also be ``"author"`` (module docs).

    Returns
    -------
    dict
        Canonical name (or ``"author"``) -> source column, only for columns found.

    Raises
    ------
    DataError
        Unknown canonical name, a source column that is not there, or a required column
        (``created_at``, ``direction``) that cannot be found.
    """
    columns = [c for c in frame.columns if c != "row_nr"]
    mapping = dict(mapping or {})
    chosen: dict[str, str] = {}
    for key, source in mapping.items():
        if key not in MAPPABLE:
            raise DataError(
                f"mapping: {key!r} is not a column the toolkit knows. Allowed: "
                f"{', '.join(MAPPABLE)}.{_did_you_mean([key], list(MAPPABLE))}"
            )
        if source is None:
            continue
        if source not in columns:
            raise DataError(
                f"mapping: {key!r} -> {source!r}, but the file has no column {source!r}. "
                f"Columns found: {_columns_found(columns)}.{_did_you_mean([source], columns)}"
            )
        chosen[key] = source
    used = set(chosen.values())
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(normalise_name(c), c)
    for key, names in preset.columns.items():
        if key in mapping:
            continue
        for name in names:
            source = by_norm.get(name)
            if source is None or source in used:
                continue
            if key == "direction" and name in _VAGUE and not _looks_like_direction(frame, source):
                continue
            chosen[key] = source
            used.add(source)
            break
    for required in ("created_at", "direction"):
        if required not in chosen:
            hint = _did_you_mean([required, *preset.columns[required]], columns)
            raise DataError(
                f"Missing required column {required!r}: no column with that name or a known "
                f"synonym ({', '.join(preset.columns[required][:6])}, ...). Columns found: "
                f"{_columns_found(columns)}.{hint} Pass mapping={{{required!r}: '<column>'}} "
                "to name it."
            )
    return chosen


def _looks_like_direction(frame: pl.DataFrame, column: str) -> bool:
    values = frame.get_column(column).drop_nulls()
    if values.len() == 0:
        return False
    return direction_words(values).is_not_null().mean() > 0.5  # type: ignore[operator]


def is_outbound_flag(source_column: str) -> bool:
    """True when ``source_column`` is an outbound flag (true = outbound)."""
    return normalise_name(source_column) in OUTBOUND_FLAGS


# Sign-off at the end of a brand reply: "... ^GA", "... -AB", "... /RB", after trailing URLs.
_TRAILING_URLS = r"(?:\s*https?://\S+)+\s*$"
_SIGN_OFF = r"(?:^|\s)[\^\-/~*\u2013\u2014]\s?([A-Z]{2,3})\s*$"
_MENTION = r"@(\w+)"


def twcs_brand_and_agent(frame: pl.DataFrame, author: str = "__author") -> pl.DataFrame:
    """Fill ``customer_id``, ``brand`` and ``agent_id`` the twcs way.

    * ``customer_id`` = author of inbound messages;
    * ``brand`` = author of the conversation's first outbound message (by ``created_at``, ties
      by row order), else the first ``@mention`` in the conversation's root (the message the
      reply tree starts from) - customers address the brand that way;
    * ``agent_id`` = sign-off initials ending a brand reply (``^GA``, ``-AB``, ``/RB``; 2-3
      capitals, after removing trailing links), else null.

    Parameters
    ----------
    frame
        Canonical frame with ``conversation_id`` assigned, plus the author column.
    author
        Name of the column holding ``author_id``.
    """
    order = ["created_at", "row_nr"]
    outbound = pl.col("direction") == OUTBOUND
    first_reply = (
        frame.filter(outbound)
        .sort(order)
        .group_by("conversation_id", maintain_order=True)
        .agg(pl.col(author).first().alias("__reply_brand"))
    )
    first_mention = (
        # The root is the message the conversation is named after (not the earliest by clock:
        # a reply may carry an earlier timestamp than the tweet it answers).
        frame.filter(pl.col("message_id") == pl.col("conversation_id"))
        .group_by("conversation_id", maintain_order=True)
        .agg(pl.col("text").first().str.extract(_MENTION, 1).alias("__mention_brand"))
        if "text" in frame.columns
        else frame.select("conversation_id").unique().with_columns(__mention_brand=pl.lit(None, pl.String))
    )
    text = pl.col("text") if "text" in frame.columns else pl.lit(None, pl.String)
    sign_off = text.str.replace(_TRAILING_URLS, "").str.extract(_SIGN_OFF, 1)
    return (
        frame.join(first_reply, on="conversation_id", how="left", maintain_order="left")
        .join(first_mention, on="conversation_id", how="left", maintain_order="left")
        .with_columns(
            customer_id=pl.when(outbound).then(pl.col("customer_id")).otherwise(pl.col(author)),
            brand=pl.coalesce("brand", "__reply_brand", "__mention_brand"),
            agent_id=pl.coalesce("agent_id", pl.when(outbound).then(sign_off)),
        )
        .drop("__reply_brand", "__mention_brand")
    )
