"""The lazy loader (``load(path, lazy=True)``) gives exactly what the eager loader gives.

Same rows, same columns, same quality report, on clean files (the typed fast paths) and on messy
ones (the general path after a fast-path assumption fails), for CSV, Parquet and JSON lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import toolkit
from toolkit.errors import DataError
from toolkit.io import lazy as lazy_module
from toolkit.io.load import load


def _same(path: Path, **kwargs) -> toolkit.LoadResult:
    message = None
    try:
        eager = load(path, **kwargs)
    except DataError as exc:
        message = str(exc)
    if message is not None:
        with pytest.raises(DataError) as caught:
            load(path, lazy=True, **kwargs)
        assert str(caught.value) == message
        return None  # type: ignore[return-value]
    lazy = load(path, lazy=True, **kwargs)
    assert isinstance(lazy.messages, pl.LazyFrame)
    assert lazy.quality.summary() == eager.quality.summary()
    assert lazy.quality.input_rows == lazy.quality.used_rows + lazy.quality.dropped_rows
    assert lazy.mapping == eager.mapping and lazy.preset == eager.preset
    assert_frame_equal(lazy.messages.collect(), eager.messages)
    return lazy


def _canonical(n: int = 50) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "message_id": [f"m{i}" for i in range(n)],
            "conversation_id": [f"c{i // 3}" for i in range(n)],
            "created_at": [datetime(2025, 1, 6, 9, i % 60, tzinfo=UTC) for i in range(n)],
            "direction": ["inbound" if i % 3 == 0 else "outbound" for i in range(n)],
            "channel": ["chat"] * n,
            "customer_id": [f"u{i // 3}" for i in range(n)],
            "agent_id": [None if i % 3 == 0 else "a1" for i in range(n)],
            "is_bot": [i % 7 == 0 for i in range(n)],
            "note": [f"n{i}" for i in range(n)],
        }
    )


def test_clean_parquet_uses_the_scan_and_one_pass(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.parquet"
    _canonical().with_row_index("row_nr", offset=1).with_columns(pl.col("row_nr").cast(pl.Int64)).write_parquet(path)
    calls = []
    real = lazy_module._run
    monkeypatch.setattr(lazy_module, "_run", lambda *a, **k: calls.append(k["fast"]) or real(*a, **k))
    r = _same(path)
    assert calls == [True]  # the fast plan held: one aggregate pass
    assert r.quality.ok
    plan = r.messages.explain()
    assert "Parquet SCAN" in plan or "parquet" in plan.lower()


def test_clean_csv_is_scanned_not_read(tmp_path, monkeypatch) -> None:
    path = tmp_path / "m.csv"
    _canonical().with_columns(pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
    with monkeypatch.context() as m:
        m.setattr(Path, "read_bytes", lambda self: pytest.fail("whole file read into Python"))
        r = load(path, lazy=True)
        assert r.quality.input_rows == 50 and r.quality.used_rows == 50
        messages = r.messages.collect()
    assert_frame_equal(messages, load(path).messages)


MESSY = (
    "message_id,conversation_id,created_at,direction,channel,customer_id,agent_id,is_bot,csat\n"
    "1,c1,2025-01-06 09:00,in,Chat,u1,,no,5\n"
    "2.0,c1,2025-01-06 09:05:00+01:00,Out,chat, a1 ,,yes,x\n"
    "1,c1,2025-01-06 09:06,in,chat,u1,,maybe,\n"
    ",,,,,,,,\n"
    "3,c2,not a time,in,chat,u2,,,\n"
    "4,c2,   ,in,chat,u2,,,\n"
    "\"1,234\",c2,06/01/2025 10:00,sideways,chat,u2,,,\n"
    "6,c3,2025-01-06 11:00,,chat,u3,,,\n"
    "7,,2025-01-06 11:00,in,chat,u3,,,\n"
    ",c4,2025-01-06 12:00,out,chat,u4,,,4\n"
    "9,c4,1736150400,in,chat,u4,,,\n"
)


def test_messy_csv_same_report_as_eager(tmp_path, monkeypatch) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(MESSY)
    calls = []
    real = lazy_module._run
    monkeypatch.setattr(lazy_module, "_run", lambda *a, **k: calls.append(k["fast"]) or real(*a, **k))
    r = _same(path, timezone="Europe/Paris")
    assert calls == [True, False]  # the fast plan's assumptions fail: the general plan counts
    summary = r.quality.summary()
    for words in ("empty row", "unparseable", "duplicate", "not a direction", "row-<n>", "thousands", "csat"):
        assert words in summary, summary


def test_messy_parquet_and_ndjson_same_as_eager(tmp_path) -> None:
    frame = pl.read_csv(MESSY.encode(), infer_schema=False)
    frame.write_parquet(tmp_path / "messy.parquet")
    frame.write_ndjson(tmp_path / "messy.jsonl")
    _same(tmp_path / "messy.parquet")
    _same(tmp_path / "messy.jsonl")


def test_errors_are_the_same(tmp_path) -> None:
    (tmp_path / "bad_times.csv").write_text("message_id,conversation_id,created_at,direction\n1,c,x,in\n2,c,y,out\n")
    (tmp_path / "bad_dir.csv").write_text("message_id,conversation_id,created_at,direction\n1,c,2025-01-01,up\n2,c,2025-01-01,down\n")
    (tmp_path / "empty.csv").write_text("message_id,conversation_id,created_at,direction\n,,,\n")
    for name in ("bad_times.csv", "bad_dir.csv", "empty.csv"):
        with pytest.raises(DataError):
            load(tmp_path / name, lazy=True)
        _same(tmp_path / name)


def test_fallbacks_still_lazy_and_exact(tmp_path) -> None:
    # reply chains (twcs), cp1252 text, ragged rows: the eager loader, wrapped.
    (tmp_path / "replies.csv").write_text(
        "message_id,in_reply_to,created_at,direction\na,,2025-01-06 09:00,in\nb,a,2025-01-06 09:05,out\n"
    )
    (tmp_path / "cp.csv").write_bytes("message_id,conversation_id,created_at,direction,text\n1,c,2025-01-06,in,caf\xe9\n".encode("cp1252"))
    (tmp_path / "ragged.csv").write_text("message_id,conversation_id,created_at,direction\n1,c,2025-01-06,in,extra\n")
    for name in ("replies.csv", "cp.csv", "ragged.csv"):
        _same(tmp_path / name)


_values = st.sampled_from(["", " ", "in", "out", "inbound", "outbound", "x", "1", "1.0", "1,234", "c1", " c1",
                           "2025-01-06 09:00", "2025-01-06T09:00:00Z", "06/01/2025 10:00", "true", "no", "Chat"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(*[_values] * 6), min_size=1, max_size=12), fmt=st.sampled_from(["csv", "parquet"]))
def test_property_lazy_equals_eager(tmp_path, rows, fmt) -> None:
    cols = ["message_id", "conversation_id", "created_at", "direction", "channel", "is_bot"]
    frame = pl.DataFrame(rows, schema=cols, orient="row")
    path = tmp_path / f"p.{fmt}"
    if fmt == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    _same(path)


def test_a_capitalised_channel_in_clean_parquet_is_lowercased(tmp_path) -> None:
    # The fast path checks the channel's distinct values for capitals; one is enough to take the
    # general path, which writes channels in lower case like the eager loader.
    frame = _canonical().with_columns(channel=pl.when(pl.int_range(pl.len()) == 40).then(pl.lit("Chat")).otherwise(pl.col("channel")))
    frame.write_parquet(tmp_path / "cap.parquet")
    r = _same(tmp_path / "cap.parquet")
    assert r.messages.select(pl.col("channel").unique()).collect()["channel"].to_list() == ["chat"]


def test_the_quality_pass_engine_follows_the_memory_available(tmp_path, monkeypatch) -> None:
    # A Parquet's quality pass runs in memory when the log fits (faster) and streams when it does
    # not; the report and the messages are the same either way (and the same as the eager loader's).
    import toolkit._frames as frames

    frame = pl.read_csv(MESSY.encode(), infer_schema=False)
    frame.write_parquet(tmp_path / "messy.parquet")
    _canonical().write_parquet(tmp_path / "clean.parquet")
    seen: list[str] = []
    real = frames.collect_engine
    monkeypatch.setattr(lazy_module, "collect_engine", lambda rows: seen.append(real(rows)) or seen[-1])
    for available in (64 * 2**30, 1000):
        monkeypatch.setattr(frames, "available_memory", lambda available=available: available)
        for name in ("messy.parquet", "clean.parquet"):
            _same(tmp_path / name)
    assert seen == ["in-memory", "in-memory", "streaming", "streaming"]
