"""One Event class and one text grammar, read in both spellings everywhere events are typed."""

from __future__ import annotations

import datetime as dt

import pytest

import toolkit
from toolkit.analysis import peaks
from toolkit.app_state import view
from toolkit.app_state.view import ViewState
from toolkit.calendar.events import Event, parse_event, parse_events
from toolkit.errors import ArgumentError

SALE = Event("Sale", dt.date(2025, 1, 2), dt.date(2025, 1, 5))


def test_one_class_everywhere():
    assert view.Event is peaks.Event is toolkit.Event is Event


@pytest.mark.parametrize(
    "text",
    [
        "Sale: 2025-01-02..2025-01-05",  # the app's spelling
        "Sale=2025-01-02..2025-01-05",  # the command line's spelling
        "  Sale =2025-01-02 to 2025-01-05 ",
        "Sale: 2025-01-05/2025-01-02",  # reversed dates are swapped
    ],
)
def test_both_spellings_read_the_same_event(text):
    assert parse_event(text) == SALE


def test_written_in_one_grammar_and_read_back():
    assert SALE.to_text() == "Sale: 2025-01-02..2025-01-05"
    assert parse_event(SALE.to_text()) == SALE
    named = Event("Q&A: live", dt.date(2025, 1, 2), dt.date(2025, 1, 2))
    assert parse_event(named.to_text()) == named  # a colon inside the name survives


def test_a_datetime_event_has_first_and_last_days():
    e = Event("Outage", dt.datetime(2025, 1, 2, 22), dt.datetime(2025, 1, 4, 0))
    assert (e.first, e.last) == (dt.date(2025, 1, 2), dt.date(2025, 1, 3))


def test_bad_text_names_the_value_and_the_form():
    with pytest.raises(ArgumentError, match=r"event='Sale 2025-01-02' is not an event; write NAME: YYYY-MM-DD\.\.YYYY-MM-DD"):
        parse_event("Sale 2025-01-02")
    events, bad = parse_events("Sale=2025-01-02..2025-01-05; nonsense")
    assert events == (SALE,) and bad == ["nonsense"]


def test_url_round_trip_accepts_the_cli_spelling():
    v = ViewState.from_params({"events": "Sale=2025-01-02..2025-01-05"})
    assert v.events == (SALE,)
    assert ViewState.from_params(v.to_params()) == v


def test_the_cli_reads_the_app_spelling(capsys):
    from toolkit.cli import main

    code = main(["peaks", "sample_data/sample_messages.csv", "--bucket", "day", "--format", "csv",
                 "--event", "Black Friday: 2025-11-28..2025-12-01"])
    assert code == 0, capsys.readouterr().err
    assert "Black Friday" in capsys.readouterr().out
