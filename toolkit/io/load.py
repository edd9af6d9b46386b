"""Load a message log from any common export into the canonical messages frame.

``load(source)`` reads CSV/TSV (any of ``, ; tab |``; UTF-8 with or without BOM, UTF-16 with
BOM, cp1252), Excel ``.xlsx``, Parquet, JSON lines, or a polars/pandas frame (files may be
gzip/bzip2/xz-compressed or a zip of one file); maps its columns
with a preset (detected from the header unless given) and a user mapping; parses timestamps;
assigns conversations; and accounts for every input row in a :class:`QualityReport`.
"""

from __future__ import annotations

import codecs
import io
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import polars as pl

from toolkit._durations import parse_duration
from toolkit.errors import DataError
from toolkit.io.presets import (
    AUTHOR,
    EXCLUDE,
    PRESETS,
    Preset,
    direction_expr,
    get_preset,
    is_outbound_flag,
    resolve_mapping,
)
from toolkit.io.quality import QualityIssue, QualityReport, issue_from_mask
from toolkit.io.schema import ALWAYS_PRESENT, OPTIONAL
from toolkit.io.threads import assign_conversations
from toolkit.io.timestamps import (
    FAR_OUT_REASON,
    NOT_NAIVE,
    check_timestamps,
    far_out,
    far_out_stats,
    is_excel_serial,
    number_text,
    parse_timestamps,
)
from toolkit.present.format import count as _count
from toolkit.present.i18n import N_, Message, _

__all__ = ["LoadResult", "load", "read_messages", "read_table"]

Source = str | Path | bytes | bytearray | memoryview | IO[bytes] | IO[str] | pl.DataFrame | pl.LazyFrame | Any

