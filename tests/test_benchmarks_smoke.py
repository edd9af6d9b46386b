"""Smoke run of the benchmark (issue 8): tiny, so the benchmark code cannot rot.

2,000 generated messages: the toolkit, pandas and DuckDB engines agree with each other and with
the plain-Python reference (tests/reference.py), from Parquet and from CSV; the runner works end
to end in subprocesses. The timed benchmark itself is run by hand (benchmarks/README.md).
"""

from __future__ import annotations

import polars as pl
import pytest

from benchmarks.engines import KEYS, run_duckdb, run_pandas, run_toolkit
from benchmarks.generate import generate, generate_chunk
from benchmarks.run import agree, run_engine
from benchmarks.run import main as run_main
from tests.reference import reference_kpis

pytest.importorskip("duckdb")
pytest.importorskip("pandas")

N = 2_000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory):
    return generate(N, tmp_path_factory.mktemp("bench"), seed=8, chunk=700)


@pytest.fixture(scope="module")
def expected(folder) -> dict:
    messages = pl.read_parquet(folder / "messages.parquet")
    return reference_kpis(messages.to_dicts())


def test_generator_is_seeded_unordered_and_canonical(folder) -> None:
    messages = pl.read_parquet(folder / "messages.parquet")
    assert messages.height == N
    assert messages["row_nr"].to_list() == list(range(1, N + 1))
    assert messages["message_id"].n_unique() == N
    assert messages.schema["created_at"] == pl.Datetime("us", "UTC")
    # rows in no particular order, and timestamp ties inside conversations (row_nr decides)
    assert not messages["created_at"].is_sorted()
    assert messages.select(pl.struct("conversation_id", "created_at").is_duplicated().any()).item()
    assert messages["is_bot"].any()
    again = generate_chunk(700, first_row=1, first_conversation=0, total=N, seed=8)
    assert again.equals(messages.head(700))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize("engine", [run_toolkit, run_pandas, run_duckdb])
def test_engines_match_reference(folder, expected, engine, fmt) -> None:
    got = engine(folder / f"messages.{fmt}")["kpis"]
    assert not agree(expected, got, KEYS), {k: (expected[k], got[k]) for k in agree(expected, got, KEYS)}


def test_tie_break_matters_in_generated_data(folder, expected) -> None:
    # reversing input order on ties changes the numbers: the agreement above is not by luck
    messages = pl.read_parquet(folder / "messages.parquet")
    flipped = reference_kpis(messages.with_columns(row_nr=-pl.col("row_nr")).to_dicts())
    assert agree(expected, flipped, KEYS)


def test_business_hours_variant_runs(folder) -> None:
    got = run_toolkit(folder / "messages.parquet", business_hours=True)["kpis"]
    assert got["art_bh_median_s"] is not None
    assert got["art_bh_median_s"] <= got["art_median_s"]


def test_runner_end_to_end(tmp_path, capsys) -> None:
    # its own data folder: the runner generates with the default chunk size (other bytes)
    code = run_main([
        "--sizes", str(N), "--data", str(tmp_path), "--formats", "parquet",
        "--engines", "toolkit,duckdb", "--results", str(tmp_path / "r.jsonl"),
    ])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| 2k | parquet | duckdb |" in out
    assert "DISAGREE" not in out


def test_proposed_patches_keep_the_numbers(folder, expected) -> None:
    # in a child process: the patches (benchmarks/proposed.py) must not leak into this one
    for fmt in ("parquet", "csv"):
        data, _, _, _ = run_engine("toolkit", folder / f"messages.{fmt}", extra=["--proposed", "--in-memory"])
        assert not agree(expected, data["kpis"], KEYS), fmt
