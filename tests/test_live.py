"""Live sources: SQLite always, PostgreSQL when a server is reachable; the poller; the simulator; CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.errors import DataError
from toolkit.io.live import LivePoller, is_database_uri, load_database, read_database, simulate

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "sample_data" / "sample_messages.csv"
PG_ENV = "TOOLKIT_TEST_POSTGRES_URI"
COLUMNS = ("message_id", "conversation_id", "created_at", "direction", "channel", "customer_id", "is_bot", "text")


def _rows(n: int = 0) -> list[tuple]:
    return [
        (f"m{n + 1}", "c1", "2025-09-01T09:00:00Z", "inbound", "twitter", "u1", "false", "help please"),
        (f"m{n + 2}", "c1", "2025-09-01T09:01:00Z", "outbound", "twitter", None, "true", "Thanks for writing"),
        (f"m{n + 3}", "c2", "2025-09-01T09:02:00Z", "inbound", "email", "u2", "false", "invoice"),
        (f"m{n + 4}", "c2", "2025-09-01T09:10:00Z", "outbound", "email", None, "false", "Here it is"),
    ]


def _sqlite(tmp_path: Path, rows: list[tuple]) -> tuple[str, sqlite3.Connection]:
    path = tmp_path / "live.db"
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE messages ({', '.join(f'{c} TEXT' for c in COLUMNS)})")
    con.executemany(f"INSERT INTO messages VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    con.commit()
    return f"sqlite:///{path}", con


def test_uri_recognition_and_bad_uris(tmp_path: Path) -> None:
    assert is_database_uri("sqlite:///x.db") and is_database_uri("postgresql://h/db") and is_database_uri("postgres://h/db")
    assert not is_database_uri("x.csv") and not is_database_uri(Path("x.db"))
    with pytest.raises(DataError, match="sqlite:///relative"):
        read_database("sqlite://x.db")
    with pytest.raises(DataError, match="unsupported database URI"):
        read_database("mysql://u:pw@h/db")
    uri, _ = _sqlite(tmp_path, _rows())
    with pytest.raises(DataError, match="plain table name"):
        read_database(uri, table="messages; DROP TABLE messages")
    with pytest.raises(DataError, match="no such table: nope"):
        read_database(uri, table="nope")
    with pytest.raises(DataError, match="database folder does not exist"):
        read_database(f"sqlite:///{tmp_path}/missing/x.db")
    assert read_database(uri).height == 4  # nothing was dropped


def test_sqlite_reads_like_a_file(tmp_path: Path) -> None:
    uri, _ = _sqlite(tmp_path, _rows())
    result = load_database(uri)
    assert result.messages.height == 4 and result.messages["is_bot"].to_list() == [False, True, False, False]
    q = toolkit.queue(result.messages, as_of="2025-09-01T09:30:00Z", rules=[])
    # The bot's reply did not stop c1's wait; c2 was answered.
    assert q["conversation_id"].to_list() == ["c1"] and q["waited_s"].to_list() == [1800.0]


def test_poller_reads_only_new_rows(tmp_path: Path) -> None:
    uri, con = _sqlite(tmp_path, _rows()[:2])
    poller = LivePoller(uri)
    assert poller.messages is None
    assert poller.poll() == 2
    assert poller.poll() == 0 and poller.messages.height == 2
    con.executemany(f"INSERT INTO messages VALUES ({', '.join('?' * len(COLUMNS))})", _rows()[2:])
    con.commit()
    assert poller.poll() == 2 and poller.poll() == 0
    assert poller.messages["message_id"].to_list() == ["m1", "m2", "m3", "m4"] and poller.rows_read == 4


def test_poller_by_created_at_does_not_repeat_rows_at_the_last_time(tmp_path: Path) -> None:
    uri, con = _sqlite(tmp_path, _rows()[:1])
    poller = LivePoller(uri, watermark="created_at")
    assert poller.poll() == 1
    # Another message at exactly the last seen time, and a later one.
    con.execute("INSERT INTO messages VALUES ('m9', 'c9', '2025-09-01T09:00:00Z', 'inbound', 'chat', 'u9', 'false', 'hi')")
    con.commit()
    assert poller.poll() == 1 and poller.poll() == 0
    con.executemany(f"INSERT INTO messages VALUES ({', '.join('?' * len(COLUMNS))})", _rows()[1:])
    con.commit()
    assert poller.poll() == 3 and poller.poll() == 0
    assert sorted(poller.messages["message_id"].to_list()) == ["m1", "m2", "m3", "m4", "m9"]


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def test_simulator_compresses_time_onto_the_wall_clock(tmp_path: Path) -> None:
    wall0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    clock = FakeClock(wall0)
    uri = f"sqlite:///{tmp_path / 'sim.db'}"
    start = "2025-10-06T08:00:00Z"
    written = simulate(uri, SAMPLE, speed=60, start=start, limit=40, now=clock, sleep=clock.sleep)
    assert written == 40 and clock.sleeps  # it waited for the log's pace
    stored = read_database(uri)
    assert stored.height == 40 and "id" in stored.columns
    original = (
        pl.read_csv(SAMPLE, infer_schema_length=0)
        .with_columns(t=pl.col("created_at").str.to_datetime(time_zone="UTC"))
        .filter(pl.col("t") >= dt.datetime(2025, 10, 6, 8, tzinfo=dt.UTC))
        .sort("t", maintain_order=True)
        .head(40)
    )
    live = stored.get_column("created_at").str.to_datetime(time_zone="UTC")
    expected = [wall0 + (t - dt.datetime(2025, 10, 6, 8, tzinfo=dt.UTC)) / 60 for t in original["t"]]
    assert [abs((a - b).total_seconds()) < 1e-3 for a, b in zip(live, expected, strict=True)] == [True] * 40
    assert stored["message_id"].to_list() == original["message_id"].to_list()
    # Each message is written once its live time has come (never early).
    assert clock.now >= max(expected)


def test_simulator_backfill_and_bad_arguments(tmp_path: Path) -> None:
    clock = FakeClock(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
    uri = f"sqlite:///{tmp_path / 'sim.db'}"
    written = simulate(uri, SAMPLE, speed=1e9, start="2025-10-06T08:00:00Z", backfill=2, limit=30, now=clock, sleep=clock.sleep)
    stamps = read_database(uri)["created_at"].str.to_datetime(time_zone="UTC")
    assert written == 30 and stamps.min() < clock.now  # the backfilled part lies in the past
    for kwargs, message in (({"speed": 0}, "speed must be"), ({"limit": 0}, "limit must be"), ({"backfill": -1}, "backfill")):
        with pytest.raises(DataError, match=message):
            simulate(uri, SAMPLE, **kwargs)  # type: ignore[arg-type]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_simulate_then_queue_and_spike(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'live.db'}"
    sim = _cli("simulate", "--db", uri, "--speed", "1e9", "--start", "2025-10-06T08:00:00Z", "--limit", "300")
    assert sim.returncode == 0, sim.stderr
    assert "300 messages written" in sim.stderr
    out = _cli("queue", uri, "--sla", "twitter=60,default=120", "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows and {"conversation_id", "waited_s", "sla_due_at", "overdue", "priority", "reasons", "team"} <= set(rows[0])
    assert [r["priority"] for r in rows] == sorted((r["priority"] for r in rows), reverse=True)
    assert all(r["sla_target_s"] == (60.0 if r["channel"] == "twitter" else 120.0) for r in rows)
    csv = _cli("queue", uri, "--table", "messages", "--format", "csv", "--quiet", "--rules", str(toolkit.analysis.queue.DEFAULT_RULES_PATH))
    assert csv.returncode == 0 and csv.stdout.startswith("conversation_id,customer_id,channel"), csv.stderr
    spike = _cli("spike", uri, "--format", "json", "--quiet")
    assert spike.returncode == 0 and "is_spike" in json.loads(spike.stdout)[0], spike.stderr


def test_cli_queue_as_of_on_a_file_and_bad_input(tmp_path: Path) -> None:
    out = _cli("queue", str(SAMPLE), "--as-of", "2025-10-15T14:00:00Z", "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    messages = toolkit.read_messages(SAMPLE)
    expected = toolkit.queue(messages, as_of="2025-10-15T14:00:00Z")
    assert [r["conversation_id"] for r in rows] == expected["conversation_id"].to_list()
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nreason = "x"\nwhen = { vipp = true }\n')
    for args, message in (
        (["--rules", str(rules)], "did you mean 'vip'"),
        (["--sla", "twitter=soon"], "sla['twitter']"),
        (["--as-of", "noon"], "as_of must be a time"),
        (["--table", "t"], "--table only applies"),
    ):
        bad = _cli("queue", str(SAMPLE), *args, "--quiet")
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
    missing = _cli("queue", f"sqlite:///{tmp_path}/live.db", "--table", "nope", "--quiet")
    assert missing.returncode == 2 and "no such table" in missing.stderr


def test_cli_queue_with_customers(tmp_path: Path) -> None:
    messages = toolkit.read_messages(SAMPLE)
    as_of = "2025-10-15T14:00:00Z"
    plain = toolkit.queue(messages, as_of=as_of)
    last = plain["customer_id"][-1]
    customers = tmp_path / "customers.csv"
    pl.DataFrame({"customer_id": [last], "vip": ["true"], "followers": [5]}).write_csv(customers)
    out = _cli("queue", str(SAMPLE), "--as-of", as_of, "--customers", str(customers), "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    vip = next(r for r in rows if r["customer_id"] == last)
    assert "VIP customer" in vip["reasons"] and vip["team"] == "Priority care"


# --- PostgreSQL (a real server: CI starts one and sets TOOLKIT_TEST_POSTGRES_URI) ---------------


@pytest.fixture(scope="module")
def pg_uri() -> str:
    uri = os.environ.get(PG_ENV)
    if not uri:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against (CI's .ci/run starts one)")
    psycopg = pytest.importorskip("psycopg", reason="psycopg not installed")
    try:
        psycopg.connect(uri, connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL at {PG_ENV} not reachable: {str(exc).splitlines()[0]}")
    return uri


@pytest.fixture
def pg_table(pg_uri: str) -> Iterator[str]:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(pg_uri, autocommit=True) as con:
        con.execute(f'DROP TABLE IF EXISTS "{name}"')


def test_postgresql_typed_table_and_poller(pg_uri: str, pg_table: str) -> None:
    import psycopg

    with psycopg.connect(pg_uri, autocommit=True) as con:
        con.execute(
            f'CREATE TABLE "{pg_table}" (id BIGSERIAL PRIMARY KEY, message_id TEXT, conversation_id TEXT, '
            "created_at TIMESTAMPTZ, direction TEXT, channel TEXT, customer_id TEXT, is_bot BOOLEAN, text TEXT)"
        )
        insert = f'INSERT INTO "{pg_table}" ({", ".join(COLUMNS)}) VALUES ({", ".join(["%s"] * len(COLUMNS))})'
        typed = [(*r[:2], dt.datetime.fromisoformat(r[2]), *r[3:6], r[6] == "true", r[7]) for r in _rows()]
        con.cursor().executemany(insert, typed[:2])
        poller = LivePoller(pg_uri, table=pg_table)
        assert poller.watermark == "id" and poller.poll() == 2 and poller.poll() == 0
        con.cursor().executemany(insert, typed[2:])
        assert poller.poll() == 2
    messages = poller.messages
    assert messages["created_at"].dtype == pl.Datetime("us", "UTC") and messages["is_bot"].to_list() == [False, True, False, False]
    q = toolkit.queue(messages, as_of="2025-09-01T09:30:00Z", rules=[])
    assert q["conversation_id"].to_list() == ["c1"] and q["waited_s"].to_list() == [1800.0]


def test_postgresql_simulator_matches_sqlite(pg_uri: str, pg_table: str, tmp_path: Path) -> None:
    def run(uri: str, table: str) -> pl.DataFrame:
        clock = FakeClock(dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC))
        simulate(uri, SAMPLE, table=table, speed=1e9, start="2025-10-06T08:00:00Z", limit=200, now=clock, sleep=clock.sleep)
        return toolkit.queue(load_database(uri, table=table).messages, as_of=clock.now + dt.timedelta(minutes=1))

    on_pg = run(pg_uri, pg_table)
    on_sqlite = run(f"sqlite:///{tmp_path / 'sim.db'}", "messages")
    assert on_pg.height > 0 and on_pg.equals(on_sqlite)
    poller = LivePoller(pg_uri, table=pg_table)
    assert poller.poll() == 200 and poller.poll() == 0
    out = _cli("queue", pg_uri, "--table", pg_table, "--format", "json", "--quiet")
    assert out.returncode == 0 and json.loads(out.stdout), out.stderr


def test_postgresql_bad_table(pg_uri: str) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_database(pg_uri, table="no_such_table_here")
