"""Every URL parameter is validated: a bad one is ignored with a visible note, never a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from toolkit.app_state.view import ViewState, parse_events

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _ignored(params: dict[str, str]) -> dict[str, str]:
    return {i.name: i.reason for i in ViewState.decode(params)[1]}


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"x.every": "7y"}, {"x.every"}),
        ({"events": "y:1900-01-01..9999-12-31"}, {"events"}),
        ({"tz": "Mars/Olympus", "open": "24/7"}, {"tz"}),
        ({"open": "mon-fri 25:00-26:00"}, {"open"}),
        ({"holidays": "XX-NOPE"}, {"holidays"}),
        ({"sla": "nan"}, {"sla"}),
        ({"sla": "0.5"}, {"sla"}),
        ({"sla": "1e9"}, {"sla"}),
        ({"from": "2025-02-30", "to": "0001-01-01"}, {"from", "to"}),
        ({"from": "2025-03-02", "to": "2025-03-01"}, {"to"}),
        ({"hours": "sometimes"}, {"hours"}),
        ({"split": "before:someday"}, {"split"}),
        ({"split": "<b>x</b>"}, {"split"}),
        ({"x.window": "365"}, {"x.window"}),
        ({"x.whatif": "sun 10:00-99:00"}, {"x.whatif"}),
        ({"nonsense": "1"}, {"nonsense"}),
        ({"channels": "a" * 2001}, {"channels"}),
    ],
)
def test_bad_parameters_are_ignored_and_named(params, bad):
    view, ignored = ViewState.decode(params)
    assert {i.name for i in ignored} == bad
    assert all(i.reason for i in ignored)
    default = ViewState()
    for name in bad:
        field = {"x.every": "extra", "x.window": "extra", "x.whatif": "extra", "tz": "timezone", "open": "opening_hours",
                 "sla": "sla_minutes", "from": "start", "to": "end", "channels": "channels"}.get(name, name)
        if hasattr(default, field):
            assert getattr(view, field) == getattr(default, field), name


def test_good_parameters_round_trip_without_notes():
    v = ViewState(
        dataset="sample", start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30), channels=("twitter", "email"),
        hours="in", timezone="Europe/Paris", opening_hours="mon-fri 09:00-18:00", holidays="FR,2025-12-24",
        sla_minutes=30, events=parse_events("Sale: 2025-09-02..2025-09-03")[0], split="before:2025-09-15",
        extra=(("every", "1d"), ("whatif", "sun 10:00-16:00"), ("window", "all")),
    )
    assert ViewState.decode(v.to_params()) == (v, ())
    assert _ignored({"open": "24/7", "embed": "true", "x.other": "kept for its page"}) == {}


def test_events_out_of_range_are_not_events():
    events, bad = parse_events("y: 1900-01-01..9999-12-31\nok: 2025-01-01..2025-01-02")
    assert [e.name for e in events] == ["ok"] and bad == ["y: 1900-01-01..9999-12-31"]


@pytest.mark.parametrize(
    ("page", "params", "named"),
    [
        ("volume", {"x.every": "7y"}, "x.every"),
        ("overview", {"events": "y:1900-01-01..9999-12-31"}, "events"),
        ("overview", {"tz": "Mars/Olympus", "open": "24/7"}, "tz"),
        ("response_times", {"sla": "0.01", "x.whatif": "[x](http://evil.example)"}, "x.whatif"),
    ],
)
def test_crafted_links_show_a_note_not_a_traceback(page, params, named):
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(w.value for w in at.warning)
    assert "ignored" in notes and named.replace(".", "\\.") in notes
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.title
