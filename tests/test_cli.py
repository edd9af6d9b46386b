"""The command-line contract of SPEC: keys, formats, grouping, exit code 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC_KEYS = {"inbound_messages", "outbound_messages", "conversations", "unique_customers", "turns",
             "answered_turns", "reply_rate", "frt_mean_s", "frt_median_s", "frt_p90_s", "art_mean_s",
             "art_median_s", "art_p90_s", "sla_target_s", "sla_compliance"}

SMALL_LOG = """conversation_id,created_at,direction,channel,customer_id,agent_id
c1,2025-03-03T09:00:00Z,inbound,twitter,u1,
c1,2025-03-03T09:10:00+00:00,outbound,twitter,,A1
c2,2025-03-03T10:00:00+01:00,in,email,u2,
c2,2025-03-03T09:30:00Z,OUT,email,,A2
c3,2025-03-03T11:00:00Z,inbound,email,u3,
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def small_log(tmp_path: Path) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(SMALL_LOG, encoding="utf-8")
    return path


def test_kpis_json_is_a_list_with_the_spec_keys(small_log):
    out = run("kpis", str(small_log), "--format", "json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert set(row) >= SPEC_KEYS
    assert row["inbound_messages"] == 3 and row["outbound_messages"] == 2
    assert row["turns"] == 3 and row["answered_turns"] == 2
    # c2: inbound at 09:00Z (10:00+01:00), answered 09:30Z -> 1800 s; c1: 600 s
    assert row["frt_median_s"] == 1200.0
    assert row["sla_target_s"] == 3600.0


def test_kpis_by_channel_csv_and_sla(small_log):
    out = run("kpis", str(small_log), "--by", "channel", "--sla", "900", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = {r["channel"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert set(rows) == {"email", "twitter"}
    assert float(rows["twitter"]["sla_compliance"]) == 1.0
    assert float(rows["email"]["sla_target_s"]) == 900.0


def test_kpis_table_is_readable(small_log):
    out = run("kpis", str(small_log))
    assert out.returncode == 0, out.stderr
    assert "frt_median_s" in out.stdout and "1200" in out.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty"),
        ("conversation_id,direction\nc1,inbound\n", "created_at"),
        ("conversation_id,created_at,direction\nc1,not a date,inbound\nc2,garbage,outbound\n", "created_at"),
    ],
    ids=["empty-file", "missing-created_at", "garbage-timestamps"],
)
def test_bad_input_exits_2_with_one_clear_message(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    out = run("kpis", str(path), "--format", "json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert expected in out.stderr.lower() or expected in out.stderr


def test_missing_column_message_lists_the_columns_found(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("conversation_id,direction,when\nc1,inbound,x\n", encoding="utf-8")
    out = run("kpis", str(path))
    assert out.returncode == 2
    assert "created_at" in out.stderr and "when" in out.stderr


def test_garbage_timestamps_name_the_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("conversation_id,created_at,direction\nc1,not a date,inbound\nc2,garbage,outbound\n",
                    encoding="utf-8")
    out = run("kpis", str(path))
    assert out.returncode == 2 and "1" in out.stderr and "2" in out.stderr


def test_missing_file_and_unknown_group_column_exit_2(small_log, tmp_path):
    out = run("kpis", str(tmp_path / "nope.csv"))
    assert out.returncode == 2 and "no such file" in out.stderr.lower()
    out = run("kpis", str(small_log), "--by", "chanel")
    assert out.returncode == 2 and "channel" in out.stderr and "Traceback" not in out.stderr


def test_unknown_preset_exits_2(small_log):
    out = run("kpis", str(small_log), "--preset", "sprout-x")
    assert out.returncode == 2 and "generic" in out.stderr


def test_sample_command_writes_a_log_that_kpis_reads(tmp_path):
    path = tmp_path / "s.csv"
    out = run("sample", "--out", str(path), "--conversations", "200", "--seed", "3")
    assert out.returncode == 0, out.stderr
    out = run("kpis", str(path), "--format", "json", "--by", "channel")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) >= 3 and all(r["turns"] > 0 for r in rows)


def test_a_plugin_metric_becomes_a_kpis_key(small_log, tmp_path):
    plugin = tmp_path / "my_metrics.py"
    plugin.write_text(
        "import polars as pl, toolkit\n"
        "toolkit.register_metric(toolkit.Metric('answered_within_15min', 'turns', 'share',\n"
        "    value=pl.col('response_seconds') <= 900, where=pl.col('answered_at').is_not_null()),\n"
        "    replace=True)\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "toolkit", "kpis", str(small_log), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**__import__("os").environ, "TOOLKIT_PLUGINS": str(plugin)})
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row["answered_within_15min"] == 0.5  # 600 s yes, 1800 s no


def test_kpis_collects_in_memory_when_it_fits_and_streams_with_a_note_when_not(small_log, monkeypatch, capsys):
    """The engine the CLI collects with follows the memory available; the numbers never change."""
    import toolkit._frames as frames
    from toolkit.cli import main

    seen: list[str] = []
    real = frames.collect_engine

    def spy(rows, available=None):
        seen.append(real(rows, available))
        return seen[-1]

    monkeypatch.setattr("toolkit.cli.collect_engine", spy)
    outputs = {}
    for available in (64 * 2**30, 1000):  # plenty, then far too little for 5 messages
        monkeypatch.setattr(frames, "available_memory", lambda available=available: available)
        assert main(["kpis", str(small_log), "--format", "json"]) == 0
        captured = capsys.readouterr()
        outputs[available] = json.loads(captured.out)
        assert ("--engine duckdb --memory-limit" in captured.err) == (available == 1000)
    assert seen == ["in-memory", "streaming"]
    assert outputs[64 * 2**30] == outputs[1000]


def test_kpis_metrics_picks_the_keys_and_names_an_unknown_one(small_log):
    out = run("kpis", str(small_log), "--format", "json", "--metrics", "turns", "frt_median_s")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert row == {"turns": 3, "frt_median_s": 1200.0, "sla_target_s": 3600.0}
    bad = run("kpis", str(small_log), "--metrics", "frt_median_x")
    assert bad.returncode == 2 and "frt_median_x" in bad.stderr and "Traceback" not in bad.stderr


def test_kpis_does_not_load_the_analyses(small_log):
    # Start-up time is part of every run (~0.14 s of a 1M-row CSV's 1.2 s): `kpis` must not load
    # the comparisons, numpy or scipy (toolkit/__init__.py loads the analyses on first use), and
    # `compare --help` still lists every split, plug-ins' included.
    code = (
        "import contextlib, io, sys\n"
        "from toolkit.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['kpis', {str(small_log)!r}, '--format', 'json']) == 0\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'altair', 'toolkit.analysis.compare') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    helped = run("compare", "--help")
    assert "before:YYYY-MM-DD" in helped.stdout and "experience" in helped.stdout


def test_compare_help_lists_the_splits_of_plugins(tmp_path):
    plugin = tmp_path / "weekend_split.py"
    plugin.write_text(
        "from toolkit.analysis.compare import SplitKind, register_split\n"
        "def _weekend(arg, ctx):\n    raise NotImplementedError\n"
        "register_split(SplitKind('weekend', _weekend, syntax='weekend', label='Weekend vs weekdays'), replace=True)\n"
    )
    out = subprocess.run([sys.executable, "-m", "toolkit", "compare", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, "TOOLKIT_PLUGINS": str(plugin)})
    assert out.returncode == 0, out.stderr
    assert "| weekend |" in " ".join(out.stdout.split()), out.stdout


def test_the_public_names_load_on_first_use():
    import toolkit
    from toolkit.analysis.compare import _SPLITS

    assert toolkit.compare.__module__ == "toolkit.analysis.compare"
    assert list(_SPLITS)[-1] == "experience"  # registered with the outcomes, after the built-ins
    # Every public name is either imported when toolkit loads or listed for loading on first use,
    # and resolves; the subpackages resolve too (toolkit.plugins.load_plugins() in the docs).
    eager = {n for n in toolkit.__all__ if n in vars(toolkit) and n not in toolkit._LAZY}
    assert eager | set(toolkit._LAZY) == set(toolkit.__all__)
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
    for name in (*toolkit._SUBPACKAGES, "plugins"):
        assert getattr(toolkit, name).__name__ == f"toolkit.{name}"
    with pytest.raises(AttributeError):
        toolkit.no_such_name
