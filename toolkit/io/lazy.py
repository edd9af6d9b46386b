"""The lazy loader: a file on disk -> one lazy plan of canonical columns + an exact quality report.

``load(path, lazy=True)`` comes here. The file is scanned (``pl.scan_parquet``, ``pl.scan_csv``,
``pl.scan_ndjson``), never read into Python, and turned into ONE lazy plan of canonical
expressions. The quality report is counted in one aggregate pass over that plan (a count and
the first row numbers per issue, all in a single ``select``), so it is exactly the report the
eager loader gives: ``input_rows == used_rows + dropped_rows``.

Typed fast paths: a plan is first built on cheap assumptions the data usually meets (ids
without spaces, dots or commas are used as they are; ``inbound``/``outbound`` directions are
used as they are; ISO 8601 times with an offset are parsed with one format; a Datetime column
stays one; integer ids are cast, not scanned). The same aggregate pass counts the rows breaking
an assumption; if there are any, the plan is rebuilt with the general expressions (the eager
loader's) and counted again, so a messy file costs a second pass, never a wrong number.

A Parquet file stays a scan all the way into the KPIs. A CSV or JSON-lines file is parsed once,
straight into columns, and its canonical frame is computed once in memory (then handed on as a
LazyFrame), because every table the KPIs build would otherwise parse the text again.

What this module does not handle returns ``None`` and :func:`toolkit.io.load.load` reads the
file eagerly instead (then wraps the result as a LazyFrame): Excel, JSON arrays, text that is not
plain UTF-8 (BOMs, UTF-16, cp1252), CSVs polars' scanner rejects (ragged rows, bad quotes),
conversations that come from reply chains or sessions (they need the whole table), and a
``row_nr`` source column that is not a set of unique integers.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

from toolkit._frames import collect_engine
from toolkit.errors import DataError
from toolkit.io.presets import (
    AUTHOR,
    PRESETS,
    Preset,
    direction_expr,
    get_preset,
    is_outbound_flag,
    resolve_mapping,
)
from toolkit.io.quality import FIRST_ROWS, QualityIssue, QualityReport
from toolkit.io.schema import ALWAYS_PRESENT, INBOUND, OPTIONAL, OUTBOUND, UTC_DATETIME
from toolkit.io.timestamps import (
    FAR_OUT_REASON,
    NOT_NAIVE,
    _epoch,
    _localise,
    far_out,
    far_out_stats,
    parse_timestamps,
)
from toolkit.present.format import count as _count
from toolkit.present.i18n import N_, Message, _

__all__ = ["load_lazy", "scan_source"]

_ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"
_WHITESPACE = [" ", "\t", "\n", "\r", "\xa0"]
_ID_COLUMNS = ("message_id", "conversation_id", "in_reply_to", "customer_id")
_THOUSANDS = r"^\d{1,3}(?:,\d{3})+$"
_PREVIEW_ROWS = 1000
_EXCEL_EXT = (".xlsx", ".xls", ".xlsm", ".ods")
#: Wider files are loaded eagerly (measured: 50,000 columns, 3 s eager, over 5 min lazy).
_MAX_LAZY_COLUMNS = 1000


def scan_source(path: str | Path) -> tuple[pl.LazyFrame, str] | None:
    """A lazy scan of the file at ``path`` and its kind (parquet, ndjson, csv), or None when it
    must be read eagerly.

    Only a prefix of the file is read here (to recognise the format, the encoding and the CSV
    delimiter).
    """
    from toolkit.io.load import _sniff_delimiter

    p = Path(path)
    if not p.is_file():
        return None
    with p.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head.strip(b" \t\r\n\x00"):
        return None
    if head[:4] == b"PAR1":
        return pl.scan_parquet(p), "parquet"
    if head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") or p.suffix.lower() in _EXCEL_EXT:
        return None
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    try:  # a prefix may end inside a multi-byte character: decode incrementally
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    first = text.lstrip()[:1]
    if first == "[":
        return None
    if first == "{" or p.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        return pl.scan_ndjson(p, infer_schema_length=10_000), "ndjson"
    if "\r" in text.replace("\r\n", ""):
        return None  # CR-only line endings: the eager reader handles them
    sep = _sniff_delimiter(text)
    return pl.scan_csv(p, separator=sep, infer_schema=False, has_header=True, encoding="utf8"), "csv"


@dataclass
class _Issue:
    reason: str
    column: str | None
    action: str
    mask: pl.Expr  # over the base frame (or a filtered view: see ``rows``)
    rows: pl.Expr | None = None  # row numbers of the hits when ``mask`` is over a filtered view


def _text(column: str) -> pl.Expr:
    t = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def _is_clean_text(column: str) -> pl.Expr:
    """Values that ``_text`` would leave as they are (no empty string, no white space)."""
    c = pl.col(column)
    return c.is_null() | ((c.str.len_bytes() > 0) & ~c.str.contains_any(_WHITESPACE))


class _Plan:
    """The canonical columns of ``lf`` as expressions, with the issues to count."""

    def __init__(
        self,
        lf: pl.LazyFrame,
        schema: pl.Schema,
        chosen: dict[str, str],
        preset: Preset,
        timezone: str,
        *,
        fast: bool,
        prefix: str,
    ) -> None:
        self.schema = schema
        self.chosen = chosen
        self.fast = fast
        self.day_first = preset.day_first
        self.k = prefix  # canonical columns live under prefixed names until the final select
        self.kept: list[_Issue] = []
        self.checks: list[pl.Expr] = []  # fast-path assumptions: each is true where one is broken
        self.notes_expr: pl.Expr | None = None
        self.serial_expr: pl.Expr | None = None
        exprs: dict[str, pl.Expr] = {}
        null = pl.lit(None, pl.String)
        for name in _ID_COLUMNS:
            exprs[name] = self._id(chosen[name], name) if name in chosen else null
        if "message_id" not in chosen:
            exprs["message_id"] = pl.col("row_nr").cast(pl.String)
        exprs["direction"] = self._direction(chosen["direction"])
        if "channel" in chosen:
            exprs["channel"] = self._clean(chosen["channel"], lower=True)
        else:
            exprs["channel"] = pl.lit(preset.channel, pl.String)
        for name in ("agent_id", "brand"):
            exprs[name] = self._clean(chosen[name]) if name in chosen else null
        exprs["is_bot"] = self._is_bot(chosen["is_bot"]) if "is_bot" in chosen else pl.lit(False)
        self.optional = self._optional(timezone)
        exprs.update(self.optional)
        if AUTHOR in chosen:
            exprs["__author"] = _text(chosen[AUTHOR])
        exprs["created_at"] = self._time(chosen["created_at"], timezone, created=True)
        if "resolved_at" in chosen:
            exprs["resolved_at"] = self._time(chosen["resolved_at"], timezone, created=False)
        src = chosen["created_at"]
        if schema[src] == pl.String:
            raw = pl.col(src)
            exprs["__t_missing"] = raw.is_null() | (raw.str.strip_chars() == "") if not fast else (
                raw.is_null() | (raw.str.len_bytes() == 0)
            )
            if fast:  # whitespace-only values would be "missing"; none must be there
                self.checks.append(raw.is_not_null() & (raw.str.len_bytes() > 0) & pl.col(self.k + "created_at").is_null())
        else:
            exprs["__t_missing"] = pl.col(src).is_null()
        dsrc = chosen["direction"]
        exprs["__d_missing"] = _text(dsrc).is_null() if not (fast and schema[dsrc] == pl.String) else (
            pl.col(dsrc).is_null() | (pl.col(dsrc).str.len_bytes() == 0)
        )
        self.base = lf.with_columns(**{self.k + n: e for n, e in exprs.items()})
        self.columns = list(exprs)

    # -- per-column expressions ------------------------------------------------------------
    def _id(self, src: str, name: str) -> pl.Expr:
        dtype = self.schema[src]
        if dtype.is_integer():
            return pl.col(src).cast(pl.String)
        if self.fast and dtype == pl.String:
            c = pl.col(src)
            # Not clean text, or a dot / comma (a float or thousands): one scan of the strings.
            self.checks.append(c.is_not_null() & ((c.str.len_bytes() == 0) | c.str.contains_any([*_WHITESPACE, ".", ","])))
            return c
        thousands = _text(src).str.contains(_THOUSANDS)
        t = _text(src).str.replace(r"^(\d+)\.0+$", "${1}")
        self.kept.append(_Issue(N_("written with thousands separators (separators removed)"), src, "fixed", thousands))
        return pl.when(thousands).then(t.str.replace_all(",", "")).otherwise(t)

    def _clean(self, src: str, *, lower: bool = False) -> pl.Expr:
        if self.fast and self.schema[src] == pl.String:
            self.checks.append(~_is_clean_text(src))
            if lower:  # over the distinct values: a channel column holds a handful (3x less work at 9M)
                values = pl.col(src).unique()
                self.checks.append(values != values.str.to_lowercase())
            return pl.col(src)
        t = _text(src)
        return t.str.to_lowercase() if lower else t

    def _direction(self, src: str) -> pl.Expr:
        c = pl.col(src)
        if self.fast and self.schema[src] == pl.String and not is_outbound_flag(src):
            self.checks.append(c.is_not_null() & ~c.is_in([INBOUND, OUTBOUND]))
            return c
        return direction_expr(c, is_outbound_flag(src))

    def _is_bot(self, src: str) -> pl.Expr:
        from toolkit.io.load import _FALSE, _TRUE

        if self.schema[src] == pl.Boolean:
            return pl.col(src).fill_null(False)
        if self.fast and self.schema[src] == pl.String:
            # Text written by a program says exactly "true" / "false": no stripping, no lower case.
            c = pl.col(src)
            self.checks.append(c.is_not_null() & ~c.is_in(["true", "false"]))
            return (c == "true").fill_null(False)
        t = _text(src).str.to_lowercase()
        bad = t.is_not_null() & ~t.is_in(_TRUE) & ~t.is_in(_FALSE)
        self.kept.append(_Issue(Message(N_("not readable as {name} true/false (taken as false)"), name="is_bot"), src, "kept", bad))
        return t.is_in(_TRUE).fill_null(False)

    def _optional(self, timezone: str) -> dict[str, pl.Expr]:
        from toolkit.io.load import _number, _seconds, _sentiment

        out: dict[str, pl.Expr] = {}
        for name in ("category", "subcategory", "template", "deflected_to"):
            if name in self.chosen:
                out[name] = _text(self.chosen[name])
        if "text" in self.chosen:
            out["text"] = pl.col(self.chosen["text"]).cast(pl.String)
        for name, conv in (("sentiment", _sentiment), ("handle_seconds", _seconds), ("csat", _number), ("nps", _number)):
            if name in self.chosen:
                src = self.chosen[name]
                out[name] = conv(src)
                bad = _text(src).is_not_null() & pl.col(self.k + name).is_null()
                self.kept.append(_Issue(Message(N_("not readable as {name} (left empty)"), name=name), src, "kept", bad))
        return out

    def _time(self, src: str, timezone: str, *, created: bool) -> pl.Expr:
        dtype = self.schema[src]
        c = pl.col(src)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            out = c.dt.convert_time_zone("UTC").cast(UTC_DATETIME)
        elif isinstance(dtype, pl.Datetime) or dtype == pl.Date:
            out = _localise(c.cast(pl.Datetime("us")), timezone).cast(UTC_DATETIME)
        elif dtype.is_numeric():
            out = _epoch(c.cast(pl.Float64), timezone).cast(UTC_DATETIME)
        elif self.fast and dtype == pl.String:
            out = c.str.to_datetime(_ISO_WITH_OFFSET, time_unit="us", time_zone="UTC", strict=False)
        else:
            out = parse_timestamps(c, timezone=timezone, day_first=self.day_first)
        if created and dtype == pl.String and not self.fast:
            self.notes_expr = (_text(src).is_not_null() & ~_text(src).str.contains(NOT_NAIVE)).sum()
        elif created and dtype == pl.Datetime("us"):
            self.notes_expr = c.is_not_null().sum()
        if created and (dtype.is_numeric() or (dtype == pl.String and not self.fast)):
            from toolkit.io.load import serial_count

            self.serial_expr = serial_count(src, dtype)
        if not created:
            missing = c.is_null() | (c.cast(pl.String).str.strip_chars() == "")
            bad = ~missing & pl.col(self.k + "resolved_at").is_null()
            self.kept.append(_Issue(N_("unparseable"), src, "kept", bad))
        return out


_PLAIN_TEXT = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json")


def p_suffix(path: str | Path) -> str:
    return Path(path).suffix.lower()


def _overrides(presets: Any, *methods: str) -> bool:
    """True when one of ``presets`` has its own version of one of ``methods``."""
    return any(getattr(type(p), m) is not getattr(Preset, m) for p in presets for m in methods)


def _issue_aggs(i: int, issue: _Issue) -> list[pl.Expr]:
    rows = issue.rows if issue.rows is not None else pl.col("row_nr").filter(issue.mask.fill_null(False))
    return [
        issue.mask.fill_null(False).sum().alias(f"n{i}"),
        rows.bottom_k(FIRST_ROWS).sort().implode().alias(f"r{i}"),
    ]


def _unique_prefix(names: list[str]) -> str:
    prefix = "__tk_"
    while any(n.startswith(prefix) for n in names):
        prefix += "_"
    return prefix


def load_lazy(
    path: str | Path,
    *,
    preset: str | None,
    mapping: Mapping[str, str | None] | None,
    timezone: str,
    session_gap: timedelta,
) -> Any:
    """``LoadResult`` with a LazyFrame of messages, or None when the file needs the eager loader.

    Parameters as :func:`toolkit.io.load.load` (``session_gap`` already parsed).
    """
    from toolkit.io.load import LoadResult, _conversation_method

    scanned = scan_source(path)
    if scanned is None:
        return None
    lf, kind = scanned
    try:
        schema = lf.collect_schema()
        preview = lf.head(_PREVIEW_ROWS).collect()
    except pl.exceptions.PolarsError:
        return None
    names = [n for n in schema.names() if n != "row_nr"]
    if not names or preview.height == 0 or any("\n" in n or "\r" in n or "\x00" in n for n in names):
        return None
    if len(names) > _MAX_LAZY_COLUMNS:
        return None  # one aggregate over thousands of columns takes polars minutes to plan
    if kind == "csv" and any('"' in n for n in names):
        return None  # a stray quote in the header swallows lines unseen: the eager reader counts them
    if any(isinstance(schema[n], (pl.List, pl.Array, pl.Struct, pl.Object, pl.Duration)) for n in schema.names()):
        return None  # nested or duration columns: the eager loader flattens and reports them
    source_rownr = "row_nr" in schema.names()
    if source_rownr and not schema["row_nr"].is_integer():
        return None
    if kind != "parquet" and p_suffix(path) not in _PLAIN_TEXT and _overrides(PRESETS.values(), "read_source"):
        return None  # a preset may read this file its own way
    chosen_preset = get_preset(preset, names)
    if _overrides([chosen_preset], "prepare", "expand"):
        return None  # the preset reshapes the whole table: the eager loader runs its hooks
    chosen = resolve_mapping(preview, chosen_preset, mapping)
    if _conversation_method(chosen, names) != "conversation_id":
        return None
    if kind != "parquet":
        # Text is parsed once, into columns (never into Python objects): the quality pass and
        # every table the KPIs build then read memory instead of parsing the file again.
        try:
            lf = lf.collect().lazy()
        except pl.exceptions.PolarsError:
            return None
    if source_rownr:
        lf = lf.with_columns(pl.col("row_nr").cast(pl.Int64))
    else:
        lf = lf.with_row_index("row_nr", offset=1).with_columns(pl.col("row_nr").cast(pl.Int64))
    prefix = _unique_prefix(schema.names())
    try:
        # The quality pass reads every column: in memory when the log fits (20 % faster than
        # streaming at 9M, and less memory), streaming when it does not. Parquet says its row
        # count; parsed text is in memory already.
        engine = collect_engine(lf.select(pl.len()).collect().item()) if kind == "parquet" else "in-memory"
        options = {"source_rownr": source_rownr, "csv": kind == "csv", "in_memory": kind != "parquet", "engine": engine}
        result = _run(lf, schema, names, chosen, chosen_preset, timezone, prefix, fast=True, **options)
        if result is None:
            return None
        if result == "slow":
            result = _run(lf, schema, names, chosen, chosen_preset, timezone, prefix, fast=False, **options)
    except pl.exceptions.PolarsError:
        return None  # e.g. a ragged CSV row far into the file: the eager loader reports it
    if result is None or result == "slow":
        return None
    plan, issues, notes, used_rows, input_rows = result
    messages = _final(plan, chosen_preset, chosen, names, prefix, issues)
    if kind != "parquet":
        # Parsed text is in memory already: the canonical columns too, computed once (the KPI
        # tables would otherwise each recompute them; measured 30 % more CPU at 1M rows).
        messages = messages.collect().lazy()
    quality = QualityReport(input_rows=input_rows, used_rows=used_rows, issues=issues, notes=notes)
    if quality.input_rows != quality.used_rows + quality.dropped_rows:  # pragma: no cover - bookkeeping bug
        raise AssertionError(f"row accounting broken: {quality.summary()}")
    if used_rows == 0:
        raise DataError(_("No usable rows: {summary}").format(summary=quality.summary()))
    used = {k: v for k, v in chosen.items() if k != AUTHOR}
    if AUTHOR in chosen:
        for name in chosen_preset.author_fills:
            used.setdefault(name, chosen[AUTHOR])
    return LoadResult(messages=messages, quality=quality, preset=chosen_preset.name, mapping=used)


def _run(
    lf: pl.LazyFrame,
    schema: pl.Schema,
    names: list[str],
    chosen: dict[str, str],
    preset: Preset,
    timezone: str,
    prefix: str,
    *,
    fast: bool,
    source_rownr: bool,
    csv: bool = False,
    in_memory: bool = False,
    engine: str = "auto",
) -> Any:
    plan = _Plan(lf, schema, chosen, preset, timezone, fast=fast, prefix=prefix)
    if in_memory:
        # Parsed text: the canonical columns are computed once here, for the quality pass and
        # for the messages handed on (most are the parsed columns themselves, not copies).
        plan.base = plan.base.collect().lazy()
    k = prefix
    created, direction = pl.col(k + "created_at"), pl.col(k + "direction")
    t_missing, d_missing = pl.col(k + "__t_missing"), pl.col(k + "__d_missing")

    # Empty rows: every source column empty. Only rows without a time can be empty, so the test
    # runs on those rows alone.
    def empty(name: str) -> pl.Expr:
        c = pl.col(name).filter(t_missing)
        if schema[name] == pl.String:
            return c.is_null() | (c.str.strip_chars() == "")
        return c.is_null()

    is_empty = pl.all_horizontal([empty(n) for n in names])
    empty_rows = pl.col("row_nr").filter(t_missing).filter(is_empty)
    n_empty = empty_rows.len()
    v1 = created.is_not_null()
    v2 = v1 & direction.is_not_null()
    mid = pl.col(k + "message_id")
    mid_fixed = pl.coalesce(mid, pl.format("row-{}", "row_nr")) if "message_id" in chosen else mid
    aggs: list[pl.Expr] = [pl.len().alias("input_rows"), n_empty.alias("n_empty"),
                           empty_rows.bottom_k(FIRST_ROWS).sort().implode().alias("r_empty")]
    for j, check in enumerate(plan.checks):
        aggs.append(check.fill_null(False).any().alias(f"check{j}"))
    if csv:  # a line break inside a field: maybe rows swallowed by an unclosed quote (or a NUL byte)
        text = [n for n in names if schema[n] == pl.String]
        aggs.append(pl.any_horizontal([pl.col(n).str.contains_any(["\n", "\x00"]).any() for n in text]).alias("multiline"))
    if source_rownr:  # unique row numbers: usually increasing, which is cheaper to see than n_unique
        aggs += [pl.col("row_nr").null_count().alias("rownr_nulls"),
                 (pl.col("row_nr").diff() > 0).all().alias("rownr_increasing")]
    kept = list(plan.kept)
    created_src, dsrc = chosen["created_at"], chosen["direction"]
    drops = [
        _Issue(N_("missing"), created_src, "dropped", t_missing, None),  # minus the empty rows, below
        _Issue(N_("unparseable"), created_src, "dropped", ~t_missing & created.is_null()),
        _Issue(N_("missing"), dsrc, "dropped", v1 & d_missing),
        _Issue(N_("not a direction (inbound/outbound)"), dsrc, "dropped", v1 & ~d_missing & direction.is_null()),
    ]
    fixed = _Issue(N_("missing (made from the row number: row-<n>)"), chosen.get("message_id"), "fixed", v2 & mid.is_null())
    conv = pl.col(k + "conversation_id")
    conv_missing = _Issue(N_("missing"), "conversation_id", "dropped", v2 & conv.is_null())
    for i, issue in enumerate([*kept, *drops, fixed, conv_missing]):
        aggs += _issue_aggs(i, issue)
    # Duplicate ids: distinct hashes of the ids given (the row-<n> ids made for missing ones are
    # checked exactly below, never formatted for every row here).
    aggs += [v1.sum().alias("n_v1"), v2.sum().alias("n_v2"),
             mid.filter(v2 & mid.is_not_null()).hash().n_unique().alias("mid_hash_unique")]
    if plan.notes_expr is not None:
        aggs.append(plan.notes_expr.alias("naive"))
    if plan.serial_expr is not None:
        aggs.append(plan.serial_expr.alias("serial"))
    aggs += far_out_stats(created.filter(v2))
    row = plan.base.select(aggs).collect(engine=engine).row(0, named=True)
    if row.get("multiline"):
        return None  # the eager reader checks multi-line fields for swallowed rows
    if any(row[f"check{j}"] for j in range(len(plan.checks))):
        return "slow"
    if source_rownr and (row["rownr_nulls"] or (
        not row["rownr_increasing"] and plan.base.select(pl.col("row_nr").n_unique()).collect(engine=engine).item() != row["input_rows"]
    )):
        return None
    input_rows = row["input_rows"]
    if input_rows == 0:
        return None  # the eager loader words the "only a header" error

    def made(i: int, issue: _Issue, n: int | None = None, first: list[int] | None = None) -> QualityIssue | None:
        n = row[f"n{i}"] if n is None else n
        if not n:
            return None
        first = row[f"r{i}"] if first is None else first
        return QualityIssue(issue.reason, issue.column, int(n), tuple(int(r) for r in first), issue.action)  # type: ignore[arg-type]

    issues: list[QualityIssue] = []
    if row["n_empty"]:
        issues.append(QualityIssue(N_("empty row"), None, row["n_empty"], tuple(row["r_empty"]), "dropped"))
    if row["n_empty"] == input_rows:
        raise DataError(_("No data rows: all {input_rows} rows are empty.").format(input_rows=_count(input_rows)))
    for i, issue in enumerate(kept):
        if q := made(i, issue):
            issues.append(q)
    base_i = len(kept)
    # Time: "missing" counted over all rows without a time; the empty ones are reported above.
    n_missing_t = row[f"n{base_i}"] - row["n_empty"]
    first_missing_t: list[int] = []
    if n_missing_t:
        first_missing_t = (
            plan.base.filter(t_missing).select("row_nr", e=pl.all_horizontal([pl.col(n).is_null() | (pl.col(n).cast(pl.String).str.strip_chars() == "") for n in names]))
            .filter(~pl.col("e")).select(pl.col("row_nr").bottom_k(FIRST_ROWS).sort()).collect(engine=engine).to_series().to_list()
        )
    n_bad_t = row[f"n{base_i + 1}"]
    non_empty = input_rows - row["n_empty"]
    if n_bad_t * 2 > non_empty:
        _raise_times(plan.base, ~t_missing & created.is_null(), created_src, n_bad_t, non_empty)
    if q := made(base_i, drops[0], n_missing_t, first_missing_t):
        issues.append(q)
    if q := made(base_i + 1, drops[1]):
        issues.append(q)
    n_unknown = row[f"n{base_i + 3}"]
    if n_unknown * 2 > row["n_v1"]:
        _raise_direction(plan.base, v1 & ~d_missing & direction.is_null(), dsrc, n_unknown, row["n_v1"])
    for j in (2, 3):
        if q := made(base_i + j, drops[j]):
            issues.append(q)
    frame = plan.base.filter(v2)
    far_out_at = len(issues)  # where the far-out issue goes, once the rows kept are known (below)
    n_fixed = 0
    if q := made(base_i + 4, fixed):
        issues.append(q)
        frame = frame.with_columns(mid_fixed.alias(k + "message_id"))
        n_fixed = q.rows
    n_v2 = row["n_v2"]
    dup_reason = N_("duplicate (the first row with this id is kept, later ones dropped)")
    mid_col = chosen.get("message_id", "message_id")
    dup_found = False
    if n_fixed or row["mid_hash_unique"] != n_v2:  # maybe duplicates (or a hash collision)
        first_distinct = pl.col(k + "message_id").is_first_distinct()
        dup = frame.select(
            n=(~first_distinct).sum(),
            r=pl.col("row_nr").filter(~first_distinct).bottom_k(FIRST_ROWS).sort().implode(),
        ).collect(engine=engine).row(0, named=True)
        if dup["n"]:
            issues.append(QualityIssue(dup_reason, mid_col, dup["n"], tuple(dup["r"]), "dropped"))
            frame = frame.filter(first_distinct)
            n_v2 -= dup["n"]
            dup_found = True
    if dup_found:  # conversation ids missing among the rows kept after removing duplicates
        m = frame.select(
            n=conv.is_null().sum(), r=pl.col("row_nr").filter(conv.is_null()).bottom_k(FIRST_ROWS).sort().implode()
        ).collect(engine=engine).row(0, named=True)
        n_conv, first_conv = m["n"], m["r"]
    else:
        n_conv, first_conv = row[f"n{base_i + 5}"], row[f"r{base_i + 5}"]
    if n_conv:
        issues.append(QualityIssue(N_("missing"), "conversation_id", n_conv, tuple(first_conv), "dropped"))
        frame = frame.filter(conv.is_not_null())
        n_v2 -= n_conv
    # Far-out times, judged over the rows kept (as the eager loader and the default date range
    # of toolkit.analysis.thin.dense_range do): the first pass's figures unless rows were dropped
    # since, which takes one more pass over the times.
    stats = row if n_v2 == row["n_v2"] else frame.select(far_out_stats(created)).collect(engine=engine).row(0, named=True)
    mask = far_out(stats, created)
    if mask is not None:
        hit = frame.select(
            n=mask.sum(), r=pl.col("row_nr").filter(mask).bottom_k(FIRST_ROWS).sort().implode()
        ).collect(engine=engine).row(0, named=True)
        if hit["n"]:
            issues.insert(far_out_at, QualityIssue(FAR_OUT_REASON, created_src, hit["n"], tuple(hit["r"]), "kept"))
    notes = []
    if row.get("naive"):
        notes.append(Message(N_("{n} times without a UTC offset were read as {timezone} local time"), n=row["naive"], timezone=timezone))
    if row.get("serial"):
        from toolkit.io.load import serial_note

        notes.append(serial_note(row["serial"], timezone))
    return frame, issues, notes, n_v2, input_rows


def _raise_times(base: pl.LazyFrame, bad: pl.Expr, src: str, n_bad: int, total: int) -> None:
    hits = base.filter(bad).select("row_nr", pl.col(src).cast(pl.String)).head(1000).collect()
    rows = ", ".join(str(r) for r in hits.get_column("row_nr").head(10).to_list())
    examples = ", ".join(repr(v)[:60] for v in hits.get_column(src).unique(maintain_order=True).head(5).to_list())
    raise DataError(
        _("Column {src!r}: {n_bad} of {total} rows are not readable as times (rows {rows}); examples: {examples}. Accepted: ISO 8601 (2024-03-31 14:05:00, optional +02:00/Z), epoch seconds or ms, dd/mm/yyyy HH:MM[:SS], 'Tue Oct 31 22:10:47 +0000 2017'. Is this the right column? Pass mapping={{'created_at': '<column>'}} to choose another.").format(src=src, n_bad=_count(n_bad), total=_count(total), rows=rows, examples=examples)
    )


def _raise_direction(base: pl.LazyFrame, bad: pl.Expr, src: str, n_unknown: int, total: int) -> None:
    hits = base.filter(bad).select("row_nr", pl.col(src).cast(pl.String).str.strip_chars()).head(1000).collect()
    rows = ", ".join(str(r) for r in hits.get_column("row_nr").head(10).to_list())
    examples = ", ".join(repr(v)[:60] for v in hits.get_column(src).unique(maintain_order=True).head(5).to_list())
    raise DataError(
        _("Column {src!r}: {n_unknown} of {total} rows are not a direction (rows {rows}); examples: {examples}. Accepted: inbound/outbound, in/out, incoming/outgoing, received/sent, or true/false in an 'inbound' column.").format(src=src, n_unknown=_count(n_unknown), total=_count(total), rows=rows, examples=examples)
    )


def _final(
    frame: pl.LazyFrame,
    preset: Preset,
    chosen: dict[str, str],
    names: list[str],
    k: str,
    issues: list[QualityIssue],
) -> pl.LazyFrame:
    """Hooks of the preset, then the canonical column order and types plus unmapped columns."""
    schema_names = frame.collect_schema().names()
    canon = [n for n in schema_names if n.startswith(k) and n not in (k + "__t_missing", k + "__d_missing")]
    used = set(chosen.values()) | {"row_nr"}
    extras = [c for c in names if c not in used]
    rename_extra = {c: f"{c}_source" for c in extras if c in ALWAYS_PRESENT or c in OPTIONAL or c == "__author"}
    frame = frame.select(
        "row_nr",
        *[pl.col(n).alias(n[len(k):]) for n in canon],
        *[pl.col(c).alias(rename_extra.get(c, c)) for c in extras],
    )
    author = "__author" if AUTHOR in chosen else None
    if author is not None:
        frame = preset.fill_author(frame, author)  # type: ignore[assignment]
    frame = preset.finish(frame, author)  # type: ignore[assignment]
    present = frame.collect_schema().names()
    always = [pl.col(name).cast(dtype) for name, dtype in ALWAYS_PRESENT.items()]
    optional = [pl.col(name).cast(dtype) for name, dtype in OPTIONAL.items() if name in present]
    return frame.select(*always, *optional, *[rename_extra.get(c, c) for c in extras])
