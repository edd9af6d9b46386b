"""Fuzzing the loader: nothing lost, never a traceback.

Hypothesis mutates generated files and real twcs excerpts (``../shared/realdata``; those cases
skip when it is absent). Every input either loads with ``input_rows == used + dropped`` and
``input_rows`` equal to an independent count of its data rows, or stops with a ``DataError``
whose message is of reasonable length. Both loaders are run (eager, and ``lazy=True`` from a
file on disk).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from toolkit.errors import DataError
from toolkit.io.load import load

MAX_MESSAGE = 600
HEADER = ["message_id", "conversation_id", "created_at", "direction", "channel", "customer_id", "text"]
FUZZ = settings(max_examples=int(os.environ.get("TOOLKIT_FUZZ_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _records(n: int) -> list[list[str]]:
    return [
        [f"m{i}", f"c{i // 3}", f"2025-01-{6 + i % 20:02d} 09:{i % 60:02d}:00", "inbound" if i % 3 == 0 else "outbound",
         "chat", f"u{i // 3}", f"hello, message {i}"]
        for i in range(n)
    ]


def _try(path: Path, lazy: bool):
    try:
        return load(path, lazy=lazy), ""
    except DataError as exc:
        return None, str(exc)


def _check(path: Path, expected_rows: int | None) -> None:
    """Load eagerly and lazily: same outcome, exact books, or a short DataError."""
    outcomes = []
    for lazy in (False, True):
        result, message = _try(path, lazy)
        if result is None:
            assert len(message) <= MAX_MESSAGE, message[:2000]
            outcomes.append(("error", message))
            continue
        q = result.quality
        assert q.input_rows == q.used_rows + q.dropped_rows, q.summary()
        if expected_rows is not None:
            assert q.input_rows == expected_rows, (q.summary(), expected_rows)
        messages = result.messages.collect() if lazy else result.messages
        assert messages.height == q.used_rows
        assert len(q.summary()) < 20 * MAX_MESSAGE
        outcomes.append(("ok", q.summary()))
    assert outcomes[0] == outcomes[1], outcomes
    event(f"{outcomes[0][0]}: {outcomes[0][1].splitlines()[0][:50] if outcomes[0][0] == 'error' else 'loaded'}")


# -- record-level mutations (the file stays well-formed CSV: the count is known) ---------------

_VALUE_MUTATIONS = st.sampled_from(
    ["", "   ", "43039.92", "1700000000", "2011-03-04 10:00", "31/12/2017 23:59", "not a time", "2999-01-01",
     "In", "OUT", "sideways", "caf\u00e9", "\u00e9\u00e8\u00ea", "=cmd()", '"quoted"', "a,b", "line\nbreak", "1,234",
     "3.0", "\x00", "\t", "\U0001f600"]
)


@st.composite
def _record_mutations(draw, n_records: int, width: int):
    ops = draw(st.lists(
        st.tuples(st.integers(0, max(0, n_records - 1)), st.integers(0, width - 1), _VALUE_MUTATIONS),
        max_size=12,
    ))
    dups = draw(st.lists(st.integers(0, max(0, n_records - 1)), max_size=3))
    header_rename = draw(st.sampled_from([None, "__ragged", "row_nr", "__author", "extra_fields", "__v", "x" * 5000]))
    rename_at = draw(st.integers(0, width - 1))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252-some-lines", "utf-16"]))
    endings = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ops, dups, header_rename, rename_at, encoding, endings


def _write(header: list[str], records: list[list[str]], mutation, path: Path) -> int:
    ops, dups, header_rename, rename_at, encoding, endings = mutation
    records = [list(r) for r in records]
    for row, col, value in ops:
        if records:
            records[row][col] = value
    for row in dups:
        if records:
            records.append(list(records[row]))
    header = list(header)
    if header_rename is not None:
        header[rename_at] = header_rename
    buf = io.StringIO()
    # The csv module quotes a field holding a line break only when the break is in
    # ``lineterminator``; quote everything then, or the file itself would be ambiguous.
    breaks = any("\n" in v or "\r" in v for r in records for v in r)
    writer = csv.writer(buf, lineterminator=endings, quoting=csv.QUOTE_ALL if breaks else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(records)
    text = buf.getvalue()
    if encoding == "cp1252-some-lines":
        lines = text.split(endings)
        data = endings.encode().join(
            line.encode("cp1252", errors="replace") if i % 2 else line.encode("utf-8") for i, line in enumerate(lines)
        )
    else:
        data = text.encode(encoding, errors="replace")
    path.write_bytes(data)
    # Independent count: Python's csv module on what was written (a different parser).
    return len(records)


@FUZZ
@given(data=st.data())
def test_generated_csv_mutated_records(tmp_path, data) -> None:
    records = _records(data.draw(st.integers(1, 40)))
    mutation = data.draw(_record_mutations(len(records), len(HEADER)))
    path = tmp_path / "f.csv"
    expected = _write(HEADER, records, mutation, path)
    _check(path, expected)


@pytest.fixture(scope="module")
def real_records(realdata) -> tuple[list[str], list[list[str]]]:
    with (realdata / "twcs_sample.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:200]


@FUZZ
@given(data=st.data())
def test_real_twcs_mutated_records(tmp_path, real_records, data) -> None:
    header, records = real_records
    mutation = data.draw(_record_mutations(len(records), len(header)))
    path = tmp_path / "twcs.csv"
    expected = _write(header, records, mutation, path)
    _check(path, expected)


# -- byte-level mutations (structure may break: a count, or a DataError) ------------------------


@FUZZ
@given(data=st.data())
def test_generated_csv_byte_mutations(tmp_path, data) -> None:
    records = _records(data.draw(st.integers(1, 40)))
    lines = [",".join(HEADER)] + [",".join(f'"{v}"' if "," in v else v for v in r) for r in records]
    kind = data.draw(st.sampled_from(["quote", "truncate", "extra_field", "missing_field", "blank_line", "nul"]))
    i = data.draw(st.integers(1, len(lines) - 1))
    expected: int | None = len(records)
    if kind == "quote":  # a stray quote: the file may be refused, never silently shortened
        pos = data.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:pos] + '"' + lines[i][pos:]
        if data.draw(st.booleans()):
            lines[0] = '"' + lines[0]
        expected = None  # checked below against the data lines
    elif kind == "truncate":
        cut = data.draw(st.integers(1, len(lines[i])))
        lines = [*lines[:i], lines[i][:cut]]
        expected = i
    elif kind == "extra_field":
        lines[i] += ",surplus"
    elif kind == "missing_field":
        lines[i] = lines[i].rsplit(",", 1)[0]
    elif kind == "blank_line":  # read as one empty row (counted, then dropped)
        lines.insert(i, "")
        expected = len(records) + 1
    else:
        lines[i] = lines[i].replace("hello", "hel\x00lo")
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n")
    if kind == "quote":
        for lazy in (False, True):
            r, message = _try(path, lazy)
            if r is None:
                assert len(message) <= MAX_MESSAGE, message[:2000]
                continue
            # Loaded: no data line may have vanished into another row's field.
            assert r.quality.input_rows == len(records), r.quality.summary()
        return
    _check(path, expected)


@FUZZ
@given(
    n=st.integers(1, 30),
    tags=st.sampled_from(["list", "struct", "duration", "null"]),
    helper=st.sampled_from(["__ragged", "__author", "row_nr", "__v", "__created_raw", "__tk_message_id"]),
    fmt=st.sampled_from(["parquet", "ndjson"]),
)
def test_typed_columns_and_helper_names(tmp_path, n, tags, helper, fmt) -> None:
    base = pl.DataFrame(_records(n), schema=HEADER, orient="row")
    column = {
        "list": pl.Series("tags", [["a", "b"]] * n),
        "struct": pl.Series("tags", [{"k": 1}] * n),
        "duration": pl.Series("handle_time", [timedelta(seconds=30)] * n),
        "null": pl.Series("tags", [None] * n),
    }[tags]
    frame = base.with_columns(column, pl.lit("x").alias(helper))
    path = tmp_path / f"t.{fmt}"
    if fmt == "parquet":
        frame.write_parquet(path)
    else:
        frame.write_ndjson(path)
    _check(path, n)
