"""Deflection: conversations moved from the public social thread to a 1:1 channel.

SPEC: *deflection rate* = conversations moved to phone, email or chat / conversations. The move is
read from the ``deflected_to`` column when the log has it; otherwise it is detected in the
brand's (outbound) text with configurable phrases. A request to continue in direct / private
messages (DM) is **not** a deflection: it stays on the same social channel, so no default phrase
matches "DM us" or "send us a private message".

Detection is vectorised: one case-insensitive ``str.contains`` per phrase, combined with
``coalesce``, so the first phrase that fires (channels in the order phone, email, chat; phrases in
the order given) names the channel and the phrase.

>>> import polars as pl
>>> m = pl.DataFrame({"direction": ["outbound", "outbound", "inbound"],
...                   "text": ["Please call us at 1-800-555-0100 ^AB", "DM us please", "call us!"]})
>>> detect_deflection(m)["deflected_to"].to_list()
['phone', None, None]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._frames import Frame, as_lazy, into_expr, same_kind
from toolkit.core.metrics import Metric, MetricContext, register_metric
from toolkit.core.patterns import WHITESPACE, portable_regex
from toolkit.io.schema import OUTBOUND
from toolkit.present.i18n import _

__all__ = [
    "DEFAULT_DEFLECTION_PHRASES",
    "DIRECT_MESSAGE",
    "AnyOfMetric",
    "deflection_channel_expr",
    "deflection_phrase_counts",
    "deflection_target",
    "detect_deflection",
]


#: Default phrases (regular expressions, matched case-insensitively in outbound text) per target
#: channel: English, French and Italian. Order matters: phone, then email, then chat.
DEFAULT_DEFLECTION_PHRASES: dict[str, list[str]] = {
    "phone": [
        # English
        # "call us" alone also fires on "they call us Southbest": require an invitation or a
        # number / manner after it.
        (r"\b(?:please|pls|kindly|you can|you could|feel free to|can you|could you|just|then|"
        r"best to|recommend you|suggest you|need to) (?:call|phone|ring) us\b"),
        (r"\b(?:call|phone|ring) us (?:at|on|directly|toll|free|anytime|any time|24|via|by phone|"
        r"when|so|and|for|to|back|\+?\d)\b"),
        r"\b(?:please|pls|kindly) call\b",
        r"\byou (?:may|can|could|should) (?:also )?call\b",
        (r"\b(?:reach(?: out)?|get in touch|contact|speak|talk)(?: (?:to|with))?(?: us| you)? "
        r"(?:by|via|over the|on the) (?:tele)?phone\b"),
        r"\b(?:phone|ring) or chat\b",
        r"\b(?:request|schedule|arrange|book) a call ?back\b",
        (r"\b(?:we'll|we will|i'll|i will|we'd love to|we would love to|happy to|glad to|we can|"
        r"i can|team can) (?:give you a (?:call|ring)|call you)\b"),
        r"\bgive us a (?:call|ring|buzz)\b",
        r"\b(?:phone|ring|telephone) us\b",
        r"\bcall (?:our|the) (?:\w+ )?(?:team|number|line|support|helpline|hotline)\b",
        r"\b(?:call|dial|contact us at|reach us at) \+?1?[-. (]*\d{3}[-. )]*\d{3}[-. ]*\d{4}\b",
        r"\b1[-. ]?8(?:00|88|77|66|55|44|33)[-. ]\w{3}[-. ]\w{4}\b",
        r"\btoll[- ]free\b",
        # French
        r"\bappelez[- ]nous\b",
        r"\bcontactez[- ]nous (?:par|au) t[ée]l[ée]phone\b",
        r"\bjoindre (?:par|au) t[ée]l[ée]phone\b",
        r"\bservice client au \+?\d",
        r"\b(?:vous pouvez|merci de|n'h[ée]sitez pas [àa]) (?:nous )?(?:appeler|t[ée]l[ée]phoner|contacter par t[ée]l[ée]phone)\b",
        r"\b(?:on|nous) (?:va|allons|vous) (?:vous )?(?:rappeler|appeler)\b",
        r"\bpar t[ée]l[ée]phone au \+?\d",
        # Italian
        r"\bchiamaci\b",
        r"\bchiama(?:re)? il (?:numero|servizio clienti)\b",
        r"\bcontattaci (?:al numero|telefonicamente|per telefono)\b",
        r"\bnumero verde\b",
        r"\b(?:puoi|potete|pu[òo]i anche) (?:chiamarci|chiamare il|contattarci telefonicamente)\b",
        r"\bti (?:richiameremo|richiamiamo|chiameremo)\b",
        r"\b(?:telefonicamente|al telefono) al \+?\d",
    ],
    "email": [
        # English
        r"\be-?mail us\b",
        r"\bsend (?:us )?an? e-?mail\b",
        r"\bdrop us an? (?:e-?mail|line at)\b",
        r"\b(?:contact|reach|reach out to) us (?:by|via|through) e-?mail\b",
        r"\bfollow(?:ing)? up (?:with you )?(?:by|via) e-?mail\b",
        r"\be-?mail (?:our|the) (?:\w+ )?(?:team|support|address)\b",
        r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}",
        # French
        r"\b[ée]crivez[- ]nous\b",
        r"\benvoyez[- ]nous un (?:e-?mail|mail|courriel)\b",
        r"\bcontactez[- ]nous par (?:e-?mail|mail|courriel)\b",
        r"\b(?:par|via) (?:e-?mail|mail|courriel) [àa] (?:l'adresse )?[\w.+-]+@",
        # Italian
        r"\bscrivici (?:a|una e-?mail|via e-?mail|per e-?mail)\b",
        r"\binviaci una (?:e-?)?mail\b",
        r"\bcontattaci (?:via|per|tramite) (?:e-?mail|mail|posta elettronica)\b",
    ],
    "chat": [
        r"\blive ?chat\b",
        r"\bchat with us\b",
        r"\bchat (?:team|agent|support)\b",
        r"\bonline chat\b",
        r"\b(?:chat|t?chat) en (?:direct|ligne)\b",
        r"\bchat (?:dal vivo|online)\b",
        r"\bnotre (?:t?chat|messagerie instantan[ée]e)\b",
        r"\bla nostra chat\b",
    ],
}


#: A ``deflected_to`` value naming a direct / private message on the social channel itself
#: ("dm", "Twitter DM", "direct message", "Messenger", "MP", "messaggio privato"): not a
#: deflection (SPEC), so it reads as no move at all.
DIRECT_MESSAGE = (
    r"(?i)^(?:(?:twitter|x|instagram|insta|ig|facebook|fb|linkedin|social)[\s_-]*)?"
    r"(?:dms?|d\.m\.?|pms?|mp|direct[\s_-]*messages?|private[\s_-]*messages?|"
    r"messages?[\s_-]*priv[ée]s?|messaggi[o]?[\s_-]*privat[oi]|messenger|inbox)$"
)


def deflection_target(value: str | pl.Expr) -> pl.Expr:
    """The channel a ``deflected_to`` value moves the case to: null when empty or a DM.

    >>> import polars as pl
    >>> pl.select(deflection_target(pl.Series(["phone", " ", "Twitter DM", "dm", "email"]))).to_series().to_list()
    ['phone', None, None, None, 'email']
    """
    text = into_expr(value).cast(pl.String).str.strip_chars(WHITESPACE)
    return pl.when((text != "") & ~text.str.contains(portable_regex(DIRECT_MESSAGE))).then(text)


def _phrases(phrases: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    chosen = DEFAULT_DEFLECTION_PHRASES if phrases is None else phrases
    if not isinstance(chosen, Mapping) or not chosen:
        msg = _("phrases must be a non-empty mapping of channel -> list of regular expressions")
        raise ValueError(msg)
    out = {str(k): [str(p) for p in v] for k, v in chosen.items()}
    if not any(out.values()):
        msg = _("phrases has no phrase at all")
        raise ValueError(msg)
    return out


def _matches(
    text: pl.Expr, phrases: Mapping[str, Sequence[str]] | None
) -> tuple[pl.Expr, pl.Expr]:
    """(channel, phrase) expressions: the first configured phrase found in ``text``."""
    channel_parts: list[pl.Expr] = []
    phrase_parts: list[pl.Expr] = []
    for channel, patterns in _phrases(phrases).items():
        for pattern in patterns:
            hit = text.str.contains(portable_regex(f"(?i){pattern}"))
            channel_parts.append(pl.when(hit).then(pl.lit(channel)))
            phrase_parts.append(pl.when(hit).then(pl.lit(pattern)))
    return pl.coalesce(channel_parts), pl.coalesce(phrase_parts)


def deflection_channel_expr(
    phrases: Mapping[str, Sequence[str]] | None = None, *, text: str = "text"
) -> pl.Expr:
    """Expression: the channel an *outbound* message deflects to (null when none / inbound).

    Parameters
    ----------
    phrases
        ``{channel: [regex, ...]}``; default :data:`DEFAULT_DEFLECTION_PHRASES`.
    text
        The text column.
    """
    # The channel of the first phrase that fires is the first channel one of whose phrases
    # fires: one combined pattern per channel (:func:`deflection_patterns`) says it faster.
    body = pl.col(text)
    channel = pl.coalesce([
        pl.when(body.str.contains(pattern)).then(pl.lit(name)) for name, pattern in deflection_patterns(phrases).items()
    ])
    return pl.when(pl.col("direction") == OUTBOUND).then(channel)


def detect_deflection(
    messages: Frame,
    phrases: Mapping[str, Sequence[str]] | None = None,
    *,
    text: str = "text",
) -> Frame:
    """Detect moves to phone / email / chat in outbound text.

    Parameters
    ----------
    messages
        Canonical messages with a ``text`` column, eager or lazy.
    phrases
        ``{channel: [regex, ...]}`` matched case-insensitively; default
        :data:`DEFAULT_DEFLECTION_PHRASES` (English, French, Italian).
    text
        The text column.

    Returns
    -------
    The messages with ``deflected_to`` (channel, null when nothing fired or the message is
    inbound) and ``deflection_phrase`` (the pattern that fired). An existing non-empty
    ``deflected_to`` value is kept (its phrase is null).
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    if text not in columns:
        msg = _("detect_deflection needs a {text!r} column (found: {columns})").format(text=text, columns=columns)
        raise ValueError(msg)
    channel, phrase = _matches(pl.col(text), phrases)
    outbound = pl.col("direction") == OUTBOUND
    detected = pl.when(outbound).then(channel)
    fired = pl.when(outbound).then(phrase)
    if "deflected_to" in columns:
        existing = deflection_target(pl.col("deflected_to"))
        result = lf.with_columns(
            deflection_phrase=pl.when(existing.is_null()).then(fired),
            deflected_to=pl.coalesce(existing, detected),
        )
    else:
        result = lf.with_columns(deflected_to=detected, deflection_phrase=fired)
    return same_kind(result, messages)