_DELIMITERS = (",", ";", "\t", "|")
_ID_COLUMNS = ("message_id", "conversation_id", "in_reply_to", "customer_id")
_THOUSANDS = r"^\d{1,3}(?:,\d{3})+$"


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load` returns.

    Attributes
    ----------
    messages
        The canonical messages frame (``docs/architecture.md``): the always-present columns in
        order, then the optional canonical columns the source has, then unmapped source columns
        under their original names. A LazyFrame when loaded with ``lazy=True``.
    quality
        Where every input row went (used, or dropped with a reason).
    preset
        The preset used (given or detected).
    mapping
        Canonical column -> source column actually used.
    """

    messages: pl.DataFrame | pl.LazyFrame
    quality: QualityReport
    preset: str
    mapping: dict[str, str] = field(default_factory=dict)


def read_messages(source: Source, **kwargs: Any) -> pl.DataFrame | pl.LazyFrame:
    """The canonical messages frame of ``source``: ``load(source, **kwargs).messages``.

    A LazyFrame with ``lazy=True`` (see :func:`load`), else a DataFrame.
    """
    return load(source, **kwargs).messages


# --------------------------------------------------------------------------------------------
# Reading: bytes -> a frame of source rows
# --------------------------------------------------------------------------------------------


def read_table(source: Source, *, filename: str | None = None) -> pl.DataFrame:
    """Read ``source`` as it is (no mapping), with every CSV field as text.

    Parameters
    ----------
    source
        Path, bytes, binary/text file object, polars DataFrame/LazyFrame or pandas DataFrame.
    filename
        Name of the uploaded file, used as a hint for the format when reading bytes.

    Raises
    ------
    DataError
        Empty, unreadable or unrecognised input.
    """
    return _read_table(source, filename, [])


def _read_table(source: Source, filename: str | None, notes: list[str]) -> pl.DataFrame:
    """:func:`read_table`; remarks for the quality report (encoding, sheet) go to ``notes``."""
    if isinstance(source, pl.LazyFrame):
        return _without_nul_names(source.collect())
    if isinstance(source, pl.DataFrame):
        return _without_nul_names(source)
    if type(source).__module__.split(".")[0] == "pandas" and hasattr(source, "columns"):
        try:
            return _without_nul_names(pl.from_pandas(source))
        except Exception as exc:  # pandas objects polars cannot convert
            raise DataError(_("Could not convert the pandas DataFrame: {exc}").format(exc=exc)) from exc
    data, name = _bytes_of(source)
    if filename:
        name = filename
    return _read_bytes(data, name, notes)


def _without_nul_names(frame: pl.DataFrame) -> pl.DataFrame:
    """NUL characters removed from column names (the CSV reader's row marker has one, so a typed
    source's column is never taken for it)."""
    bad = [c for c in frame.columns if "\x00" in c]
    if not bad:
        return frame
    taken = set(frame.columns)
    rename = {}
    for c in bad:
        new = c.replace("\x00", "") or "column"
        while new in taken:
            new += "_"
        taken.add(new)
        rename[c] = new
    return frame.rename(rename)


def _bytes_of(source: Source) -> tuple[bytes, str | None]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataError(_("No such file: {path!r}.").format(path=str(path)))
        return path.read_bytes(), path.name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        name = getattr(source, "name", None)
        return bytes(data), Path(name).name if isinstance(name, str) else None
    raise DataError(
        _("Cannot read a {kind}: pass a file path, bytes, a file object, or a polars/pandas DataFrame.").format(kind=type(source).__name__)
    )


def _decompress(data: bytes, name: str | None, label: str, notes: list[str]) -> tuple[bytes, str | None]:
    """The content of a gzip, bzip2 or xz file, or of a zip archive holding one file that is not
    an Excel workbook (said in ``notes``); other data as it is."""
    import bz2
    import gzip
    import lzma
    import zipfile

    kind = None
    try:
        if data[:2] == b"\x1f\x8b":
            kind, data = "gzip", gzip.decompress(data)
        elif data[:3] == b"BZh" and data[4:10] == b"1AY&SY":
            kind, data = "bzip2", bz2.decompress(data)
        elif data[:6] == b"\xfd7zXZ\x00":
            kind, data = "xz", lzma.decompress(data)
        elif data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if any(m.filename in ("[Content_Types].xml", "mimetype") for m in members):
                    return data, name  # an Excel or OpenDocument workbook
                if len(members) != 1:
                    raise DataError(_("{label} is a zip archive of {n} files: unzip it and load the message log itself.").format(label=label, n=len(members)))
                kind, data, name = "zip", archive.read(members[0]), Path(members[0].filename).name
    except DataError:
        raise
    except Exception as exc:
        raise DataError(_("Could not decompress {label}: {detail}").format(label=label, detail=_first_line(exc))) from exc
    if kind is None:
        return data, name
    notes.append(Message(N_("the file was {kind}-compressed: its content was read"), kind=kind))
    if name and kind != "zip" and Path(name).suffix.lower() in (".gz", ".bz2", ".xz"):
        name = Path(name).stem
    return data, name


def _read_bytes(data: bytes, name: str | None, notes: list[str] | None = None) -> pl.DataFrame:
    notes = [] if notes is None else notes
    data, name = _decompress(data, name, repr(name) if name else _("the input"), notes)
    ext = Path(name).suffix.lower() if name else ""
    label = repr(name) if name else _("the input")
    if not data.strip(b" \t\r\n\x00"):
        raise DataError(_("{label} is empty ({n_data} bytes): no data rows.").format(label=label, n_data=len(data)))
    try:
        if data[:4] == b"PAR1":
            return _without_nul_names(pl.read_parquet(io.BytesIO(data)))
        if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0" or ext in (".xlsx", ".xls", ".xlsm", ".ods"):
            return _without_nul_names(_read_excel(data, label, notes))
    except DataError:
        raise
    except Exception as exc:
        raise DataError(_("Could not read {label}: {detail}").format(label=label, detail=_first_line(exc))) from exc
    for known in PRESETS.values():
        own = known.read_source(data, name)
        if own is not None:
            return _without_nul_names(own)
    text, encoding = _decode(data, label, notes)
    lone_cr = text.count("\r") - text.count("\r\n")
    if lone_cr > text.count("\n"):
        # classic Mac line endings (CR only), maybe below a header ending in LF or CRLF: lone CRs
        # are the line breaks (a reader would take the CR-ended lines for one record)
        text = re.sub(r"\r(?!\n)", "\n", text)
        data, encoding = text.encode("utf-8"), "cr"
        notes.append(Message(N_("line endings were CR only (old Mac style); read as line breaks")))
    head = text.lstrip()[:1]
    if ext in (".json", ".jsonl", ".ndjson") or head in ("{", "["):
        try:
            if head == "[":
                return _without_nul_names(pl.read_json(io.BytesIO(text.encode("utf-8"))))
            try:
                frame = pl.read_ndjson(io.BytesIO(text.encode("utf-8")))
            except Exception:
                if head != "{":
                    raise
                frame = pl.read_json(io.BytesIO(text.encode("utf-8")))  # one JSON document over several lines
            return _without_nul_names(_unwrap_json(frame, notes))
        except Exception as exc:
            detail = _first_line(exc) if head == "[" else _bad_json_line(text) or _first_line(exc)
            raise DataError(_("Could not read {label} as JSON: {detail}").format(label=label, detail=detail)) from exc
    raw = data if encoding in ("utf-8", "cr") else text.encode("utf-8")
    if encoding == "utf-8-sig":
        raw = data[3:]
    if b"\x00" in raw:  # the NULs the note says were removed
        raw = text.encode("utf-8")
    frame = _read_csv(raw, text, label)
    if lone_cr and encoding != "cr" and _RAGGED in frame.columns and frame.filter(pl.col(_RAGGED)).select(
        pl.any_horizontal(pl.col(pl.String).str.contains("\r", literal=True).any())
    ).item():
        # Rows run together at lone CRs (lines pasted from an old Mac file): CRs are line breaks.
        text = re.sub(r"\r(?!\n)", "\n", text)
        notes.append(Message(N_("some lines ended with a CR only (old Mac style); read as line breaks")))
        frame = _read_csv(text.encode("utf-8"), text, label)
    return frame


def _unwrap_json(frame: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    """The records of a JSON document that wraps them in one object (``{"messages": [...]}``):
    one row whose only list of objects is the table (said in ``notes``); other frames as they are."""
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List) and isinstance(t.inner, pl.Struct)]
    if frame.height != 1 or len(lists) != 1:
        return frame
    try:  # a log of one message with a list of objects in it (attachments, say) stays as it is
        resolve_mapping(frame, get_preset(None, frame.columns), None)
        return frame
    except DataError:
        pass
    notes.append(Message(N_("the records were read from the list under {key} of the JSON document"), key=_short(lists[0])))
    return frame.select(pl.col(lists[0]).explode()).unnest(lists[0])


def _bad_json_line(text: str) -> str | None:
    """"line N is not a JSON object: ..." for the first such line of JSON lines (error path only)."""
    import json

    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            return _("line {line} is not valid JSON ({detail}, character {column}): {value}").format(
                line=_count(number), detail=exc.msg, column=exc.colno, value=_short(line))
        if not isinstance(value, dict):
            return _("line {line} is not a JSON object: {value}").format(line=_count(number), value=_short(line))
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_excel(data: bytes, label: str, notes: list[str]) -> pl.DataFrame:
    """The first sheet that has a header of at least three columns (a log needs a time, a
    direction and a conversation) and data rows; a cover or empty sheet is skipped. Else the
    first sheet with data rows, else the first sheet."""
    try:
        import fastexcel

        sheets = fastexcel.read_excel(data).sheet_names
    except Exception as exc:
        raise DataError(_("Could not read {label} as an Excel workbook: {detail}").format(label=label, detail=_first_line(exc))) from exc
    if not sheets:
        raise DataError(_("The Excel file {label} has no sheets.").format(label=label))
    first: pl.DataFrame | None = None
    some: tuple[int, str, pl.DataFrame] | None = None
    for i, sheet in enumerate(sheets[:50], start=1):
        try:
            frame = pl.read_excel(
                io.BytesIO(data),
                sheet_id=i,
                drop_empty_rows=False,
                drop_empty_cols=False,
                raise_if_empty=False,
                infer_schema_length=10_000,
            )
        except Exception as exc:
            raise DataError(_("Could not read sheet {number} ({sheet}) of {label}: {detail}").format(number=i, sheet=_short(sheet), label=label, detail=_first_line(exc))) from exc
        assert isinstance(frame, pl.DataFrame)
        if first is None:
            first = frame
        if frame.width and frame.height:
            if frame.width < 3:
                some = some or (i, sheet, frame)
                continue
            if some is not None:
                notes.append(Message(N_("read sheet {number} ({sheet}): the sheets before it are not a table of messages (fewer than three columns, or no data rows)"), number=str(i), sheet=_short(sheet)))
            elif i > 1:
                notes.append(Message(N_("read sheet {number} ({sheet}): the sheets before it have no data rows"), number=str(i), sheet=_short(sheet)))
            return frame
    if some is not None:
        if some[0] > 1:
            notes.append(Message(N_("read sheet {number} ({sheet}): the sheets before it have no data rows"), number=str(some[0]), sheet=_short(some[1])))
        return some[2]
    assert first is not None
    return first


def _short(value: object, limit: int = 60) -> str:
    """``repr`` of a user value, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _names(columns: list[str], limit: int = 12) -> str:
    """Column names for a message: at most ``limit`` of them and about 160 characters, then
    "and N more"."""
    from toolkit.io.presets._base import _columns_found

    return _columns_found(columns, limit)


_FALLBACK = threading.local()


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252 (and remembered)."""
    _FALLBACK.starts.append(exc.start)
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


codecs.register_error("toolkit-cp1252", _cp1252_fallback)
# A UTF-8 multi-byte character (lead byte + continuation bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _decode(data: bytes, label: str, notes: list[str] | None = None) -> tuple[str, str]:
    """Text and the encoding it was in: BOMs first, then UTF-8, then cp1252.

    A file mixing UTF-8 lines with cp1252 ones (two exports pasted together) is decoded per
    character sequence: UTF-8 where it is valid, cp1252 elsewhere, with a note naming the lines.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        candidates = ["utf-16-le"]  # UTF-16 without BOM: ASCII bytes followed by NULs
    elif len(data) > 3 and data[0:1] == b"\x00" and data[2:3] == b"\x00":
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "mixed", "cp1252"]
    for enc in candidates:
        try:
            if enc == "mixed":
                if not _UTF8_MULTIBYTE.search(data):
                    continue  # no UTF-8 at all: plain cp1252
                _FALLBACK.starts = []
                text = data.decode("utf-8", errors="toolkit-cp1252")
                starts = _FALLBACK.starts
                lines = sorted({data.count(b"\n", 0, i) + 1 for i in starts[:200]})
                if notes is not None:
                    shown = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
                    notes.append(Message(
                        N_("the file mixes encodings: {n} characters that are not UTF-8 were read as cp1252 (lines {lines}); the rest is UTF-8"),
                        n=len(starts), lines=shown,
                    ))
            else:
                text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        # Binary files decode as cp1252 too: reject text full of control characters.
        # NULs padding a field or two (a fixed-width export) are not binary: NULs spread over lines are.
        sample = text[:65536]
        controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\x00")
        nul_lines = sum(1 for line in sample.split("\n") if "\x00" in line) if "\x00" in sample else 0
        if controls > max(2, len(sample) // 100) or (
            sample.count("\x00") > max(2, len(sample) // 1000) and nul_lines > max(2, sample.count("\n") // 100)
        ):
            break
        if "\x00" in text:  # a few stray NUL characters in a text file: removed, and said so
            if notes is not None:
                notes.append(Message(N_("{n} NUL characters (\\x00) were removed from the text"), n=text.count(chr(0))))
            text = text.replace("\x00", "")
        return text.lstrip("\ufeff"), enc
    raise DataError(
        _("{label} does not look like a table: it is not text in a known encoding (UTF-8, UTF-16, cp1252) nor an Excel, Parquet or JSON file. Export it as CSV or .xlsx.").format(label=label)
    )


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    header = re.sub(r'"[^"]*"', "", header)
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties: first in _DELIMITERS
    return best if counts[best] else ","


def _read_csv(raw: bytes, text: str, label: str) -> pl.DataFrame:
    sep = _sniff_delimiter(text)
    options: dict[str, Any] = {"separator": sep, "infer_schema": False, "has_header": True}
    try:
        return _check_read(pl.read_csv(io.BytesIO(raw), **options), sep, label, raw, text)
    except DataError:
        raise
    except pl.exceptions.NoDataError as exc:
        raise DataError(_("{label} has no header and no data rows.").format(label=label)) from exc
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise DataError(
                _("Could not read {label} as CSV (delimiter {sep!r}): {value}.{odd_quote_line} Check for an unclosed quote.").format(label=label, sep=sep, value=_short(_first_line(exc), 120), odd_quote_line=_odd_quote_line(text))
            ) from exc
    # Rows with more fields than the header (an unquoted delimiter in a text, say): read them
    # under a widened header so the extra fields are kept in an `extra_fields` column and the
    # rows can be named in the quality report.
    # The widened header grows until no row fills its last extra field (none is cut off).
    header, body = _split_header(raw)
    n_extra = _MAX_EXTRA_FIELDS
    while True:
        try:
            names = pl.read_csv(io.BytesIO(header), n_rows=0, **options).columns
            extras = [f"__extra_{i}" for i in range(1, n_extra + 1)]
            widened = sep.join('"' + n.replace('"', '""') + '"' for n in [*names, *extras]) + "\n"
            frame = pl.read_csv(io.BytesIO(widened.encode() + body), truncate_ragged_lines=True, **options)
        except Exception as exc:
            raise DataError(_("Could not read {label} as CSV (delimiter {sep!r}): {detail}").format(label=label, sep=sep, detail=_first_line(exc))) from exc
        if frame.get_column(extras[-1]).is_null().all():
            break
        if n_extra >= 32_768:
            raise DataError(
                _("Could not read {label} as CSV (delimiter {sep!r}): a row has over {n} fields more than the header. Is the delimiter right?").format(label=label, sep=sep, n=_count(n_extra))
            )
        n_extra *= 8
    extra = pl.concat_str(extras, separator=sep, ignore_nulls=True)
    frame = frame.with_columns(
        pl.any_horizontal(pl.col(extras).is_not_null()).alias(_RAGGED),
        extra_fields=pl.when(pl.any_horizontal(pl.col(extras).is_not_null())).then(extra),
    ).drop(extras)
    return _check_read(frame, sep, label, raw, text)


def line_count(data: bytes) -> int:
    """Lines of a text file: its line feeds, plus one when the last line has none."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _check_read(frame: pl.DataFrame, sep: str, label: str, raw: bytes, text: str) -> pl.DataFrame:
    """Refuse a CSV read that lost rows (:func:`_check_swallowed`, :func:`_check_lines`)."""
    broken = [c for c in frame.columns if "\n" in c or "\r" in c]
    if broken:
        quoted = [c for c in frame.columns if '"' in c]  # the column with the stray quote, if it shows
        raise DataError(
            _('Could not read {label}: the header has an unclosed quote, so it runs over several lines ({value}). Remove or close the stray \'"\' in the header.').format(label=label, value=_short((quoted or broken)[0]))
        )
    text_cols = [c for c, t in frame.schema.items() if t == pl.String]
    # Line breaks per text column, in one pass (a 50,000-column file included).
    breaks = frame.select(pl.col(text_cols).str.count_matches("\n", literal=True).sum()).row(0) if text_cols else ()
    multiline = [c for c, n in zip(text_cols, breaks, strict=True) if n]
    if multiline:
        _check_swallowed(frame, sep, label, multiline)
    return _check_lines(frame, raw, text, label, sum(breaks))


def _check_lines(frame: pl.DataFrame, raw: bytes, text: str, label: str, inside: int) -> pl.DataFrame:
    """Cross-check the records read against an independent count of the file's lines.

    Every line is the header, a record (a blank line is a record of nulls) or a line break inside
    a quoted field, so ``lines == 1 + records + line breaks in fields``. Fewer records means the
    reader dropped lines: a stray quote in the header (the reader swallows the lines up to the
    next quote) or another unclosed quote.
    """
    missing = line_count(raw) - 1 - frame.height - inside
    if missing <= 0:
        return frame
    header = text.split("\n", 1)[0]
    if header.count('"') % 2:
        column = next((c for c in frame.columns if '"' in c), header)
        raise DataError(
            _('Could not read {label} safely: a stray \'"\' in the header (column {column}) swallowed the {n} lines after it, so those rows would be lost (data rows 1 to {n}). Remove the stray quote and load the file again.').format(label=label, column=_short(column), n=_count(missing))
        )
    raise DataError(
        _('Could not read {label} safely: {n} lines were not read as rows, so they would be lost.{odd_quote_line} Close or remove the stray \'"\' and load the file again.').format(label=label, n=_count(missing), odd_quote_line=_odd_quote_line(text))
    )


def _odd_quote_line(text: str) -> str:
    """" Line N (data row M) opens a quote that is not closed on its line." (or "" when none is found).

    Error path only. Lines are grouped into records the way a CSV reader does (a quote left open
    at the end of a line continues the record on the next line). A record over several lines is
    a quoted field with line breaks when it has as many fields as the header; the first one that
    has not (or is still open at the end) is where the stray quote is.
    """
    def opened_at(line: int, row: int) -> str:
        if line == 1:
            return " " + _("The header opens a quote that is not closed on its line.")
        return " " + _("Line {line} (data row {row}) opens a quote that is not closed on its line.").format(
            line=_count(line), row=_count(row))

    sep = _sniff_delimiter(text)
    width: int | None = None
    first_odd: tuple[int, int] | None = None
    open_quote, start, fields, row = False, 0, 1, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not open_quote:
            start, fields = number, 1
        if '"' in line or open_quote:
            for ch in line:
                if ch == '"':
                    open_quote = not open_quote
                elif ch == sep and not open_quote:
                    fields += 1
        else:
            fields += line.count(sep)
        if open_quote:
            if first_odd is None:
                first_odd = (start, row)
            continue
        if width is None:
            width = fields
            if number > 1:  # the header record ran over several lines
                return opened_at(1, 0)
        elif number > start and fields != width:
            return opened_at(start, row)
        row += 1
    if open_quote:
        return opened_at(start, row)
    if first_odd is not None and first_odd[0] > 1:
        return opened_at(*first_odd)
    return ""


#: Marks rows read with more fields than the header (a name no header can have: text with NUL
#: bytes is refused by :func:`_decode`).
_RAGGED = "\x00ragged"


def _check_swallowed(frame: pl.DataFrame, sep: str, label: str, text_cols: list[str]) -> None:
    """Refuse a CSV where an unclosed quote swallowed rows into one field.

    A quoted field may hold line breaks (a multi-line message), so records and lines need not
    match. But a field whose continuation lines each look like a whole row (at least as many
    delimiters as the header has) is rows swallowed by a quote that was never closed: the
    records read would silently be fewer than the data lines. Cross-checked per field of the
    ``text_cols`` (those holding line breaks), and the rows are named.
    """
    width = len([c for c in frame.columns if c != _RAGGED])
    if width < 2:
        return
    need = width - 1
    newline = {c: pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in text_cols}
    spans = frame.select(
        row=pl.int_range(1, pl.len() + 1),
        extra_lines=pl.sum_horizontal(list(newline.values())),
        **{
            f"s{i}": pl.col(c).str.split("\n").list.slice(1).list.eval(
                pl.element().str.count_matches(sep, literal=True) >= need
            ).list.sum().fill_null(0)
            for i, c in enumerate(text_cols)
        },
    )
    swallowed = pl.sum_horizontal([f"s{i}" for i in range(len(text_cols))])
    hits = spans.with_columns(
        swallowed=swallowed,
        line=pl.col("row") + 1 + pl.col("extra_lines").cum_sum() - pl.col("extra_lines"),
    ).filter(pl.col("swallowed") > 0)
    if hits.height == 0:
        return
    # Prose can have as many commas as a row: a line only counts as a swallowed row when its
    # fields also look like the columns' usual values (same shape: digits, letters, punctuation).
    hits = hits.filter(pl.col("row").is_in(_rows_that_swallowed(frame, hits.get_column("row"), text_cols, sep, need)))
    if hits.height == 0:
        return
    first = hits.row(0, named=True)
    total = int(hits.get_column("swallowed").sum())
    rows = ", ".join(str(r) for r in hits.get_column("row").head(5).to_list())
    raise DataError(
        _('Could not read {label} safely: an unclosed quote (a stray \'"\') in data row {row} (line {line}) swallowed the {total} lines after it into one field, so those rows would be lost (rows with the problem: {rows}). Close or remove the quote and load the file again.').format(label=label, row=first['row'], line=first['line'], total=_count(total), rows=rows)
    )


def _shape(values: pl.Expr, *, coarse: bool = False) -> pl.Expr:
    """A value's shape: runs of digits -> 9, runs of letters -> a (``m17`` -> ``a9``); coarse:
    runs of letters and digits -> w (a UUID ``3f2a-9c41`` -> ``w-w``)."""
    t = values.str.strip_chars()
    if coarse:
        return t.str.replace_all(r"[^\W_]+", "w")
    return t.str.replace_all(r"\d+", "9").str.replace_all(r"[^\W\d_]+", "a")


def _usual_shapes(sample: pl.DataFrame, column: str, *, coarse: bool) -> set[str] | None:
    """The few shapes that cover 90 % of a column's values (None: too varied to tell)."""
    counts = sample.select(_shape(pl.col(column), coarse=coarse).drop_nulls().value_counts(sort=True)).unnest(column)
    if counts.height == 0:
        return None
    covered = counts.get_column("count").cum_sum() / counts.get_column("count").sum()
    top = int((covered < 0.9).sum()) + 1
    return set(counts.get_column(column).head(top).to_list()) if top <= 20 else None


def _rows_that_swallowed(frame: pl.DataFrame, rows: pl.Series, text_cols: list[str], sep: str, need: int) -> list[int]:
    """Of the candidate ``rows`` (1-based), those holding a line that looks like a whole row."""
    columns = [c for c in frame.columns if c != _RAGGED]
    sample = frame.head(10_000)
    usual: list[tuple[set[str] | None, set[str] | None] | None] = []
    for c in columns:
        if frame.schema[c] != pl.String:
            usual.append(None)
            continue
        fine, coarse = _usual_shapes(sample, c, coarse=False), _usual_shapes(sample, c, coarse=True)
        usual.append((fine, coarse) if fine or coarse else None)

    def fitting(fields: list[str]) -> list[bool]:
        """Per field of one line (error path: a few candidate lines): its :func:`_shape`, fine or
        coarse, is one of its column's usual shapes."""
        values = pl.Series(fields[: len(columns)], dtype=pl.String)
        shapes = pl.select(fine=_shape(pl.lit(values)), coarse=_shape(pl.lit(values), coarse=True))
        return [
            want is not None and bool((want[0] and fine in want[0]) or (want[1] and coarse in want[1]))
            for (fine, coarse), want in zip(shapes.iter_rows(), usual, strict=False)
        ]

    found: list[int] = []
    candidates = frame.with_row_index("__row", offset=1).filter(pl.col("__row").is_in(rows.implode()))
    for record in candidates.head(1000).iter_rows(named=True):  # error path: a few candidates
        for c in text_cols:
            value = record.get(c)
            if not isinstance(value, str):
                continue
            for line in value.split("\n")[1:]:
                fields = line.split(sep)
                if len(fields) - 1 < need:
                    continue
                fits = fitting(fields)
                if fits[0] and sum(fits) * 2 >= len(columns):
                    found.append(int(record["__row"]))
                    break
            if found and found[-1] == record["__row"]:
                break
    return found


_MAX_EXTRA_FIELDS = 64


def _split_header(raw: bytes) -> tuple[bytes, bytes]:
    """The header record and the rest (a newline inside quotes does not end the header)."""
    in_quotes = False
    for i, byte in enumerate(raw):  # the header only: a few hundred bytes at most
        if byte == 0x22:
            in_quotes = not in_quotes
        elif byte == 0x0A and not in_quotes:
            return raw[: i + 1], raw[i + 1 :]
    return raw, b""


# --------------------------------------------------------------------------------------------
# Mapping source columns to canonical ones
# --------------------------------------------------------------------------------------------


def _text(column: str) -> pl.Expr:
    """Source values as trimmed text, empty -> null."""
    t = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def _clean_id(column: str, raw: pl.DataFrame, *, any_thousands: bool) -> pl.Expr:
    """Ids as text: ``3.0`` -> ``3`` (float round trip), ``1,234`` -> ``1234`` (Excel).

    Each repair costs a regex pass over the column, so it is only planned when ``raw`` needs it.
    """
    t = _text(column)
    if raw.select(t.str.contains(r"^\d+\.0+$").any()).item():
        t = t.str.replace(r"^(\d+)\.0+$", "${1}")
    if any_thousands:
        t = pl.when(t.str.contains(_THOUSANDS)).then(t.str.replace_all(",", "")).otherwise(t)
    return t


def _number(column: str) -> pl.Expr:
    return _text(column).str.replace(",", ".").cast(pl.Float64, strict=False)


def _seconds(column: str) -> pl.Expr:
    """Seconds from a number or ``[hh:]mm:ss``."""
    t = _text(column)
    parts = t.str.split(":")
    clock = pl.when(parts.list.len() == 3).then(
        parts.list.get(0, null_on_oob=True).cast(pl.Float64, strict=False) * 3600
        + parts.list.get(1, null_on_oob=True).cast(pl.Float64, strict=False) * 60
        + parts.list.get(2, null_on_oob=True).cast(pl.Float64, strict=False)
    ).when(parts.list.len() == 2).then(
        parts.list.get(0, null_on_oob=True).cast(pl.Float64, strict=False) * 60
        + parts.list.get(1, null_on_oob=True).cast(pl.Float64, strict=False)
    )
    return pl.coalesce(_number(column), clock)


def _sentiment(column: str) -> pl.Expr:
    label = _text(column).str.to_lowercase().replace_strict(
        {"negative": -1.0, "neg": -1.0, "neutral": 0.0, "neu": 0.0, "positive": 1.0, "pos": 1.0},
        default=None,
        return_dtype=pl.Float64,
    )
    value = pl.coalesce(_number(column), label)
    return pl.when(value.is_between(-1, 1)).then(value)


_TRUE = ["true", "t", "yes", "y", "1", "1.0", "bot", "automated"]
_FALSE = ["false", "f", "no", "n", "0", "0.0", "human", "agent"]


def _boolean(column: str) -> pl.Expr:
    t = _text(column).str.to_lowercase()
    return t.is_in(_TRUE).fill_null(False)


def _boolean_issue(frame: pl.DataFrame, source: str, column: str) -> QualityIssue | None:
    """Values that are neither true nor false are read as False; say which rows."""
    t = _text(source).str.to_lowercase()
    bad = t.is_not_null() & ~t.is_in(_TRUE) & ~t.is_in(_FALSE)
    return issue_from_mask(frame, bad, Message(N_("not readable as {name} true/false (taken as false)"), name=column), source, "kept")


def _conversion_issues(frame: pl.DataFrame, column: str, source: str, converted: pl.Expr) -> QualityIssue | None:
    bad = _text(source).is_not_null() & converted.is_null()
    return issue_from_mask(frame, bad, Message(N_("not readable as {name} (left empty)"), name=column), source, "kept")


def _canonicalise(
    raw: pl.DataFrame,
    preset: Preset,
    chosen: dict[str, str],
    timezone: str,
) -> tuple[pl.DataFrame, list[QualityIssue], list[str]]:
    """Canonical columns for every row of ``raw`` (no rows removed yet except bad times/direction)."""
    issues: list[QualityIssue] = []
    notes: list[str] = []
    exprs: dict[str, pl.Expr] = {}
    null = pl.lit(None, pl.String)

    for name in _ID_COLUMNS:
        if name in chosen:
            src = chosen[name]
            thousands = raw.select(_text(src).str.contains(_THOUSANDS)).to_series()
            exprs[name] = _clean_id(src, raw, any_thousands=bool(thousands.any()))
            fixed = issue_from_mask(
                raw, thousands, N_("written with thousands separators (separators removed)"), src, "fixed",
            )
            if fixed:
                issues.append(fixed)
        else:
            exprs[name] = null
    if "message_id" not in chosen:
        exprs["message_id"] = pl.col("row_nr").cast(pl.String)
    direction_src = chosen["direction"]
    exprs["direction"] = direction_expr(pl.col(direction_src), is_outbound_flag(direction_src))
    if "channel" in chosen:
        exprs["channel"] = _text(chosen["channel"]).str.to_lowercase()
    else:
        exprs["channel"] = pl.lit(preset.channel, pl.String)
    for name in ("agent_id", "brand"):
        exprs[name] = _text(chosen[name]) if name in chosen else null
    exprs["is_bot"] = _boolean(chosen["is_bot"]) if "is_bot" in chosen else pl.lit(False)
    if "is_bot" in chosen and (issue := _boolean_issue(raw, chosen["is_bot"], "is_bot")):
        issues.append(issue)

    optional: dict[str, pl.Expr] = {}
    for name in ("category", "subcategory", "template", "deflected_to"):
        if name in chosen:
            optional[name] = _text(chosen[name])
    if "text" in chosen:
        optional["text"] = pl.col(chosen["text"]).cast(pl.String)
    for name, conv in (("sentiment", _sentiment), ("handle_seconds", _seconds), ("csat", _number), ("nps", _number)):
        if name in chosen:
            optional[name] = conv(chosen[name])
            issue = _conversion_issues(raw, name, chosen[name], optional[name])
            if issue:
                issues.append(issue)

    out = raw.select(
        "row_nr",
        **exprs,
        **optional,
        **({"__author": _text(chosen[AUTHOR])} if AUTHOR in chosen else {}),
    )
    # Times: parsed per dtype (text, datetime or epoch number) so typed sources work too.
    created_src = chosen["created_at"]
    out = out.with_columns(
        parse_timestamps(raw.get_column(created_src), timezone=timezone, day_first=preset.day_first).alias(
            "created_at"
        ),
        raw.get_column(created_src).alias("__created_raw"),
    )
    if raw.schema[created_src] == pl.String or raw.schema[created_src] == pl.Datetime("us"):
        naive = raw.select((_text(created_src).is_not_null() & ~_text(created_src).str.contains(NOT_NAIVE)).sum()).item()
        if naive:
            notes.append(Message(N_("{n} times without a UTC offset were read as {timezone} local time"), n=naive, timezone=timezone))
    if (note := excel_serial_note(raw, created_src, timezone)) is not None:
        notes.append(note)
    if "resolved_at" in chosen:
        src = chosen["resolved_at"]
        out = out.with_columns(
            parse_timestamps(raw.get_column(src), timezone=timezone, day_first=preset.day_first).alias(
                "resolved_at"
            ),
            raw.get_column(src).alias("__resolved_raw"),
        )
        issues += check_timestamps(out, "__resolved_raw", "resolved_at", src, action="kept")
        out = out.drop("__resolved_raw")
    return out, issues, notes


def serial_count(source: str, dtype: pl.DataType) -> pl.Expr | None:
    """How many values of a time column are Excel serial dates (None: the type cannot be)."""
    if dtype.is_numeric():
        return is_excel_serial(pl.col(source).cast(pl.Float64)).sum()
    if dtype == pl.String:
        return is_excel_serial(number_text(_text(source)).cast(pl.Float64, strict=False)).sum()
    return None


def serial_note(n: int, timezone: str) -> str:
    return (
        Message(N_("{n} times were Excel serial dates (day numbers such as 43039.92), read as dates in {timezone} local time"), n=n, timezone=timezone)
    )


def excel_serial_note(raw: pl.DataFrame, source: str, timezone: str) -> str | None:
    expr = serial_count(source, raw.schema[source])
    n = raw.select(expr).item() if expr is not None else 0
    return serial_note(n, timezone) if n else None


def _drop(frame: pl.DataFrame, mask: pl.Expr, reason: str, column: str | None, issues: list[QualityIssue]) -> pl.DataFrame:
    hits = frame.select(mask.fill_null(False)).to_series()  # evaluated once, for both uses
    issue = issue_from_mask(frame, hits, reason, column, "dropped")
    if issue is None:
        return frame
    issues.append(issue)
    return frame.filter(~hits)


def _empty_row(frame: pl.DataFrame) -> pl.Expr:
    tests = []
    for name, dtype in frame.schema.items():
        if name == "row_nr":
            continue
        col = pl.col(name)
        if dtype == pl.String:
            tests.append(col.is_null() | (col.str.strip_chars() == ""))
        else:
            tests.append(col.is_null())
    return pl.all_horizontal(tests) if tests else pl.lit(True)


def _flatten(raw: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    """Columns the loader can read: lists, arrays and structs as JSON text, durations as seconds,
    bytes as text (hexadecimal when they are not UTF-8, said in ``notes``), other objects as text."""
    fixes: list[pl.Expr] = []
    for name, dtype in raw.schema.items():
        if isinstance(dtype, pl.Binary):
            try:
                raw.select(pl.col(name).cast(pl.String))
            except pl.exceptions.PolarsError:
                notes.append(Message(N_("column {column} holds bytes that are not text: written in hexadecimal"), column=_short(name)))
                fixes.append(pl.col(name).bin.encode("hex").alias(name))
                continue
        if isinstance(dtype, (pl.List, pl.Array, pl.Struct)):
            # {"v":<value>} -> <value>: one vectorised JSON encoding of the column.
            fixes.append(pl.struct(pl.col(name).alias("v")).struct.json_encode().str.slice(5).str.head(-1).alias(name))
        elif isinstance(dtype, pl.Duration):
            fixes.append((pl.col(name).dt.total_microseconds() / 1e6).alias(name))
        elif dtype == pl.Object or dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum, pl.Binary, pl.Decimal)):
            fixes.append(pl.col(name).cast(pl.String).alias(name))
    if not fixes:
        return raw
    try:
        return raw.with_columns(fixes)
    except Exception as exc:  # an exotic type polars cannot even encode
        raise DataError(_("Could not read a column of the input as text: {detail}").format(detail=_first_line(exc))) from exc


def _with_row_numbers(raw: pl.DataFrame) -> pl.DataFrame:
    if "row_nr" in raw.columns:
        col = raw.get_column("row_nr")
        if col.dtype.is_integer() and col.null_count() == 0 and col.n_unique() == col.len():
            return raw.with_columns(pl.col("row_nr").cast(pl.Int64))  # a re-loaded canonical frame
        raw = raw.rename({"row_nr": "row_nr_source"})
    return raw.with_row_index("row_nr", offset=1).with_columns(pl.col("row_nr").cast(pl.Int64))


def load(
    source: Source,
    *,
    preset: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    timezone: str = "UTC",
    session_gap: str | float | timedelta = "24h",
    filename: str | None = None,
    lazy: bool = False,
    options: Mapping[str, str] | None = None,
) -> LoadResult:
    """Read a message log into the canonical messages frame, accounting for every row.

    Parameters
    ----------
    source
        File path, bytes, file object (binary or text), polars DataFrame/LazyFrame or pandas
        DataFrame. Files: CSV/TSV (delimiter ``, ; tab |`` detected; UTF-8 with/without BOM,
        UTF-16 with BOM, cp1252; records cross-checked against the file's lines, so a stray
        quote never swallows rows silently), Excel (the first sheet holding a table), Parquet,
        JSON lines / JSON array; any of them gzip/bzip2/xz-compressed or a zip of one file.
    preset
        A registered preset name (``toolkit.io.presets.PRESETS``: ``"generic"``, ``"twcs"``,
        ...); detected from the header when None.
    mapping
        ``{canonical_column: source_column}`` overriding the preset (``None`` value: do not
        map that column). Keys: canonical names, or ``"author"`` (see :mod:`toolkit.io.presets`).
    timezone
        IANA zone for times written without a UTC offset (DST rules: :mod:`toolkit.timestamps`).
    session_gap
        Inactivity splitting sessions when conversations come from sessions (``"24h"``,
        ``"30m"``, seconds, timedelta).
    filename
        Name of the uploaded file (format hint when ``source`` is bytes or a file object).
    lazy
        Return ``messages`` as a LazyFrame. A Parquet, CSV (UTF-8) or JSON-lines file on disk
        is then scanned, not read: the result is one lazy plan, and the quality report (still
        exact) is counted in one aggregate pass (:mod:`toolkit.io.lazy`). Other sources are
        loaded eagerly and wrapped.
    options
        Settings a preset asks for, e.g. ``{"account_id": "123"}`` (the brand's own account)
        for X archive direct messages (``docs/presets.md``).

    Returns
    -------
    LoadResult
        ``messages``, ``quality``, ``preset``, ``mapping``.

    Raises
    ------
    DataError
        Empty or unreadable input, unknown preset, a mapping to a missing column, a missing
        required column, mostly unreadable times or directions, no way to find conversations,
        ambiguous replies when sessionising.
    """
    gap = parse_duration(session_gap, argument="session_gap")
    _check_timezone(timezone)
    if lazy:
        if isinstance(source, (str, Path)) and filename is None and not options:
            from toolkit.io.lazy import load_lazy

            result = load_lazy(source, preset=preset, mapping=mapping, timezone=timezone, session_gap=gap)
            if result is not None:
                return result
        eager = load(source, preset=preset, mapping=mapping, timezone=timezone, session_gap=session_gap,
                     filename=filename, options=options)
        return LoadResult(messages=eager.messages.lazy(), quality=eager.quality, preset=eager.preset, mapping=eager.mapping)  # type: ignore[union-attr]
    read_notes: list[str] = []
    raw = _read_table(source, filename, read_notes)
    if raw.width == 0:
        raise DataError(_("The input has no columns: no data rows."))
    ragged = raw.get_column(_RAGGED) if _RAGGED in raw.columns else None
    if ragged is not None:
        raw = raw.drop(_RAGGED)
    raw = _with_row_numbers(_flatten(raw, read_notes))
    input_rows = raw.height
    if input_rows == 0:
        raise DataError(_("No data rows: the input has only a header ({names}).").format(names=_names([c for c in raw.columns if c != 'row_nr'])))

    issues: list[QualityIssue] = []
    if ragged is not None and (
        issue := issue_from_mask(
            raw, ragged, N_("more fields than the header (extra fields kept in 'extra_fields')"), None, "kept"
        )
    ):
        issues.append(issue)
    raw = _drop(raw, _empty_row(raw), N_("empty row"), None, issues)
    if raw.height == 0:
        raise DataError(_("No data rows: all {input_rows} rows are empty.").format(input_rows=_count(input_rows)))

    chosen_preset = get_preset(preset, raw.columns)
    raw = chosen_preset.prepare(raw, dict(options or {}))
    if EXCLUDE in raw.columns:
        reasons = raw.get_column(EXCLUDE).drop_nulls().unique(maintain_order=True).to_list()
        for reason in reasons:
            raw = _drop(raw, pl.col(EXCLUDE).fill_null("") == reason, reason, None, issues)
        raw = raw.drop(EXCLUDE)
        if raw.height == 0:
            raise DataError(_("No messages: every row is left out ({items}).").format(items=', '.join(reasons)))
    chosen = resolve_mapping(raw, chosen_preset, mapping)
    method = _conversation_method(chosen, raw.columns)

    frame, more, notes = _canonicalise(raw, chosen_preset, chosen, timezone)
    issues += more
    notes = read_notes + notes

    # Rows that cannot be had without a time or a direction.
    created_src = chosen["created_at"]
    issues += check_timestamps(frame, "__created_raw", "created_at", created_src)
    frame = frame.filter(pl.col("created_at").is_not_null()).drop("__created_raw")
    direction_src = chosen["direction"]
    frame = _check_direction(frame, raw, direction_src, issues)
    far_out_at = len(issues)  # where the far-out issue goes, once the messages are final (below)

    if "message_id" in chosen:
        missing_id = pl.col("message_id").is_null()
        issue = issue_from_mask(frame, missing_id, N_("missing (made from the row number: row-<n>)"), chosen["message_id"], "fixed")
        if issue:
            issues.append(issue)
            frame = frame.with_columns(message_id=pl.coalesce("message_id", pl.format("row-{}", "row_nr")))
    frame = _drop(
        frame, ~pl.col("message_id").is_first_distinct(),  # rows are in input order: the first is kept
        N_("duplicate (the first row with this id is kept, later ones dropped)"),
        chosen.get("message_id", "message_id"), issues,
    )

    author = "__author" if AUTHOR in chosen else None
    if author is not None:
        frame = chosen_preset.fill_author(frame, author)

    frame, more = assign_conversations(frame, method, session_gap=gap)
    issues += more
    frame = chosen_preset.finish(frame, author)

    messages = chosen_preset.expand(_finish(frame, raw, chosen), raw)
    used_rows = messages.height
    # Far-out times, judged over the messages as they come out (the default date range of
    # toolkit.analysis.thin.dense_range reads the same ones), counted over the input rows kept.
    implied = "__implied" in messages.columns  # ticket exports add the replies their rows imply
    mask = far_out(messages.select(far_out_stats(pl.col("created_at"))).row(0, named=True), pl.col("created_at"))
    if mask is not None and (issue := issue_from_mask(
        messages, mask & ~pl.col("__implied") if implied else mask, FAR_OUT_REASON, created_src, "kept"
    )):
        issues.insert(far_out_at, issue)
    if implied:
        used_rows -= int(messages.get_column("__implied").sum())
        messages = messages.drop("__implied")
    quality = QualityReport(input_rows=input_rows, used_rows=used_rows, issues=issues, notes=notes)
    if quality.input_rows != quality.used_rows + quality.dropped_rows:  # pragma: no cover - bookkeeping bug
        raise AssertionError(f"row accounting broken: {quality.summary()}")
    if messages.height == 0:
        raise DataError(_("No usable rows: {summary}").format(summary=quality.summary()))
    used = {k: v for k, v in chosen.items() if k != AUTHOR}
    if AUTHOR in chosen:
        for name in chosen_preset.author_fills:
            used.setdefault(name, chosen[AUTHOR])
    return LoadResult(messages=messages, quality=quality, preset=chosen_preset.name, mapping=used)


def _check_timezone(timezone: str) -> None:
    try:
        pl.Series([0]).cast(pl.Datetime("us")).dt.replace_time_zone(timezone)
    except Exception as exc:
        raise DataError(_("Unknown time zone {timezone!r}; use an IANA name such as 'Europe/Paris' or 'UTC'.").format(timezone=timezone)) from exc


def _conversation_method(chosen: dict[str, str], columns: list[str]) -> str:
    if "conversation_id" in chosen:
        return "conversation_id"
    if "in_reply_to" in chosen:
        return "in_reply_to"
    if "customer_id" in chosen or AUTHOR in chosen:
        return "sessions"
    found = _names([c for c in columns if c != "row_nr"])
    raise DataError(
        _("Cannot tell which messages belong together: the file needs a conversation_id column (also read from thread_id, case_id, ticket_id), an in_reply_to column (reply chains) or a customer_id column (sessions per customer). Columns found: {found}. Pass mapping={{'conversation_id': '<column>'}} if it has another name.").format(found=found)
    )


def _check_direction(frame: pl.DataFrame, raw: pl.DataFrame, source: str, issues: list[QualityIssue]) -> pl.DataFrame:
    values = raw.select("row_nr", __v=_text(source))
    frame = frame.join(values, on="row_nr", how="left", maintain_order="left")
    unknown = pl.col("__v").is_not_null() & pl.col("direction").is_null()
    n_unknown = frame.select(unknown.sum()).item()
    if n_unknown * 2 > frame.height:
        hits = frame.filter(unknown)
        rows = ", ".join(str(r) for r in hits.get_column("row_nr").head(10).to_list())
        examples = ", ".join(repr(v)[:60] for v in hits.get_column("__v").unique(maintain_order=True).head(5).to_list())
        raise DataError(
            _("Column {source!r}: {n_unknown} of {height} rows are not a direction (rows {rows}); examples: {examples}. Accepted: inbound/outbound, in/out, incoming/outgoing, received/sent, or true/false in an 'inbound' column.").format(source=source, n_unknown=_count(n_unknown), height=_count(frame.height), rows=rows, examples=examples)
        )
    frame = _drop(frame, pl.col("__v").is_null(), N_("missing"), source, issues)
    frame = _drop(frame, unknown, N_("not a direction (inbound/outbound)"), source, issues)
    return frame.drop("__v")


def _finish(frame: pl.DataFrame, raw: pl.DataFrame, chosen: dict[str, str]) -> pl.DataFrame:
    """Column order and types of the canonical frame, plus unmapped source columns."""
    always = [pl.col(name).cast(dtype) for name, dtype in ALWAYS_PRESENT.items()]
    optional = [pl.col(name).cast(dtype) for name, dtype in OPTIONAL.items() if name in frame.columns]
    canonical = frame.select(*always, *optional)
    used = set(chosen.values()) | {"row_nr"}
    extras = [c for c in raw.columns if c not in used]
    if extras:
        rename = {c: f"{c}_source" for c in extras if c in canonical.columns}
        canonical = canonical.join(
            raw.select("row_nr", *extras).rename(rename), on="row_nr", how="left", maintain_order="left"
        )
    return canonical


