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


def _english_templates(lang: str) -> list[re.Pattern[str]]:
    """The catalogue's English messages with {placeholders} (errors, report lines) as patterns,
    for those the language writes differently and whose fixed words are a real phrase."""
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "toolkit.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    out = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            if not text or "{" not in text or message.string in (text, ("",), ""):
                continue
            pieces = re.split(r"\{[^{}]*\}", text.replace("{{", "\0").replace("}}", "\1"))
            fixed = [p.replace("\0", "{").replace("\1", "}") for p in pieces]
            if max((len(p.split()) for p in fixed), default=0) < 3:
                continue  # "{n} dropped: {what}": too little fixed text to tell English apart
            out.append(re.compile(".*?".join(re.escape(p) for p in fixed), re.S))
    return out


def _visible(at: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in ("text", "code"):
        texts += [e.value for e in getattr(at, kind) if isinstance(e.value, str)]
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


def _csv(text: str) -> bytes:
    return text.encode()


_ODD = "When,Way,Case\n2025-03-01 10:00,inbound,c1\n"
_BAD_ROWS = (
    "created_at,direction,conversation_id,customer_id,channel,text\n"
    "2025-03-01 10:00,inbound,c1,u1,email,hello\n"
    "not a time,inbound,c1,u1,email,again\n"
    ",,,,,\n"
    "2025-03-01 10:05,outbound,c1,,email,hi\n"
    "2025-03-01 11:00,inbound,c2,u2,email,still waiting\n"
)


@pytest.mark.parametrize(("lang", "required", "read"), [("fr", "Colonne obligatoire", "lignes lues"),
                                                        ("it", "Manca la colonna obbligatoria", "righe lette")])
def test_upload_errors_and_the_quality_report_speak_the_language(lang, required, read):
    english, templates = _english_ui_strings(lang), _english_templates(lang)

    def leftovers(at: AppTest) -> list[str]:
        texts = _visible(at)
        for e in at.dataframe:  # the quality table's cells (reasons, actions) too
            texts += [str(v) for c in e.value.columns for v in e.value[c] if isinstance(v, str)]
        return [t for t in texts if t in english or any(p.search(t) for p in templates)]

    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("app_pages/data.py").run()
    # A file the loader cannot use: the error says why, in the language.
    at.file_uploader(key="upload_file").set_value(("odd.csv", _csv(_ODD), "text/csv")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(required in e for e in errors), errors
    assert not leftovers(at), leftovers(at)
    # A file with bad rows: the quality report, its table and its notes in the language.
    at.file_uploader(key="upload_file").set_value(("rows.csv", _csv(_BAD_ROWS), "text/csv")).run()
    assert not at.exception
    assert any(read in s.value for s in at.success), [s.value for s in at.success]
    cells = {str(v) for e in at.dataframe for c in e.value.columns for v in e.value[c]}
    assert {i18n.translate("unparseable", lang), i18n.translate("empty row", lang)} <= cells
    assert not leftovers(at), leftovers(at)
    # Stored, then read back on the Data page (the report is rendered for the reader).
    at.button(key="upload_use").click().run()
    assert not at.exception
    at.switch_page("app_pages/data.py").run()
    assert any(read in c.value for c in at.code), [c.value for c in at.code]
    assert not leftovers(at), leftovers(at)
    # The Live queue on that data: no raw column names, the shipped reasons in the language.
    at.switch_page("app_pages/live_queue.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert not {"customer_id", "conversation_id", "reasons", "status"} & set(table.columns), table.columns
    assert i18n.translate("conversation", lang) in table.columns
    assert not leftovers(at), leftovers(at)


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_live_queue_reasons_on_the_sample_are_translated(lang):
    from toolkit.analysis.queue import SHIPPED_REASONS

    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("app_pages/live_queue.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    reasons_col = i18n.translate("reasons", lang)
    shown = {r for cell in table[reasons_col] for r in str(cell).split(", ") if r}
    assert shown, "the sample's queue has reasons"
    untranslated = {r for r in shown if r in SHIPPED_REASONS and i18n.translate(r, lang) != r}
    assert not untranslated, untranslated