def deflection_phrase_counts(
    messages: Frame,
    phrases: Mapping[str, Sequence[str]] | None = None,
    *,
    examples: int = 3,
    text: str = "text",
) -> Frame:
    """Which phrases fired, how often, with example messages to check them by eye.

    Parameters
    ----------
    messages
        Canonical messages with ``text``.
    phrases
        As for :func:`detect_deflection`.
    examples
        How many example messages (earliest first) to show per phrase.

    Returns
    -------
    One row per (``deflected_to``, ``deflection_phrase``): ``phrase_found`` (the words the
    phrase matched most often, lower case: what a reader recognises, where the phrase itself is a
    regular expression), ``messages``, ``conversations``, ``example_message_ids`` and
    ``example_texts`` (lists), most frequent first.
    """
    lf = as_lazy(messages)
    if "deflected_to" in lf.collect_schema().names():
        lf = lf.drop("deflected_to")  # show what the phrases find, not the source column
    detected = as_lazy(detect_deflection(lf, phrases, text=text))
    # The matched words: one extraction per configured phrase (a fixed, small number), vectorised.
    found = pl.coalesce([
        pl.when(pl.col("deflection_phrase") == pattern).then(
            pl.col(text).str.extract(portable_regex(f"(?i){pattern}", capture=True), 1)
        )
        for patterns in _phrases(phrases).values() for pattern in patterns
    ])
    result = (
        detected.filter(pl.col("deflection_phrase").is_not_null())
        .sort("created_at", "row_nr")
        .with_columns(_found=found.str.to_lowercase().str.strip_chars())
        .group_by("deflected_to", "deflection_phrase")
        .agg(
            pl.col("_found").drop_nulls().mode().sort().first().alias("phrase_found"),
            pl.len().cast(pl.Int64).alias("messages"),
            pl.col("conversation_id").n_unique().cast(pl.Int64).alias("conversations"),
            pl.col("message_id").head(examples).alias("example_message_ids"),
            pl.col(text).head(examples).alias("example_texts"),
        )
        .sort(["messages", "deflected_to", "deflection_phrase"], descending=[True, False, False])
    )
    return same_kind(result, messages)


