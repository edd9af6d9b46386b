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
    "an abbreviation": re.compile(r"\b(?:90th pct|p90|frt)\b"),
    "a raw p-value": re.compile(r"\bp\s*[=<]\s*0(?:[.,]0*)?(?![.,]?\d)"),
    "a regular expression": re.compile(r"\\b|\(\?[:i]"),
    "a sentence contradicting its test": re.compile(r"No significant difference[^.]*\bp = 0[.,]0[0-4]"),
    "a far-out note that disagrees with the KPIs": re.compile(r"count in the KPIs|are not drawn"),
}

#: Statistics' names: one click away in a "How we know" detail, never in the page's own words.
JARGON = re.compile(
    r"robust z|z-score|z-test|Benjamini|Hochberg|Mann[-–]Whitney|Kaplan|Meier|Fisher exact|Wilcoxon|bootstrap|censor",
    re.IGNORECASE,
)


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
        if m.proto.help:  # the card's "?" help, what a reader hovers to learn what it means
            out.append(str(m.proto.help))
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


def how_we_know_text(at: AppTest) -> list[str]:
    """What the "How we know" details hold (the statistics behind a claim, for who opens them)."""
    out: list[str] = []
    for e in at.expander:
        if str(e.label).startswith("How we know"):
            out.extend(_MD_ESCAPE.sub(r"\1", str(x.value)) for kind in ("markdown", "caption") for x in getattr(e, kind))
            for d in e.dataframe:
                out.extend(_cells(d.value))
    return out


def page_words(at: AppTest) -> list[str]:
    """The visible text outside the "How we know" details."""
    inside = how_we_know_text(at)
    out = []
    for text in visible_text(at):
        if text in inside:
            inside.remove(text)
        else:
            out.append(text)
    return out


def jargon(texts: list[str]) -> list[str]:
    return [f"statistics jargon: {hit.group(0)!r} in {t[:160]!r}" for t in texts if (hit := JARGON.search(t))]


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
    assert not jargon(page_words(at))


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
    assert not jargon(page_words(at))


@pytest.mark.parametrize("page", ["app_pages/volume.py", "app_pages/compare.py"])
def test_real_export_is_too_thin_for_peaks_and_says_so(page: str, realdata: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """twcs_head: most messages sit in a few days, the usual level of a weekday is 0-1 message.
    No day is called a peak, no "27x faster during peaks": a plain sentence says why."""
    log = realdata / "twcs_head.csv"
    if not log.is_file():
        pytest.skip(f"{log} absent")
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    at = render(page)
    if page.endswith("compare.py"):
        # Compare opens on a comparison this log can make; peak vs normal, chosen, says why not.
        assert at.selectbox(key="cmp_kind").value != "peak"
        at.selectbox(key="cmp_kind").set_value("peak").run()
        assert not at.exception
    text = " ".join(visible_text(at))
    assert "Too few messages to find peaks" in text
    assert "during peaks" not in text and "faster" not in text
    if page.endswith("volume.py"):
        assert not any("first_day" in str(d.value.columns) or "Peak" in str(d.value.columns) for d in at.dataframe)
        # 36% of the replies carry an agent sign-off: no "145 hours short of agents" from an undercount.
        assert not at.warning and "only 36% of replies name their agent" in text


def test_real_export_opens_its_kpis_on_the_busy_weeks(realdata: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """twcs_head spans 118 days but three quarters of its messages came before its last 28 days:
    the Overview opens on the whole range, not on a quarter of the data."""
    log = realdata / "twcs_head.csv"
    if not log.is_file():
        pytest.skip(f"{log} absent")
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    at = render(PAGES[0])
    caption = next(t for t in visible_text(at) if "inbound messages" in t)
    assert caption.startswith("8 Aug – 3 Dec 2017: 2,776 of 2,776 inbound messages"), caption


def test_the_patterns_catch_what_they_should() -> None:
    bad = ["p = None", "nan min", "ratio inf", "p = 8.5e-12", "call `toolkit.add_sentiment(messages)`",
           "pass --hours and --timezone", "frt_median_s", "customer_service_share", "First response (90th pct)",
           "ht p90", "p = 0", "(p = 0.000)", r"\bgive us a (?:call|ring)\b",
           "No significant difference in median first response time (47m vs 53m, p = 0.019).",
           "10 early messages before 26 Sep 2017 are not drawn (a sparse tail); they count in the KPIs."]
    assert all(problems([t]) for t in bad), [t for t in bad if not problems([t])]
    good = ["47 min", "p < 0.001", "3.2x", "Nonetheless", "information", "first response (median)", "2,778 messages",
            "p = 0.019", "p = 0.05", "art gallery", "No significant difference in replies (47 min vs 53 min, p = 0.31)."]
    assert not problems(good), problems(good)
    assert all(jargon([t]) for t in ("robust z +4.5", "Mann-Whitney p < 0.001", "after Benjamini-Hochberg", "(Kaplan-Meier)"))
    assert not jargon(["distance from peers", "the chance of a gap this large"])


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


def test_real_export_far_out_dates_one_rule_one_wording(realdata: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """twcs_head has a 2011 and two 2016 tweets in a 2017 log: the data-quality report flags 3
    rows, and every page says, in the same words, that those 3 are left out of every figure."""
    import toolkit
    from toolkit.io.timestamps import FAR_OUT_REASON

    log = realdata / "twcs_head.csv"
    if not log.is_file():
        pytest.skip(f"{log} absent")
    (flagged,) = [i.rows for i in toolkit.load(log).quality.issues if i.reason == FAR_OUT_REASON]
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    notes = []
    for page in ("app_pages/overview.py", "app_pages/volume.py", "app_pages/response_times.py", "app_pages/data.py"):
        at = render(page)
        texts = visible_text(at)
        mine = [t for t in texts if "left out of every figure" in t]
        assert len(mine) == 1, (page, mine)
        notes.append(mine[0])
        assert not [t for t in texts if re.search(r"count in the KPIs|not drawn|far from the rest", t)], page
        if page.endswith("volume.py"):
            # No peak periods against a usual level of a message or two (the 15-message "peak"
            # of 8 Oct and the dozens of late-October days that used to be listed).
            assert not [d for d in at.dataframe if "ratio" in d.value.columns and "baseline" in d.value.columns]
            assert any(t.startswith("Too few messages to find peaks") for t in texts)
    assert len(set(notes)) == 1 and notes[0].startswith(f"{flagged} messages dated long before the rest (from 29 Aug 2011)")


def test_agents_flags_come_with_how_we_know(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sample: the coaching flags are plain sentences; the statistics are in "How we know"."""
    monkeypatch.setattr(sys, "argv", ["pytest"])
    at = render("app_pages/agents.py")
    notes = [str(m.value) for m in at.markdown if "worth a coaching conversation" in str(m.value)]
    assert notes and not jargon(notes)
    (how,) = [e for e in at.expander if e.label == "How we know"]
    inside = " ".join(_MD_ESCAPE.sub(r"\1", str(m.value)) for m in how.markdown)
    assert "two checks agree" in inside and "typical spreads from the peers' median" in inside
