"""Untrusted text (file names, data values, URL parameters) renders as text on every page."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from tests.untrusted import (
    EVENT,
    FILENAME,
    FORMAT,
    HTML,
    IMAGE,
    LINK,
    assert_no_injected_markup,
    injected_markup,
)
from toolkit.app_state.store import DatasetStore
from toolkit.io.load import load
from toolkit.present.markdown import escape_markdown

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["overview", "response_times", "volume", "agents", "sentiment", "channels", "outcomes", "live_queue", "compare", "data"]
_MD = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def _rendered_text(source: str) -> tuple[set[str], str]:
    """Token kinds and the plain text markdown-it makes of ``source``."""
    kinds: set[str] = set()
    text: list[str] = []
    for tok in _MD.parse(source):
        kinds.add(tok.type)
        for child in tok.children or []:
            kinds.add(child.type)
            text.append(child.content if child.type == "text" else " ")
    return kinds, "".join(text)


@given(st.text(max_size=80) | st.sampled_from([FILENAME, HTML, FORMAT, EVENT, "    indented", "# h\n- x\n> q", "&amp; &#65;"]))
def test_escaped_text_renders_as_exactly_its_characters(value):
    kinds, text = _rendered_text(escape_markdown(value))
    assert kinds <= {"paragraph_open", "inline", "paragraph_close", "text"}, kinds
    assert text == " ".join(value.split()).replace("\x00", "\ufffd")  # CommonMark: NUL is U+FFFD


def test_escape_keeps_plain_words_readable():
    assert escape_markdown("Black Friday 2025") == "Black Friday 2025"
    assert escape_markdown(None) == "None"
    assert injected_markup(f"**File:** {escape_markdown(FILENAME)}") == []
    assert injected_markup(f"**File:** {FILENAME}"), "the checker sees the unescaped attack"


# ---- every page, with a crafted file name, crafted data values and crafted URL parameters ------


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A stored dataset whose file name and channel/brand/category/agent values are attacks."""
    data_dir = tmp_path_factory.mktemp("untrusted_store")
    sample = pl.read_csv(ROOT / "sample_data" / "sample_messages.csv", infer_schema_length=0).head(2500)
    messages = load(sample.write_csv().encode(), filename="log.csv").messages
    channels = messages["channel"].unique().sort().to_list()
    brands = messages["brand"].unique().sort().to_list()
    messages = messages.with_columns(
        pl.col("channel").replace({channels[0]: LINK, channels[1]: HTML, channels[2]: FORMAT}),
        pl.col("brand").replace({brands[0]: IMAGE}),
        pl.col("category").str.replace(r"^", f"{LINK} "),
        pl.col("agent_id").str.replace(r"^", "![a](http://evil.example/a.png)"),
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOOLKIT_DATA_DIR", str(data_dir))
        yield DatasetStore(data_dir).save(messages, {"filename": FILENAME, "preset": f"generic {LINK}", "timezone": HTML})


def _run(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_crafted_names_values_and_links_render_no_markup(crafted: str, page: str) -> None:
    params = {
        "ds": crafted,
        "events": f"{EVENT}: 2025-09-02..2025-09-03",
        "split": {"compare": f"channel:{LINK}"}.get(page, ""),
        "x.whatif": f"sun {LINK}",
        "holidays": f"{IMAGE}",
    }
    at = _run(page, {k: v for k, v in params.items() if v})
    assert assert_no_injected_markup(at) > 3
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert re.search(r"Q3 \\!\\\[x\\\]", shown), "the file name is shown, escaped"


@pytest.mark.parametrize("params", [
    {"split": f"event:{EVENT}", "events": f"{EVENT}: 2025-09-02..2025-09-03"},
    {"tz": LINK},
    {"open": f"mon {IMAGE}"},
    {"split": f"before:{LINK}"},
])
def test_crafted_url_parameters_alone_render_no_markup(params: dict[str, str]) -> None:
    at = _run("compare", params)
    assert_no_injected_markup(at)


def test_upload_with_a_crafted_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(tmp_path))
    sample = pl.read_csv(ROOT / "sample_data" / "sample_messages.csv", infer_schema_length=0).head(500)
    buf = io.BytesIO()
    sample.with_columns(pl.col("channel").str.replace(r"^", f"{LINK} ")).write_csv(buf)
    at = _run("data", {})
    at.file_uploader(key="upload_file").set_value((FILENAME, buf.getvalue(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert_no_injected_markup(at)
    at.button(key="upload_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert_no_injected_markup(at)
    assert os.listdir(tmp_path)
