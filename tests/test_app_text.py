"""What a manager reads: every page, on the sample and on a real export, shows no developer text.

Each page is rendered with AppTest, once on the bundled sample and once opened on the real
Twitter excerpt the way a user would (``streamlit run app.py -- twcs_head.csv``); the visible
text (titles, sentences, cards, table headers and cells, expanders, buttons) must not contain
"None", "nan", "inf", numbers in scientific notation, code, function names or command-line flags.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "app.py")
PAGES = [
    "app_pages/overview.py",
    "app_pages/response_times.py",
    "app_pages/volume.py",
    "app_pages/agents.py",
    "app_pages/sentiment.py",
    "app_pages/channels.py",
    "app_pages/compare.py",
    "app_pages/outcomes.py",
    "app_pages/data.py",
]
TIMEOUT = 240

#: What must never reach a reader, with why.
FORBIDDEN = {
    "None": re.compile(r"\bNone\b"),
    "nan": re.compile(r"\bnan\b", re.IGNORECASE),
    "inf": re.compile(r"(?<![\w.])-?inf\b", re.IGNORECASE),
    "scientific notation": re.compile(r"\b\d+(\.\d+)?e[+-]?\d+\b", re.IGNORECASE),
    "code": re.compile(r"`|\btoolkit\.\w|\w\(\)|\bdef \w|import \w"),
    "a command-line flag": re.compile(r"(?<![\w-])--[a-z][\w-]+"),
    "an internal name": re.compile(r"\b[a-z]+(?:_[a-z0-9]+)*_(?:s|seconds|rate|share|median|p90|mean|id|at)\b"),
}


def _cells(df: Any) -> list[str]:
    out = [str(c) for c in df.columns]
    for col in df.columns:
        if df[col].dtype == object:
            out.extend(str(x) for x in df[col].tolist() if x is not None)
        else:
            out.extend(str(x) for x in df[col].tolist())
    return out


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def visible_text(at: AppTest) -> list[str]:
    """Every string a reader sees on the page (table cells included)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        # As rendered: escaped untrusted text (``my\\_export\\.csv``) reads without its backslashes.
        out.extend(_MD_ESCAPE.sub(r"\1", str(e.value)) for e in getattr(at, kind))
    for m in at.metric:
        out.extend(str(x) for x in (m.label, m.value, m.delta) if x is not None)
    for e in at.expander:
        out.append(str(e.label))
    for b in at.button:
        out.append(str(b.label))
    for d in at.dataframe:
        out.extend(_cells(d.value))
    for t in at.table:
        out.extend(_cells(t.value))
    return out


_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def problems(texts: list[str], *, column_names_allowed: bool = False) -> list[str]:
    """What a reader should not see. ``column_names_allowed``: the Data page lists the file's
    own columns (and the columns they map to) as they are."""
    found = []
    for text in texts:
        if column_names_allowed and _IDENTIFIER.fullmatch(text):
            continue
        for what, pattern in FORBIDDEN.items():
            hit = pattern.search(text)
            if hit:
                found.append(f"{what}: {hit.group(0)!r} in {text[:160]!r}")
    return found


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.getbasetemp() / "app_text_data"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(path))
    return path


def render(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page != PAGES[0]:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_sample_pages_speak_plainly(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["pytest"])
    at = render(page)
    assert not problems(visible_text(at), column_names_allowed=page.endswith("data.py"))


@pytest.mark.parametrize("page", PAGES)
def test_real_export_pages_speak_plainly(page: str, realdata: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = realdata / "twcs_head.csv"
    if not log.is_file():
        pytest.skip(f"{log} absent")
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    at = render(page)
    assert "twcs_head.csv" in " ".join(visible_text(at)), "the app opens on the file given on the command line"
    assert not at.error, [e.value for e in at.error]
    assert not problems(visible_text(at), column_names_allowed=page.endswith("data.py"))


def test_the_patterns_catch_what_they_should() -> None:
    bad = ["p = None", "nan min", "ratio inf", "p = 8.5e-12", "call `toolkit.add_sentiment(messages)`",
           "pass --hours and --timezone", "frt_median_s", "customer_service_share"]
    assert all(problems([t]) for t in bad)
    good = ["47 min", "p < 0.001", "3.2x", "Nonetheless", "information", "first response (median)", "2,778 messages"]
    assert not problems(good)


def test_opens_straight_on_a_file_or_a_stored_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """``streamlit run app.py -- PATH`` (or a store id) opens on that log, owned (not read-only)."""
    import polars as pl

    from app_pages import common
    from toolkit.app_state.store import DatasetStore

    sample = Path(APP).parent / "sample_data" / "sample_messages.csv"
    log = tmp_path / "my_export.csv"
    pl.read_csv(sample, infer_schema_length=0).head(1500).write_csv(log)
    assert common.startup_argument(["app.py", str(log)]) == str(log)
    assert common.startup_argument(["/usr/bin/pytest", "tests/test_x.py"]) is None
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    at = render(PAGES[0])
    text = " ".join(visible_text(at))
    assert "my_export.csv" in text and "Shared view of" not in text
    stored = at.session_state["view"].dataset
    assert DatasetStore(data_dir).exists(stored)

    monkeypatch.setattr(sys, "argv", ["app.py", stored])
    again = render(PAGES[0])
    assert again.session_state["view"].dataset == stored

    monkeypatch.setattr(sys, "argv", ["app.py", str(tmp_path / "missing.csv")])
    missing = render(PAGES[0])
    assert any("No log file or stored dataset" in e.value for e in missing.error)
    assert missing.session_state["view"].dataset == "sample"
