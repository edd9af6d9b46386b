"""The app in French and Italian: every page opened with ?lang=fr / ?lang=it shows no English UI
string from the catalogue, numbers in the local format, and the language survives page changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from toolkit.present import i18n

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["overview", "response_times", "volume", "agents", "sentiment", "channels", "outcomes", "live_queue", "compare", "data"]
TEXT_KINDS = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success")
LABEL_KINDS = ("metric", "expander", "tabs", "button", "selectbox", "multiselect", "text_input", "text_area",
               "number_input", "date_input", "radio", "segmented_control", "toggle", "checkbox")


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.getbasetemp() / "app_data_lang"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(path))
    return path


def _english_ui_strings(lang: str) -> set[str]:
    """The catalogue's English messages that the language writes differently (and are not just a
    word shared by the languages, like "Agents" in French)."""
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "toolkit.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    out = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or "{" in message.id:
            continue
        if message.string and message.string != message.id and len(message.id.split()) >= 2:
            out.add(message.id)
    return out


def _visible(at: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in TEXT_KINDS:
        texts += [e.value for e in getattr(at, kind) if isinstance(e.value, str)]
    for kind in LABEL_KINDS:
        for e in getattr(at, kind):
            texts += [x for x in (getattr(e, "label", None), getattr(e, "placeholder", None)) if isinstance(x, str)]
    for e in at.dataframe:
        texts += [str(c) for c in e.value.columns]
    return [t.strip().strip("*#- ") for t in texts if t and t.strip()]


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_every_page_speaks_the_language_and_keeps_it(lang):
    english = _english_ui_strings(lang)
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    leftovers: dict[str, list[str]] = {}
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.query_params["lang"] == [lang] or at.query_params["lang"] == lang, page
        found = [t for t in _visible(at) if t in english]
        if found:
            leftovers[page] = found
    assert not leftovers, f"English UI strings left with lang={lang}: {leftovers}"


def test_numbers_are_in_the_local_format_and_the_selector_switches_language():
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = "fr"
    at.run()
    values = [m.value for m in at.metric]
    assert any(re.fullmatch(r"\d{1,3}(?:\u202f\d{3})+", v) for v in values), values  # "8 521"
    assert at.selectbox(key="f_lang").value == "fr"
    at.selectbox(key="f_lang").set_value("it")
    at.run()
    assert at.query_params["lang"] in ("it", ["it"])
    assert at.title[0].value == "Panoramica"
    at.selectbox(key="f_lang").set_value("en")
    at.run()
    assert at.title[0].value == "Overview"
    assert "lang" not in at.query_params
