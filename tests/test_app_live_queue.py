"""AppTest of the "Live queue" page: the sample as of a time, a live SQLite database, the spike banner."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "app.py")
PAGE = "app_pages/live_queue.py"
COLUMNS = ("message_id", "conversation_id", "created_at", "direction", "channel", "customer_id", "is_bot", "text")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.getbasetemp() / "app_data"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(path))
    return path


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def test_sample_as_of_its_last_message_and_an_earlier_time() -> None:
    at = _page()
    assert at.title[0].value == "Live queue"
    waiting = _metric(at, "Waiting")
    table = at.dataframe[0].value
    assert len(table) == min(waiting, 2000) > 0  # the most urgent 2,000 listed, all counted
    assert {"status", "due", "waited", "priority", "reasons", "team", "latest message"} <= set(table.columns)
    # Waits read as durations ("overdue by 2 h 5 min", "in 12 min"), not as thousands of minutes.
    assert all(str(x).startswith(("overdue by ", "in ")) for x in table["due"])
    assert not any(str(x).startswith("-") for x in table["waited"])
    assert list(table["priority"]) == sorted(table["priority"], reverse=True)
    at.date_input(key="lq_date").set_value(dt.date(2025, 10, 15)).run()
    at.time_input(key="lq_time").set_value(dt.time(14, 0)).run()
    assert not at.exception
    assert _metric(at, "Waiting") != waiting
    # Filter by team.
    at.multiselect(key="lq_teams").set_value(["Billing"]).run()
    assert set(at.dataframe[0].value["team"]) == {"Billing"}


def _db(tmp_path: Path) -> tuple[str, sqlite3.Connection]:
    con = sqlite3.connect(tmp_path / "live.db")
    con.execute(f"CREATE TABLE messages ({', '.join(f'{c} TEXT' for c in COLUMNS)})")
    return f"sqlite:///{tmp_path / 'live.db'}", con


def _insert(con: sqlite3.Connection, rows: list[tuple]) -> None:
    con.executemany(f"INSERT INTO messages VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    con.commit()


def test_live_database_picks_up_new_messages(tmp_path: Path) -> None:
    uri, con = _db(tmp_path)
    now = dt.datetime.now(dt.UTC)
    stamp = (now - dt.timedelta(minutes=5)).isoformat()
    _insert(con, [("m1", "c1", stamp, "inbound", "twitter", "u1", "false", "hello **bold** [link](http://x)")])
    at = _page()
    at.segmented_control(key="lq_source").set_value("database").run()
    at.text_input(key="lq_uri").set_value(uri).run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["conversation"]) == ["c1"]
    # The customer's text is shown as data in the table, never as markdown.
    assert all("bold" not in md.value for md in at.markdown)
    _insert(con, [("m2", "c2", now.isoformat(), "inbound", "email", "u2", "false", "URGENT aiuto")])
    at.run()
    table = at.dataframe[0].value
    assert list(table["conversation"]) == ["c2", "c1"]  # the urgent one first
    assert "urgent words" in table["reasons"][0]


def test_spike_banner_and_bad_uri(tmp_path: Path) -> None:
    uri, con = _db(tmp_path)
    now = dt.datetime.now(dt.UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    history = [(f"h{w}", f"h{w}", (hour - dt.timedelta(weeks=w)).isoformat(), "inbound", "chat", f"u{w}", "false", "hi") for w in (1, 2, 3)]
    burst = [(f"b{i}", f"b{i}", (hour + (now - hour) * i / 40).isoformat(), "inbound", "chat", f"v{i}", "false", "hi") for i in range(40)]
    _insert(con, history + burst)
    at = _page()
    at.segmented_control(key="lq_source").set_value("database").run()
    at.text_input(key="lq_uri").set_value(uri).run()
    assert not at.exception, [e.value for e in at.exception]
    banner = " ".join(w.value for w in at.warning)
    assert "Spike: 40 customer messages so far this hour" in banner and "agents" in banner
    at.text_input(key="lq_uri").set_value("sqlite:///" + str(tmp_path / "no" / "x.db")).run()
    assert not at.exception
    assert any("database folder does not exist" in t.value for t in at.text)
