"""The live queue: who is waiting now, in what order, for which team; and is this hour a spike.

:func:`queue` (SPEC "Live queue") lists the *waiting* turns as of a moment: turns (see
:func:`toolkit.turns`) with no human reply by then. Messages after ``as_of`` are ignored, so the
queue of any past moment can be replayed from a log. Bot replies neither answer nor interrupt a
turn, so a customer who only got an auto-reply is still waiting. A conversation has at most one
waiting turn (its last run of customer messages).

Each waiting turn gets its channel's SLA target (``sla``: seconds or channel -> seconds), a due
time and how long is left (``due_in_s``, negative when overdue: overdue means waiting *longer*
than the target, so at exactly the target a turn is still on time). Rules (:class:`Rule`, a TOML
file, see ``queue_rules.toml`` beside this module for the shipped defaults) add points and
reasons and route to teams. Every rule becomes one polars expression over the waiting turns; the
text conditions are evaluated per customer message and folded per turn with ``any``; nothing runs
Python per row.

:func:`spike` checks the current bucket's inbound volume against the peak threshold of
:func:`toolkit.peak_buckets` (median + k·MAD of the same hour of the week).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.core.sla import SlaLike, check_sla, sla_target
from toolkit.core.turns import turns
from toolkit.errors import DataError
from toolkit.io.schema import INBOUND, UTC_DATETIME
from toolkit.present.i18n import N_, _, translate

__all__ = [
    "CONDITIONS",
    "DEFAULT_RULES_PATH",
    "QUEUE_COLUMNS",
    "Rule",
    "conversation_thread",
    "default_rules",
    "queue",
    "queue_status",
    "read_rules",
    "reasons_text",
    "resolve_as_of",
    "spike",
]

#: The shipped default rules (copy it to start your own).
DEFAULT_RULES_PATH = Path(__file__).with_name("queue_rules.toml")

#: The shipped rules' reasons, for the catalogue: shown in the reader's language by
#: :func:`reasons_text` (a rules file's own reasons are shown as written).
SHIPPED_REASONS = (
    N_("overdue"), N_("due within 15 min"), N_("VIP customer"), N_("influencer (10k+ followers)"),
    N_("urgent words"), N_("negative sentiment"), N_("billing question"), N_("press or PR"),
)


def reasons_text(reasons: pl.Expr | str = "reasons", lang: str | None = None, separator: str = ", ") -> pl.Expr:
    """The ``reasons`` list as one text for people, in ``lang`` (default the current language).

    The shipped rules' reasons are translated; other reasons (a rules file's own) stay as written.
    The ``reasons`` column itself stays as the rules wrote it (data, e.g. in JSON).

    Examples
    --------
    >>> df = pl.DataFrame({"reasons": [["overdue", "VIP customer"], ["my own rule"]]})
    >>> df.select(reasons_text(lang="fr")).to_series().to_list()
    ['en retard, client VIP', 'my own rule']
    """
    column = pl.col(reasons) if isinstance(reasons, str) else reasons
    mapping = {r: translate(r, lang) for r in SHIPPED_REASONS}
    return column.list.eval(pl.element().replace(mapping)).list.join(separator)


#: The columns of :func:`queue`'s result, in order (``text`` only when the log has texts).
QUEUE_COLUMNS = (
    "conversation_id",
    "customer_id",
    "channel",
    "brand",
    "waiting_since",
    "waited_s",
    "sla_due_at",
    "due_in_s",
    "overdue",
    "priority",
    "reasons",
    "team",
    "sla_target_s",
    "customer_messages",
    "last_message_at",
)

#: Condition keys a rule's ``when`` may use, and what each expects.
CONDITIONS: dict[str, str] = {
    "text_any": "a list of words",
    "text_regex": "a regular expression (text)",
    "sentiment_below": "a number in [-1, 1]",
    "vip": "true or false",
    "followers_at_least": "a whole number",
    "channel": "a list of channels",
    "category": "a list of categories",
    "subcategory": "a list of subcategories",
    "brand": "a list of brands",
    "language": "a list of language codes",
    "overdue": "true or false",
    "due_within_minutes": "a number of minutes",
}
_LIST_KEYS = ("channel", "category", "subcategory", "brand", "language")
_RULE_KEYS = ("reason", "when", "points", "team")


@dataclass(frozen=True)
class Rule:
    """One queue rule: conditions (all must hold), points, a reason and optionally a team.

    Examples
    --------
    >>> Rule("VIP customer", {"vip": True}, points=50).points
    50
    """

    reason: str
    when: Mapping[str, Any] = field(default_factory=dict)
    points: float = 0
    team: str | None = None

    def __post_init__(self) -> None:
        where = _("rule {reason!r}").format(reason=self.reason)
        if not isinstance(self.reason, str) or not self.reason.strip():
            msg = _("a rule needs a reason (text), got {reason!r}").format(reason=self.reason)
            raise DataError(msg)
        if isinstance(self.points, bool) or not isinstance(self.points, int | float) or not math.isfinite(self.points):
            msg = _("{where}: points must be a number, got {points!r}").format(where=where, points=self.points)
            raise DataError(msg)
        if self.team is not None and (not isinstance(self.team, str) or not self.team.strip()):
            msg = _("{where}: team must be a team name (text), got {team!r}").format(where=where, team=self.team)
            raise DataError(msg)
        if not isinstance(self.when, Mapping):
            msg = _("{where}: when must be a table of conditions, e.g. {{ vip = true }}, got {when!r}").format(where=where, when=self.when)
            raise DataError(msg)
        for key, value in self.when.items():
            _check_condition(where, key, value)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return " (" + _("did you mean {name!r}?").format(name=close[0]) + ")" if close else ""


def _check_condition(where: str, key: str, value: Any) -> None:
    if key not in CONDITIONS:
        msg = _("{where}: unknown condition {key!r}{did_you_mean}; allowed: {items}").format(where=where, key=key, did_you_mean=_did_you_mean(key, CONDITIONS), items=', '.join(CONDITIONS))
        raise DataError(msg)
    expected = CONDITIONS[key]
    ok: bool
    if key == "text_any" or key in _LIST_KEYS:
        ok = isinstance(value, list | tuple) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)
    elif key == "text_regex":
        ok = isinstance(value, str) and bool(value)
        if ok:
            try:
                pl.select(pl.lit("").str.contains(value))
            except pl.exceptions.PolarsError as exc:
                msg = _("{where}: text_regex {value!r} is not a regular expression polars can run ({value2})").format(where=where, value=value, value2=str(exc).splitlines()[0])
                raise DataError(msg) from None
    elif key in ("vip", "overdue"):
        ok = isinstance(value, bool)
    elif key == "followers_at_least":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:  # sentiment_below, due_within_minutes
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok and key == "due_within_minutes":
            ok = value >= 0
    if not ok:
        msg = _("{where}: condition {key} expects {expected}, got {value!r}").format(where=where, key=key, expected=expected, value=value)
        raise DataError(msg)


def read_rules(source: str | Path | Sequence[Rule | Mapping[str, Any]]) -> list[Rule]:
    """Rules from a TOML file (one ``[[rule]]`` table each), TOML text, or a list of rules/dicts.

    Raises
    ------
    DataError
        A missing file, TOML that does not parse, an unknown key or condition (with a hint), a
        condition value of the wrong kind.

    Examples
    --------
    >>> rules = read_rules('''
    ... [[rule]]
    ... reason = "asks for help"
    ... when = { text_any = ["help", "aide", "aiuto"] }
    ... points = 20
    ... ''')
    >>> rules[0].when["text_any"]
    ['help', 'aide', 'aiuto']
    """
    if isinstance(source, str | Path):
        text = str(source)
        path = Path(text) if isinstance(source, Path) or ("\n" not in text and "[[" not in text) else None
        if path is not None:
            if not path.is_file():
                msg = _("rules file not found: {path!r} (a TOML file of [[rule]] tables)").format(path=str(path))
                raise DataError(msg)
            text = path.read_text(encoding="utf-8")
        label = str(path) if path is not None else _("rules")
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = _("{label}: not valid TOML ({exc})").format(label=label, exc=exc)
            raise DataError(msg) from None
        extra = [k for k in document if k != "rule"]
        if extra:
            msg = _("{label}: unknown top-level key(s) {extra}; write one [[rule]] table per rule").format(label=label, extra=extra)
            raise DataError(msg)
        items: Sequence[Any] = document.get("rule", [])
    else:
        items = source
    rules: list[Rule] = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, Rule):
            rules.append(item)
            continue
        if not isinstance(item, Mapping):
            msg = _("rule {n}: expected a table with reason, when, points, team; got {item!r}").format(n=n, item=item)
            raise DataError(msg)
        unknown = [k for k in item if k not in _RULE_KEYS]
        if unknown:
            hint = _did_you_mean(unknown[0], _RULE_KEYS) or _did_you_mean(unknown[0], CONDITIONS)
            msg = _("rule {n}: unknown key {unknown!r}{hint}; a rule has {items}").format(n=n, unknown=unknown[0], hint=hint, items=', '.join(_RULE_KEYS))
            raise DataError(msg)
        if "reason" not in item:
            msg = _("rule {n}: missing reason (the label shown when the rule fires)").format(n=n)
            raise DataError(msg)
        rules.append(
            Rule(reason=item["reason"], when=item.get("when", {}), points=item.get("points", 0), team=item.get("team"))
        )
    return rules


def default_rules() -> list[Rule]:
    """The shipped rules (:data:`DEFAULT_RULES_PATH`): overdue, due soon, VIP, influence, urgent
    words in English/French/Italian, negative sentiment, billing and PR routing."""
    return read_rules(DEFAULT_RULES_PATH)


def resolve_as_of(as_of: dt.datetime | dt.date | str | None) -> dt.datetime:
    """``as_of`` as an aware UTC datetime: now when None; naive times and ISO text are UTC.

    Examples
    --------
    >>> resolve_as_of("2025-09-01T10:00:00Z")
    datetime.datetime(2025, 9, 1, 10, 0, tzinfo=datetime.timezone.utc)
    """
    if as_of is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(as_of, str):
        try:
            value = dt.datetime.fromisoformat(as_of.strip().replace(" ", "T", 1) if " " in as_of.strip() else as_of.strip())
        except ValueError:
            msg = _("as_of must be a time such as 2025-09-01T10:00:00Z, got {as_of!r}").format(as_of=as_of)
            raise DataError(msg) from None
    elif isinstance(as_of, dt.datetime):
        value = as_of
    elif isinstance(as_of, dt.date):
        value = dt.datetime(as_of.year, as_of.month, as_of.day)
    else:
        msg = _("as_of must be a datetime or ISO text, got {kind}").format(kind=type(as_of).__name__)
        raise DataError(msg)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _word_pattern(words: Sequence[str]) -> str:
    # Whole words, case-insensitive; \b is Unicode-aware in polars' regex engine.
    return r"(?i)\b(?:" + "|".join(re.escape(w.strip()) for w in words) + r")\b"


def _in_list(column: str, values: Sequence[str]) -> pl.Expr:
    wanted = [v.strip().lower() for v in values]
    return pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase().is_in(wanted)


def _condition(key: str, value: Any, columns: set[str], text_flag: str | None) -> pl.Expr:
    """One condition as a Boolean expression over the waiting turns (null counts as false)."""
    if key in ("text_any", "text_regex"):
        return pl.col(text_flag) if text_flag and text_flag in columns else pl.lit(False)
    if key == "overdue":
        return pl.col("overdue") == value
    if key == "due_within_minutes":
        return (pl.col("due_in_s") >= 0) & (pl.col("due_in_s") <= float(value) * 60)
    needs = {"sentiment_below": "_sentiment_min", "vip": "vip", "followers_at_least": "followers"}.get(key, key)
    if needs not in columns:
        return pl.lit(False)
    if key == "sentiment_below":
        return pl.col("_sentiment_min") < float(value)
    if key == "vip":
        return pl.col("vip") == value
    if key == "followers_at_least":
        return pl.col("followers") >= int(value)
    return _in_list(key, value)


def _vip_expr(dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col("vip")
    text = pl.col("vip").cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.when(text.is_in(["true", "t", "yes", "y", "1", "1.0", "vip"])).then(True).when(
        text.is_in(["false", "f", "no", "n", "0", "0.0", ""])
    ).then(False)


def _customers_frame(customers: Any) -> pl.LazyFrame:
    if isinstance(customers, str | Path):
        from toolkit.io.customers import read_customers

        customers = read_customers(customers)
    lf = as_lazy(customers)
    columns = lf.collect_schema()
    if "customer_id" not in columns:
        msg = _("customers: no 'customer_id' column (found: {columns})").format(columns=list(columns))
        raise DataError(msg)
    exprs = [pl.col("customer_id").cast(pl.String)]
    if "vip" in columns:
        exprs.append(_vip_expr(columns["vip"]).alias("vip"))
    if "followers" in columns:
        exprs.append(pl.col("followers").cast(pl.Int64, strict=False))
    return lf.with_columns(exprs).unique("customer_id", keep="first", maintain_order=True)


def queue(
    messages: Frame,
    *,
    as_of: dt.datetime | str | None = None,
    sla: SlaLike = 3600,
    rules: str | Path | Sequence[Rule | Mapping[str, Any]] | None = None,
    customers: pl.DataFrame | pl.LazyFrame | str | Path | None = None,
) -> Frame:
    """The waiting turns as of a moment, prioritised and routed.

    Parameters
    ----------
    messages
        Canonical messages (eager or lazy). Messages after ``as_of`` are ignored.
    as_of
        The moment of the queue (aware datetime, or ISO text; naive is UTC). Default: now.
    sla
        SLA target in seconds, or a mapping channel -> seconds with an optional ``default``.
    rules
        A TOML rules file (path), TOML text, or a list of :class:`Rule`/dicts. Default (None):
        the shipped rules (:data:`DEFAULT_RULES_PATH`); ``[]`` for none.
    customers
        The customers table (``customer_id``, ``vip``, ``followers``, ...; a frame or a file for
        :func:`toolkit.read_customers`), joined on ``customer_id``; its columns win over the
        log's columns of the same name.

    Returns
    -------
    DataFrame or LazyFrame (same kind as ``messages``): one row per waiting turn with
    :data:`QUEUE_COLUMNS` (``waited_s`` = as_of − waiting_since; ``sla_due_at`` = waiting_since +
    target; ``due_in_s`` = sla_due_at − as_of, negative when overdue; ``overdue`` =
    ``due_in_s < 0``; ``priority`` = sum of the fired rules' points; ``reasons`` = fired rules'
    reasons in file order; ``team`` = team of the first fired rule that has one;
    ``customer_messages`` = customer messages in the turn), plus ``text`` (the turn's latest
    customer message) when the log has texts. Ordered by ``priority`` descending, then
    ``waiting_since``, then ``conversation_id``.

    Examples
    --------
    >>> t0 = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
    >>> m = pl.DataFrame({
    ...     "row_nr": [1, 2, 3], "message_id": ["a", "b", "c"], "conversation_id": ["c1", "c1", "c2"],
    ...     "created_at": [t0, t0 + dt.timedelta(minutes=1), t0], "direction": ["inbound", "outbound", "inbound"],
    ...     "is_bot": [False, True, False], "channel": ["twitter", "twitter", "email"],
    ...     "text": ["help please", "Thanks, we'll be in touch", "invoice copy"],
    ... })
    >>> q = queue(m, as_of=t0 + dt.timedelta(hours=2), sla={"email": 86400, "default": 3600})
    >>> q.select("conversation_id", "waited_s", "overdue", "priority", "reasons").rows()
    [('c1', 7200.0, True, 120, ['overdue', 'urgent words']), ('c2', 7200.0, False, 0, [])]
    """
    moment = resolve_as_of(as_of)
    sla_checked = check_sla(sla)
    rule_list = default_rules() if rules is None else read_rules(rules)
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    for needed in ("conversation_id", "created_at", "direction", "row_nr"):
        if needed not in columns:
            msg = _("queue: messages have no {needed!r} column (found: {columns}); read them with toolkit.load").format(needed=needed, columns=columns)
            raise DataError(msg)
    as_of_lit = pl.lit(moment).cast(UTC_DATETIME)
    upto = lf.filter(pl.col("created_at") <= as_of_lit)
    if "is_bot" not in columns:
        upto = upto.with_columns(is_bot=pl.lit(False))

    carry = [c for c in ("customer_id", "channel", "brand", "category", "subcategory", "language", "vip", "followers") if c in columns]
    waiting = turns(upto, carry=carry).filter(pl.col("answered_at").is_null())
    for c in ("customer_id", "channel", "brand"):
        if c not in carry:
            waiting = waiting.with_columns(pl.lit(None, pl.String).alias(c))

    # The turn's own customer messages: in a conversation's order, those from the turn's start on
    # (a waiting turn is the conversation's last run of customer messages).
    text_rules = {i: r for i, r in enumerate(rule_list) if {"text_any", "text_regex"} & set(r.when)}
    wants_sentiment = any("sentiment_below" in r.when for r in rule_list)
    has_text = "text" in columns
    msgs = upto.filter((pl.col("direction") == INBOUND) & ~pl.col("is_bot").fill_null(False))
    if wants_sentiment and "sentiment" not in columns and has_text:
        from toolkit.measures.sentiment import add_sentiment

        msgs = add_sentiment(msgs)
    msg_columns = set(msgs.collect_schema().names())
    in_turn = msgs.join(
        waiting.select("conversation_id", "start", "start_row_nr"), on="conversation_id", how="inner"
    ).filter(
        (pl.col("created_at") > pl.col("start"))
        | ((pl.col("created_at") == pl.col("start")) & (pl.col("row_nr") >= pl.col("start_row_nr")))
    ).sort("conversation_id", "created_at", "row_nr")
    aggs: list[pl.Expr] = [
        pl.len().cast(pl.Int64).alias("customer_messages"),
        pl.col("created_at").last().alias("last_message_at"),
    ]
    if has_text:
        aggs.append(pl.col("text").cast(pl.String).last().alias("text"))
        for i, rule in text_rules.items():
            flag = pl.lit(True)
            if "text_any" in rule.when:
                flag = flag & pl.col("text").cast(pl.String).str.contains(_word_pattern(rule.when["text_any"]))
            if "text_regex" in rule.when:
                flag = flag & pl.col("text").cast(pl.String).str.contains(rule.when["text_regex"])
            aggs.append(flag.fill_null(False).any().alias(f"_text_{i}"))
    if "sentiment" in msg_columns:
        aggs.append(pl.col("sentiment").cast(pl.Float64, strict=False).min().alias("_sentiment_min"))
    per_turn = in_turn.group_by("conversation_id").agg(aggs)

    table = waiting.join(per_turn, on="conversation_id", how="left")
    if customers is not None:
        cust = _customers_frame(customers)
        cust_cols = [c for c in cust.collect_schema().names() if c != "customer_id"]
        table = table.drop([c for c in cust_cols if c in table.collect_schema().names()]).join(
            cust, on="customer_id", how="left"
        )
    schema = table.collect_schema()
    if "vip" in schema and customers is None:
        table = table.with_columns(_vip_expr(schema["vip"]).alias("vip"))
    if "followers" in schema and customers is None:
        table = table.with_columns(pl.col("followers").cast(pl.Int64, strict=False))

    micro = 1_000_000
    target_us = (sla_target(sla_checked, "channel") * micro).round(0).cast(pl.Int64)
    table = table.with_columns(
        waiting_since=pl.col("start"),
        sla_target_s=sla_target(sla_checked, "channel"),
        sla_due_at=pl.col("start") + pl.duration(microseconds=target_us),
        waited_s=(as_of_lit - pl.col("start")).dt.total_microseconds() / micro,
    ).with_columns(
        due_in_s=(pl.col("sla_due_at") - as_of_lit).dt.total_microseconds() / micro,
    ).with_columns(overdue=pl.col("due_in_s") < 0)

    present = set(table.collect_schema().names())
    fired: list[pl.Expr] = []
    for i, rule in enumerate(rule_list):
        expr = pl.lit(True)
        for key, value in rule.when.items():
            expr = expr & _condition(key, value, present, f"_text_{i}")
        fired.append(expr.fill_null(False))
    integral = all(float(r.points).is_integer() for r in rule_list)
    points_type = pl.Int64 if integral else pl.Float64
    priority = pl.sum_horizontal(
        [pl.when(f).then(pl.lit(r.points, points_type)).otherwise(pl.lit(0, points_type)) for f, r in zip(fired, rule_list, strict=True)]
    ) if rule_list else pl.lit(0, pl.Int64)
    reasons = (
        pl.concat_list([pl.when(f).then(pl.lit(r.reason)).otherwise(pl.lit(None, pl.String)) for f, r in zip(fired, rule_list, strict=True)]).list.drop_nulls()
        if rule_list
        else pl.lit([], pl.List(pl.String))
    )
    routed = [(f, r.team) for f, r in zip(fired, rule_list, strict=True) if r.team]
    team = pl.coalesce([pl.when(f).then(pl.lit(t)) for f, t in routed] + [pl.lit(None, pl.String)]) if routed else pl.lit(None, pl.String)

    result = (
        table.with_columns(priority=priority.cast(points_type), reasons=reasons, team=team)
        .sort(["priority", "waiting_since", "conversation_id"], descending=[True, False, False], nulls_last=True)
        .select(*QUEUE_COLUMNS, *(["text"] if has_text else []))
    )
    return same_kind(result, messages)


def spike(
    messages: Frame,
    *,
    as_of: dt.datetime | str | None = None,
    bucket: str = "1h",
    k: float = 3.0,
    timezone: str = "UTC",
    staffing: bool = False,
    sla: float = 3600,
) -> Frame:
    """Is the current bucket's inbound volume a spike for that hour of the week, and by how much?

    The current bucket is the one holding ``as_of`` (its inbound messages so far); its baseline and
    threshold are those of :func:`toolkit.peak_buckets` over the log up to ``as_of`` (median +
    k·spread of the same hour of the week).

    Parameters
    ----------
    messages
        Canonical messages; those after ``as_of`` are ignored.
    as_of
        The moment (default now).
    bucket
        ``"1h"``/``"hour"`` (vs the same hour of the week) or ``"1d"``/``"day"`` (same weekday).
    k, timezone
        As for :func:`toolkit.peak_buckets`.
    staffing
        Also say how many agents the hour needs (:func:`toolkit.staffing`, Erlang C for ``sla``):
        ``agents_usual`` at that hour's usual arrivals and ``agents_needed`` at the current level
        (usual arrivals x ``ratio``; the current count per bucket-hour when the baseline is 0).

    Returns
    -------
    DataFrame or LazyFrame (same kind as ``messages``)
        One row: ``bucket`` (local start of the bucket holding ``as_of``), ``inbound_messages`` (so far in the bucket),
        ``baseline``, ``threshold``, ``ratio`` (inbound / baseline, null when the baseline is 0),
        ``excess`` (inbound − threshold: how far above the spike line; negative below it),
        ``is_spike``; with ``staffing``: ``agents_usual``, ``agents_needed``.

    Examples
    --------
    >>> t0 = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
    >>> weeks = [t0 + dt.timedelta(weeks=w) for w in range(4)]
    >>> times = weeks[:3] + [weeks[3] + dt.timedelta(seconds=s) for s in range(20)]
    >>> m = pl.DataFrame({"created_at": times, "direction": ["inbound"] * len(times)})
    >>> spike(m, as_of=weeks[3] + dt.timedelta(minutes=30)).select("inbound_messages", "baseline", "is_spike").row(0)
    (20, 1.0, True)
    """
    from toolkit.analysis.peaks import peak_buckets

    moment = resolve_as_of(as_of)
    lf = as_lazy(messages)
    columns = lf.collect_schema()
    for needed in ("created_at", "direction"):
        if needed not in columns:
            msg = _("spike: messages have no {needed!r} column (found: {columns})").format(needed=needed, columns=list(columns))
            raise DataError(msg)
    as_of_lit = pl.lit(moment).cast(UTC_DATETIME)
    upto = lf.select("created_at", "direction").filter(pl.col("created_at") <= as_of_lit)
    # A non-inbound marker at as_of extends the bucket grid to the current bucket (zero when no
    # customer wrote in it yet) without counting as volume.
    marker = pl.LazyFrame({"created_at": [moment], "direction": ["_as_of"]}).cast({"created_at": UTC_DATETIME, "direction": columns["direction"]})
    # The live alarm keeps SPEC's literal rule (every bucket judged): a false alarm costs a glance,
    # a missed rush on a young or quiet log costs customers. Reports use the honest rule.
    table = peak_buckets(pl.concat([upto.cast({"created_at": UTC_DATETIME}), marker]), bucket=_bucket_name(bucket), k=k, timezone=timezone,
                         min_baseline_messages=0, min_baseline_periods=0, min_baseline_level=0)
    row = as_lazy(table).tail(1).select(
        "bucket",
        "inbound_messages",
        "baseline",
        "threshold",
        "ratio",
        (pl.col("inbound_messages") - pl.col("threshold")).alias("excess"),
        pl.col("is_peak").alias("is_spike"),
    )
    if staffing:
        eager = _with_staffing(row.collect(), lf.filter(pl.col("created_at") <= as_of_lit), bucket=_bucket_name(bucket), sla=sla, timezone=timezone)
        row = eager.lazy()
    return same_kind(row, messages)


def _bucket_name(bucket: str) -> str:
    names = {"1h": "hour", "hour": "hour", "1d": "day", "day": "day"}
    if bucket not in names:
        msg = _("bucket must be one of 1h, hour, 1d, day; got {bucket!r}").format(bucket=bucket)
        raise DataError(msg)
    return names[bucket]


def _with_staffing(row: pl.DataFrame, messages: pl.LazyFrame, *, bucket: str, sla: float, timezone: str) -> pl.DataFrame:
    from toolkit.analysis.staffing import agents_needed
    from toolkit.analysis.staffing import staffing as staffing_table

    table = staffing_table(messages, sla=sla, timezone=timezone)
    local = row["bucket"][0]
    hours = table.filter(pl.col("weekday") == local.isoweekday())
    if bucket == "hour":
        hours = hours.filter(pl.col("hour") == local.hour)
    usual_arrivals = float(hours["arrivals_per_hour"].mean() or 0.0)
    handle = float(table["handle_seconds"][0])
    ratio = row["ratio"][0]
    bucket_hours = 1.0 if bucket == "hour" else 24.0
    current = usual_arrivals * ratio if ratio is not None else float(row["inbound_messages"][0]) / bucket_hours
    usual, now = agents_needed([usual_arrivals, current], handle, sla=sla).tolist()
    return row.with_columns(agents_usual=pl.lit(usual, pl.Int64), agents_needed=pl.lit(now, pl.Int64))


def queue_status(waiting: pl.DataFrame, *, due_soon_minutes: float = 15) -> dict[str, Any]:
    """Headline numbers of a :func:`queue` result: ``waiting``, ``overdue``, ``due_soon`` (not
    overdue, due within ``due_soon_minutes``), ``longest_wait_s`` (None when nobody waits).

    Examples
    --------
    >>> q = pl.DataFrame({"overdue": [True, False, False], "due_in_s": [-5.0, 60.0, 4000.0], "waited_s": [3605.0, 3540.0, 100.0]})
    >>> queue_status(q)
    {'waiting': 3, 'overdue': 1, 'due_soon': 1, 'longest_wait_s': 3605.0}
    """
    row = waiting.select(
        pl.len().alias("waiting"),
        pl.col("overdue").sum().alias("overdue"),
        (~pl.col("overdue") & (pl.col("due_in_s") <= due_soon_minutes * 60)).sum().alias("due_soon"),
        pl.col("waited_s").max().alias("longest_wait_s"),
    ).row(0, named=True)
    return {k: (int(v) if k != "longest_wait_s" and v is not None else v) for k, v in row.items()}


def conversation_thread(
    messages: pl.DataFrame | pl.LazyFrame, conversation_id: str, *, as_of: dt.datetime | str | None = None
) -> pl.DataFrame:
    """The messages of one conversation up to ``as_of``, in order: ``created_at``, ``direction``,
    ``is_bot``, ``agent_id``, ``text`` (the columns the log has).

    Examples
    --------
    >>> t0 = dt.datetime(2025, 9, 1, 9, tzinfo=dt.UTC)
    >>> m = pl.DataFrame({"row_nr": [2, 1], "conversation_id": ["c1", "c1"], "created_at": [t0, t0],
    ...                   "direction": ["outbound", "inbound"], "text": ["hi!", "hello?"]})
    >>> conversation_thread(m, "c1")["text"].to_list()
    ['hello?', 'hi!']
    """
    lf = as_lazy(messages)
    columns = lf.collect_schema().names()
    moment = resolve_as_of(as_of)
    keep = [c for c in ("created_at", "direction", "is_bot", "agent_id", "customer_id", "channel", "text") if c in columns]
    order = ["created_at", "row_nr"] if "row_nr" in columns else ["created_at"]
    return (
        lf.filter((pl.col("conversation_id") == conversation_id) & (pl.col("created_at") <= pl.lit(moment).cast(UTC_DATETIME)))
        .sort(order)
        .select(keep)
        .collect()
    )
