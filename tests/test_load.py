"""Loading: formats, encodings, delimiters, presets, mapping, bad input, quality accounting."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from toolkit.errors import DataError
from toolkit.io.load import LoadResult, load, read_messages
from toolkit.io.schema import ALWAYS_PRESENT

HEADER = ["id", "thread_id", "timestamp", "direction", "customer", "agent", "message"]
ROWS = [
    ["m1", "c1", "2024-03-01 09:00:00", "in", "ana", "", "Bonjour, ma commande est bloquée"],
    ["m2", "c1", "2024-03-01 09:30:00", "OUT", "ana", "AB", "Désolé ! On regarde ça"],
    ["m3", "c2", "2024-03-02T10:00:00Z", "incoming", "bob", "", "où est mon colis ?"],
    ["m4", "c2", "2024-03-02 11:00:00", "outgoing", "bob", "CD", "Il arrive demain, \"promis\""],
]


def _csv(sep: str = ",", rows: list[list[str]] = ROWS, header: list[str] = HEADER, eol: str = "\n") -> str:
    def field(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in (sep, '"', "\n", "\r")) else v

    return eol.join(sep.join(field(v) for v in r) for r in [header, *rows]) + eol


@pytest.fixture
def reference() -> pl.DataFrame:
    return load(_csv().encode("utf-8")).messages


@pytest.mark.parametrize(
    ("sep", "encoding", "eol"),
    [
        (";", "utf-8-sig", "\n"),
        ("\t", "utf-16", "\r\n"),
        (",", "cp1252", "\r\n"),
        ("|", "utf-8", "\n"),
        (",", "utf-16-be", "\n"),
    ],
)
def test_same_log_any_delimiter_and_encoding(tmp_path: Path, reference: pl.DataFrame, sep: str, encoding: str, eol: str) -> None:
    text = _csv(sep, eol=eol)
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    result = load(path)
    assert result.messages.equals(reference)
    assert result.quality.input_rows == 4 and result.quality.used_rows == 4


def test_canonical_columns_and_types(reference: pl.DataFrame) -> None:
    assert reference.columns[: len(ALWAYS_PRESENT)] == list(ALWAYS_PRESENT)
    assert dict(list(reference.schema.items())[: len(ALWAYS_PRESENT)]) == ALWAYS_PRESENT
    assert reference.columns[len(ALWAYS_PRESENT) :] == ["text"]
    assert reference["direction"].to_list() == ["inbound", "outbound", "inbound", "outbound"]
    assert reference["conversation_id"].to_list() == ["c1", "c1", "c2", "c2"]
    assert reference["row_nr"].to_list() == [1, 2, 3, 4]
    assert reference["text"][0] == "Bonjour, ma commande est bloquée"
    assert reference["is_bot"].to_list() == [False] * 4


def test_load_result_interface() -> None:
    result = load(_csv().encode())
    assert isinstance(result, LoadResult)
    assert result.preset == "generic"
    assert result.mapping["conversation_id"] == "thread_id"
    assert result.mapping["created_at"] == "timestamp"
    assert result.mapping["text"] == "message"
    assert read_messages(_csv().encode()).equals(result.messages)


def test_quoted_newlines_crlf_and_bare_cr() -> None:
    rows = [r[:] for r in ROWS]
    rows[0][6] = "line one\r\nline two"
    rows[1][6] = "bare\r\rreturns"
    result = load(_csv(",", rows, eol="\r\n").encode())
    assert result.messages["text"].to_list()[:2] == ["line one\r\nline two", "bare\r\rreturns"]
    assert result.quality.input_rows == 4


def test_unquoted_bare_cr_inside_field() -> None:
    data = b"id,conversation_id,created_at,direction,text\n1,a,2024-01-01 10:00,in,x\r\ry\n2,a,2024-01-01 10:05,out,ok\n"
    m = load(data).messages
    assert m["text"].to_list() == ["x\r\ry", "ok"]


def test_other_formats_give_same_frame(tmp_path: Path, reference: pl.DataFrame) -> None:
    raw = pl.read_csv(_csv().encode(), infer_schema=False)
    raw.write_parquet(tmp_path / "log.parquet")
    raw.write_ndjson(tmp_path / "log.jsonl")
    raw.write_excel(tmp_path / "log.xlsx")
    for name in ("log.parquet", "log.jsonl", "log.xlsx"):
        got = load(tmp_path / name).messages
        assert got.equals(reference), name
    assert load(raw).messages.equals(reference)
    assert load(raw.lazy()).messages.equals(reference)
    assert load(raw.to_pandas()).messages.equals(reference)
    # bytes and file objects, with a filename hint
    data = (tmp_path / "log.xlsx").read_bytes()
    assert load(io.BytesIO(data), filename="upload.xlsx").messages.equals(reference)
    assert load(io.StringIO(_csv())).messages.equals(reference)


def test_typed_frame_input() -> None:
    from datetime import datetime

    frame = pl.DataFrame(
        {
            "conversation_id": [1, 1],
            "created_at": [datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 11)],
            "inbound": [True, False],
        }
    )
    m = load(frame, timezone="Europe/Paris").messages
    assert m["created_at"].to_list()[0].hour == 9
    assert m["direction"].to_list() == ["inbound", "outbound"]
    assert m["conversation_id"].to_list() == ["1", "1"]
    assert m["message_id"].to_list() == ["1", "2"]


def test_empty_rows_skipped_and_counted() -> None:
    text = _csv(eol="\r\n") + ",,,,,,\r\n" * 5 + ";\r\n".replace(";", ",,,,,,")
    result = load(text.encode())
    assert result.quality.used_rows == 4
    assert result.quality.input_rows == 10
    (issue,) = result.quality.issues
    assert issue.reason == "empty row" and issue.rows == 6 and issue.first_rows[0] == 5


def test_quality_invariant_and_reasons() -> None:
    rows = [r[:] for r in ROWS] + [
        ["m5", "c3", "not a date", "in", "cid", "", "x"],
        ["m6", "c3", "2024-03-03 10:00", "", "cid", "", "x"],
        ["m7", "c3", "2024-03-03 10:00", "sideways", "cid", "", "x"],
        ["m1", "c3", "2024-03-03 10:00", "in", "cid", "", "dup"],
        ["", "c3", "2024-03-03 10:05", "in", "cid", "", "no id"],
    ]
    q = load(_csv(",", rows).encode()).quality
    assert q.input_rows == q.used_rows + q.dropped_rows == 9
    assert q.used_rows == 5
    reasons = {(i.column, i.reason.split(" ")[0], i.action): i.first_rows for i in q.issues}
    assert reasons[("timestamp", "unparseable", "dropped")] == (5,)
    assert reasons[("direction", "missing", "dropped")] == (6,)
    assert reasons[("direction", "not", "dropped")] == (7,)
    assert reasons[("id", "duplicate", "dropped")] == (8,)
    assert reasons[("id", "missing", "fixed")] == (9,)
    text = q.summary()
    assert text.startswith("9 rows read, 5 used; 4 dropped")
    assert "timestamp unparseable (row 5)" in text
    frame = q.to_frame()
    assert frame.columns == ["reason", "column", "rows", "first_rows", "action"]
    assert frame["rows"].sum() == 5


def test_summary_single_issue() -> None:
    rows = [r[:] for r in ROWS]
    rows[2][2] = "garbage"
    q = load(_csv(",", rows).encode()).quality
    assert q.summary().splitlines()[0] == "4 rows read, 3 used; 1 dropped: timestamp unparseable (row 3)"


def test_synonyms_and_flags() -> None:
    text = (
        "Message ID;Case-ID;Sent At;From Customer;Body;Platform\n"
        "1;k;2024-01-01 10:00;TRUE;hi;Twitter\n"
        "2;k;2024-01-01 10:10;FALSE;hello;Twitter\n"
    )
    result = load(text.encode())
    m = result.messages
    assert result.mapping == {
        "message_id": "Message ID", "conversation_id": "Case-ID", "created_at": "Sent At",
        "direction": "From Customer", "channel": "Platform", "text": "Body",
    }
    assert m["direction"].to_list() == ["inbound", "outbound"]
    assert m["channel"].to_list() == ["twitter", "twitter"]
    text = "ticket_id,date,is_outbound\nk,2024-01-01,1\nk,2024-01-02,0\n"
    assert load(text.encode()).messages["direction"].to_list() == ["outbound", "inbound"]


def test_mapping_overrides_and_extras_kept() -> None:
    text = "when,who,conv,dir,other\n2024-01-01 10:00,a,k,in,x\n2024-01-01 10:05,b,k,out,y\n"
    result = load(text.encode(), mapping={"created_at": "when", "conversation_id": "conv", "direction": "dir"})
    assert result.messages.columns[-2:] == ["who", "other"]
    assert result.mapping["created_at"] == "when"


def test_unknown_preset_and_bad_mapping() -> None:
    with pytest.raises(DataError, match=r"Allowed: .*generic.*twcs"):
        load(_csv().encode(), preset="zendeks")
    with pytest.raises(DataError, match=r"no column 'tstamp'.*'timestamp'"):
        load(_csv().encode(), mapping={"created_at": "tstamp"})
    with pytest.raises(DataError, match="not a column the toolkit knows"):
        load(_csv().encode(), mapping={"creation": "timestamp"})


def test_missing_required_column_did_you_mean() -> None:
    text = "id,thread_id,tiemstamp,direction\n1,a,2024-01-01,in\n"
    with pytest.raises(DataError) as info:
        load(text.encode())
    msg = str(info.value)
    assert "'created_at'" in msg and "Columns found: 'id', 'thread_id', 'tiemstamp', 'direction'" in msg
    assert "Did you mean 'tiemstamp'" in msg
    with pytest.raises(DataError, match="'direction'"):
        load(b"id,thread_id,timestamp\n1,a,2024-01-01\n")


def test_no_way_to_group_conversations() -> None:
    with pytest.raises(DataError, match="conversation_id"):
        load(b"timestamp,direction\n2024-01-01,in\n")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"id,thread_id,timestamp,direction\r\n", "No data rows"),
        (b"id,thread_id,timestamp,direction\n,,,\n,,,\n", "No data rows"),
        (bytes(range(256)) * 50, "does not look like a table"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08", "does not look like a table"),
        (b"PK\x03\x04garbage-zip", "Excel"),
        (b"PAR1garbage", "Could not read"),
        (b'{"a": 1}\n{"a": ', "JSON"),
        (b'a,b\n1,"unclosed\n', "DataError|CSV|Missing|No data"),
    ],
)
def test_bad_input_raises_data_error(data: bytes, match: str) -> None:
    with pytest.raises(DataError):
        load(data)


def test_garbage_timestamps() -> None:
    rows = [r[:] for r in ROWS]
    for r in rows[:3]:
        r[2] = "soon"
    with pytest.raises(DataError, match=r"'timestamp': 3 of 4 rows.*rows 1, 2, 3.*'soon'"):
        load(_csv(",", rows).encode())


def test_unknown_file_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="No such file"):
        load(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="Cannot read a int"):
        load(42)


def test_excel_without_sheets(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1]}).write_excel(tmp_path / "x.xlsx")
    src = zipfile.ZipFile(tmp_path / "x.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode()
                start, end = text.index("<sheets>"), text.index("</sheets>") + len("</sheets>")
                data = (text[:start] + "<sheets/>" + text[end:]).encode()
            dst.writestr(item, data)
    with pytest.raises(DataError, match="Excel"):
        load(out.getvalue(), filename="x.xlsx")


def test_ids_cleaned() -> None:
    text = 'id,in_reply_to,timestamp,inbound\n"1,234",,2024-01-01,True\n5.0,"1,234",2024-01-01 01:00,False\n'
    result = load(text.encode())
    m = result.messages
    assert m["message_id"].to_list() == ["1234", "5"]
    assert m["in_reply_to"].to_list() == [None, "1234"]
    assert m["conversation_id"].to_list() == ["1234", "1234"]
    assert any(i.action == "fixed" and "thousands" in i.reason for i in result.quality.issues)


def test_optional_columns() -> None:
    text = (
        "conversation_id,created_at,direction,sentiment,handle_seconds,csat,resolved_at,is_bot,category\n"
        "a,2024-01-01 10:00,in,negative,,5,,no,care\n"
        "a,2024-01-01 10:05,out,0.5,1:30,,2024-01-01 12:00,yes,care\n"
        "a,2024-01-01 10:06,out,7,abc,x,never,,care\n"
    )
    result = load(text.encode())
    m = result.messages
    assert m["sentiment"].to_list() == [-1.0, 0.5, None]
    assert m["handle_seconds"].to_list() == [None, 90.0, None]
    assert m["csat"].to_list() == [5.0, None, None]
    assert m["is_bot"].to_list() == [False, True, False]
    assert m.columns[-5:] == ["category", "sentiment", "handle_seconds", "resolved_at", "csat"]
    kept = {i.column for i in result.quality.issues if i.action == "kept"}
    assert kept == {"sentiment", "handle_seconds", "csat", "resolved_at"}
    assert result.quality.used_rows == 3


def test_sessions_via_load() -> None:
    text = (
        "created_at,direction,author,channel\n"
        "2024-01-01 10:00,in,ana,chat\n"
        "2024-01-01 10:05,out,agent1,chat\n"
        "2024-01-03 10:00,in,ana,chat\n"
    )
    result = load(text.encode(), session_gap="24h")
    m = result.messages
    assert m["customer_id"].to_list() == ["ana", "ana", "ana"]
    assert m["agent_id"].to_list() == [None, "agent1", None]
    assert m["conversation_id"].n_unique() == 2
    assert load(text.encode(), session_gap="3d").messages["conversation_id"].n_unique() == 1
