"""Presets as plug-ins: one file per preset, a registry, header detection, per-preset hooks."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit.errors import DataError
from toolkit.io.presets import PRESETS, Preset, detect_preset, get_preset, register_preset
from toolkit.io.presets.generic import GENERIC_COLUMNS

PRESET_DIR = Path(toolkit.__file__).parent / "io" / "presets"


def test_builtin_presets_are_one_file_each_and_registered() -> None:
    files = {p.stem for p in PRESET_DIR.glob("*.py") if not p.name.startswith("_")}
    assert {"generic", "twcs"} <= files
    assert files <= set(PRESETS)
    assert next(iter(PRESETS)) == "generic"


def test_load_has_no_preset_specific_branches() -> None:
    source = (Path(toolkit.__file__).parent / "io" / "load.py").read_text()
    tree = ast.parse(source)
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert "twcs" not in names
    assert "preset.name ==" not in source and "preset.name !=" not in source


def test_detection_from_the_header() -> None:
    assert detect_preset(["tweet_id", "author_id", "inbound", "created_at", "text"]) == "twcs"
    assert detect_preset(["Tweet ID", "Author-Id", "INBOUND", "Created At"]) == "twcs"
    assert detect_preset(["tweet_id", "inbound", "created_at"]) == "generic"  # author_id missing
    with pytest.raises(DataError, match=r"Unknown preset 'nope'.*generic.*twcs"):
        get_preset("nope", [])


@dataclass(frozen=True)
class _ShoutPreset(Preset):
    """A made-up export: 'who' is the author, 'when'/'way' the time and direction; its own
    post-processing upper-cases the brand taken from a fixed account."""

    def finish(self, frame: pl.DataFrame | pl.LazyFrame, author: str | None) -> pl.DataFrame | pl.LazyFrame:
        return frame.with_columns(brand=pl.lit("ACME"), customer_id=pl.col("customer_id").str.to_uppercase())


@pytest.fixture
def shout():
    preset = register_preset(
        _ShoutPreset(
            name="shout",
            description="A made-up export.",
            columns={**GENERIC_COLUMNS, "author": ("who",), "created_at": ("when",), "direction": ("way",)},
            signature=frozenset({"who", "when", "way"}),
            channel="chat",
        )
    )
    yield preset
    del PRESETS["shout"]


def test_a_new_preset_is_one_registration_and_load_uses_its_hooks(shout) -> None:
    csv = b"who,when,way,thread\nann,2025-01-06 09:00,in,t1\nbob,2025-01-06 09:05,out,t1\n"
    r = toolkit.load(csv)
    assert r.preset == "shout"
    m = r.messages.sort("row_nr")
    assert m["brand"].to_list() == ["ACME", "ACME"]
    assert m["customer_id"].to_list() == ["ANN", None]  # default fill_author, then finish
    assert m["agent_id"].to_list() == [None, "bob"]
    assert m["channel"].to_list() == ["chat", "chat"]
    assert r.mapping["customer_id"] == "who" and r.mapping["agent_id"] == "who"


def test_register_refuses_silent_redefinition(shout) -> None:
    with pytest.raises(ValueError, match="exists already"):
        register_preset(Preset("shout", "again", GENERIC_COLUMNS))
    with pytest.raises(ValueError, match="lower case"):
        register_preset(Preset("Bad Name", "x", GENERIC_COLUMNS))


def test_twcs_preset_reports_author_as_customer_and_brand() -> None:
    csv = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,c1,True,Mon Jan 06 09:00:00 +0000 2025,@Acme help,2,\n"
        "2,Acme,False,Mon Jan 06 09:10:00 +0000 2025,@c1 on it ^GA,,1\n"
    )
    r = toolkit.load(csv.encode())
    assert r.preset == "twcs"
    assert r.mapping["customer_id"] == "author_id" and r.mapping["brand"] == "author_id"
    assert "agent_id" not in r.mapping
    m = r.messages.sort("row_nr")
    assert m["brand"].to_list() == ["Acme", "Acme"]
    assert m["agent_id"].to_list() == [None, "GA"]
    assert m["customer_id"].to_list() == ["c1", None]