def deflection_patterns(phrases: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """Per target channel, one case-insensitive regular expression matching where any of its
    phrases does, in the form every engine reads alike (:func:`toolkit.core.patterns.portable_regex`).

    One pattern per channel (phone, email, chat) is several times faster than one per phrase,
    and far faster than one for all: a single alternation of every phrase outgrows the regex
    engines' fast automata.
    """
    return {
        channel: "(?i)" + "|".join(f"(?:{portable_regex(p)})" for p in patterns)
        for channel, patterns in _phrases(phrases).items()
        if patterns
    }


def deflection_message(columns: Sequence[str]) -> nw.Expr | None:
    """Engine-neutral: whether a message moves its conversation to phone, email or chat.

    From ``deflected_to`` when the log has it (a value that is not empty and not a direct
    message, any direction), else from outbound ``text`` and the default phrases; None when the
    log has neither. A conversation is deflected when one of its messages is: the
    ``deflected`` column of the conversation table, on every engine.
    """
    if "deflected_to" in columns:
        target = nw.col("deflected_to").cast(nw.String).str.strip_chars(WHITESPACE)
        moved = ~target.is_null() & (target != "") & ~target.str.contains(portable_regex(DIRECT_MESSAGE))
        return moved.fill_null(value=False)
    if "text" in columns:
        text = nw.col("text").cast(nw.String)
        found = nw.lit(value=False)
        for pattern in deflection_patterns().values():
            found = found | text.str.contains(pattern).fill_null(value=False)
        return (nw.col("direction") == OUTBOUND) & found
    return None


class AnyOfMetric(Metric):
    """A metric supported when *any* of several column sets is present.

    ``requires`` is the preferred set (what coverage reports as missing); ``alternatives`` are
    other sets that also support it (e.g. ``deflected_to``, else ``text``).
    """

    alternatives: tuple[tuple[str, ...], ...] = ()

    def __init__(self, *args: object, alternatives: tuple[tuple[str, ...], ...] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        object.__setattr__(self, "alternatives", alternatives)

    def supported_by(self, columns: object, ctx: MetricContext) -> bool:  # type: ignore[override]
        cols = set(columns)  # type: ignore[arg-type]
        if super().supported_by(cols, ctx):
            return True
        return any(all(c in cols for c in alt) for alt in self.alternatives) and (
            not self.needs_calendar or ctx.calendar is not None
        )


register_metric(
    AnyOfMetric(
        "deflection_rate",
        "conversations",
        "share",
        value=nw.col("deflected"),
        requires=("deflected_to",),
        alternatives=(("text",),),
        label="deflection rate",
        polarity=None,
        description="conversations moved to phone, email or chat / conversations (from "
        "deflected_to, else detected in outbound text by phrases; a DM request is not one)",
    ),
    replace=True,
)
