"""Comparison splits as a registry: a new split is one registration, seen by parse_split,
compare, the CLI help and the app's chooser."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit
from tests.helpers import log
from toolkit.analysis.compare import (
    INSTANT_COLUMN,
    Split,
    SplitKind,
    parse_split,
    register_split,
    split_registry,
    split_syntax,
    unregister_split,
)
from toolkit.errors import ArgumentError, ColumnNotFoundError, DataError


def _odd_minutes(arg: str, ctx) -> Split:
    """Side a: rows whose instant has an odd minute (or a minute equal to ``arg``)."""

    def side(level: str, columns: list[str]) -> pl.Expr:
        minute = pl.col(INSTANT_COLUMN[level]).dt.minute()
        return minute == int(arg) if arg else minute % 2 == 1

    return Split("odd", "odd minutes", "even minutes", side)


@pytest.fixture
def odd_split():
    kind = register_split(SplitKind("odd", _odd_minutes, syntax="odd[:MINUTE]", label="Odd vs even minutes"),
                          aliases=("uneven",))
    yield kind
    unregister_split("odd")


def test_builtins_are_registered():
    assert list(split_registry())[:5] == ["peak", "hours", "before", "agent", "event"]
    assert split_registry()["before"].argument == "date"
    assert split_registry()["agent"].column == "agent_id"
    assert split_registry()["hours"].needs_calendar


def test_a_registered_split_is_parsed_compared_and_offered(odd_split):
    m = log([("c1", 0, "inbound"), ("c1", 2, "outbound"), ("c2", 1, "inbound"), ("c2", 11, "outbound")])
    assert parse_split("odd").a_label == "odd minutes"
    assert parse_split("UNEVEN").name == "odd"  # aliases, case-insensitive
    result = toolkit.compare(m, "odd", metrics=["frt_median_s"], n_boot=100)
    row = result.row(0, named=True)
    assert (row["a_label"], row["a"], row["b"]) == ("odd minutes", 600.0, 120.0)
    assert "odd[:MINUTE]" in split_syntax()
    assert "odd" in split_registry()


def test_the_cli_help_lists_the_registry(odd_split, capsys):
    from toolkit.cli import main

    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "odd[:MINUTE]" in out
    assert "before:YYYY-MM-DD" in out


def test_registering_twice_needs_replace(odd_split):
    with pytest.raises(DataError, match="already registered"):
        register_split(SplitKind("odd", _odd_minutes))
    register_split(SplitKind("odd", _odd_minutes, label="again"), replace=True)
    assert split_registry()["odd"].label == "again"


def test_unregister_removes_aliases(odd_split):
    unregister_split("odd")
    with pytest.raises(ArgumentError, match="is not a split"):
        parse_split("uneven")


def test_unknown_kind_hints_the_closest():
    with pytest.raises(ArgumentError, match=r"split='hour' is not a split; .* Hint: did you mean 'hours'\?"):
        parse_split("hour")


def test_column_split_typo_names_columns_and_kinds():
    m = log([("c1", 0, "inbound")])
    with pytest.raises(ColumnNotFoundError, match=r"'chanel' is no column and no kind of split .* Hint: did you mean 'channel'\?"):
        parse_split("chanel:twitter", m)
