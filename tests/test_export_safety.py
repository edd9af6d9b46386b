"""CSV exports neutralise spreadsheet formula cells (SPEC "Safety of what users share")."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.present.export import FORMULA_PREFIXES, neutralise_formulas, safe_cell, safe_csv

ROOT = Path(__file__).resolve().parents[1]

ATTACKS = [
    '=HYPERLINK("http://evil.example/p","Reset your password")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_cells_get_a_leading_quote_and_stay_readable(value):
    rows = _cells(safe_csv(pl.DataFrame({"text": [value]})))
    assert rows == [["text"], ["'" + value]]


def test_numbers_stay_numbers():
    df = pl.DataFrame({"delta": [-2, 3, -7], "ratio": [-0.5, 1.25, None], "text": ["-2", "+1.5", "-3e4"]})
    out = safe_csv(df)
    assert out == df.write_csv()  # nothing to neutralise: numbers and plain-number text
    back = pl.read_csv(io.StringIO(out))
    assert back["delta"].dtype.is_integer() and back["delta"].to_list() == [-2, 3, -7]
    assert back["ratio"].dtype.is_float()


def test_plain_text_dates_and_nulls_are_unchanged():
    df = pl.DataFrame(
        {"name": ["Alice", None, "a=b", "x-1"], "day": pl.date_range(pl.date(2025, 1, 1), pl.date(2025, 1, 4), eager=True)}
    )
    assert safe_csv(df) == df.write_csv()


def test_categorical_enum_and_header_cells():
    df = pl.DataFrame({"=cmd()": ["=1", "b"], "c": ["@x", "ok"]}).with_columns(
        pl.col("c").cast(pl.Categorical), pl.col("=cmd()").cast(pl.Enum(["=1", "b"]))
    )
    rows = _cells(safe_csv(df))
    assert rows == [["'=cmd()", "c"], ["'=1", "'@x"], ["b", "ok"]]


def test_lazy_frames_stay_lazy():
    lf = pl.LazyFrame({"v": ["=1+1", "ok"]})
    out = neutralise_formulas(lf)
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["v"].to_list() == ["'=1+1", "ok"]


@given(st.lists(st.text(max_size=12) | st.sampled_from(ATTACKS), max_size=20))
def test_frame_matches_the_cell_reference_and_nothing_runs(values):
    got = neutralise_formulas(pl.DataFrame({"v": values}, schema={"v": pl.String}))["v"].to_list()
    assert got == [safe_cell(v) for v in values]
    for before, after in zip(values, got, strict=True):
        # Either untouched and harmless (no formula start, or a plain number), or quoted as text.
        if after != before:
            assert after == "'" + before and before.startswith(FORMULA_PREFIXES)
        elif before.startswith(FORMULA_PREFIXES):
            assert float(before) == float(before)  # a plain number: a spreadsheet reads a number


def test_cli_csv_neutralises_data_values(tmp_path):
    log = tmp_path / "log.csv"
    rows = [
        ("conversation_id", "created_at", "direction", "channel", "customer_id", "agent_id"),
        ("c1", "2025-03-03T09:00:00Z", "inbound", '=HYPERLINK("http://evil/p","Reset")', "u1", ""),
        ("c1", "2025-03-03T09:10:00Z", "outbound", '=HYPERLINK("http://evil/p","Reset")', "", "A1"),
        ("c2", "2025-03-03T09:00:00Z", "inbound", "+cmd|' /C calc'!A0", "u2", ""),
        ("c2", "2025-03-03T09:30:00Z", "outbound", "+cmd|' /C calc'!A0", "", "-2+3+cmd"),
        ("c3", "2025-03-03T11:00:00Z", "inbound", "@SUM(A1:A9)", "u3", ""),
    ]
    with log.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    out = subprocess.run(
        [sys.executable, "-m", "toolkit", "kpis", str(log), "--by", "channel", "agent_id", "--format", "csv", "--quiet"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    cells = [c for row in _cells(out.stdout) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [c for c in cells if c.startswith("-") and c != "-" and not _is_number(c)]
    channels = {r["channel"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert all(c.startswith("'") for c in channels)
    assert {c.lower() for c in channels} == {"'" + v.lower() for v in (rows[1][3], rows[3][3], rows[5][3])}
    assert "'-2+3+cmd" in cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_app_csv_download_is_neutralised():
    from app_pages import common

    df = pl.DataFrame({"channel": ["=HYPERLINK(\"http://evil\")", "web"], "n": [-3, 4], "tags": [["@a", "b"], []]})
    rows = _cells(common.csv_text(df))
    assert rows[1] == ["'=HYPERLINK(\"http://evil\")", "-3", "'@a, b"]
    assert rows[2] == ["web", "4", ""]
