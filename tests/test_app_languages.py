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


#: Everyday English words of the interface (sentences, labels, units) that neither French nor
#: Italian writes; the few a language shares are left out for it ("messages" is French too, "per"
#: and "no" are Italian). Catches new English text that no catalogue entry knows about.
_ENGLISH_WORDS = frozenset(re.findall(r"\w+", (
    "the and of with from than for this that these those only all more less not is are was were be been "
    "has have had by at on or into within after before between per no none yes "
    "week weeks day days hour hours minute minutes month months year years time times "
    "message messages response responses customer customers reply replies replied turn turns "
    "conversation conversations median average rate share total first last new open closed waiting answered "
    "unanswered peak peaks agent agents channel channels volume sentiment outcome outcomes "
    "resolved resolution left stayed compare comparison difference higher lower faster slower longer shorter "
    "data file settings filter filters dates language help loading computing "
    "reason column columns row rows action example text name kind status start end uses basis to deflected"
)))
_SHARED = {"fr": {"message", "messages", "total", "agent", "agents", "volume", "sentiment", "on", "or",
                  "conversation", "conversations", "dates", "file", "minute", "minutes", "action", "example"},
           "it": {"per", "no", "agent", "agents", "file", "data", "volume", "sentiment", "total", "minute"}}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # "all'ora" is one Italian word
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
#: Not language: identifiers (created_at), time zone names (America/New_York), addresses, code.
_NOT_WORDS = re.compile(r"\w*_\w*|\b[A-Z][a-z]+/[A-Za-z_/]+|https?://\S+|`[^`]*`|:material/\w+:")


def english_words(texts: list[str], lang: str, *, data: set[str] = frozenset()) -> list[str]:
    """``"word in 'text'"`` for each English word in ``texts`` (``data``: values from the log,
    such as brand names and event names, which stay as they are)."""
    words = _ENGLISH_WORDS - _SHARED[lang]
    found = []
    for text in texts:
        rest = _MD_ESCAPE.sub(r"\1", text)  # as rendered: sample\_messages\.csv reads sample_messages.csv
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        rest = _NOT_WORDS.sub(" ", rest)
        hits = [w for w in _TOKEN.findall(rest) if w.lower() in words]
        if hits:
            found.append(f"{hits} in {text[:140]!r}")
    return found


def _chart_texts(at: AppTest) -> list[str]:
    """The titles, subtitles, axis and legend titles and labels of the page's Vega-Lite charts."""
    import json

    out: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("data", "datasets", "values", "field", "condition", "test", "expr", "scale", "$schema",
                             "format", "type", "sort", "labelExpr", "param", "params"):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("title", "subtitle", "text", "label") and node.strip():
            out.append(node)

    for element in at.get("arrow_vega_lite_chart"):
        spec = getattr(element.proto, "spec", "")
        if spec:
            walk(json.loads(spec))
    return out


def _metric_texts(at: AppTest) -> list[str]:
    return [str(x) for m in at.metric for x in (m.value, m.delta, m.proto.help) if x]


def _all_text(at: AppTest) -> list[str]:
    return _visible(at) + _chart_texts(at) + _metric_texts(at)


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
        found = [t for t in _visible(at) if t in english] + english_words(_all_text(at), lang, data=_SAMPLE_DATA)
        if found:
            leftovers[page] = found
    assert not leftovers, f"English UI strings left with lang={lang}: {leftovers}"


#: The sample's own values (event names, brands) that its pages show as they are.
_SAMPLE_DATA = {"Autumn sale", "Black Friday weekend"}


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_every_page_on_a_real_export_has_no_english_words(lang, realdata, monkeypatch):
    """The real Twitter excerpt opened as ``streamlit run app.py -- twcs_head.csv``: no English word
    outside the data (tweets, brand names) on any page, and numbers in the local format."""
    import sys

    log = realdata / "twcs_head.csv"
    if not log.is_file():
        pytest.skip(f"{log} absent")
    monkeypatch.setattr(sys, "argv", ["app.py", str(log)])
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    data = {"twcs_head.csv"}
    leftovers: dict[str, list[str]] = {}
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        found = english_words(_all_text(at), lang, data=data)
        if found:
            leftovers[page] = found
    assert not leftovers, f"English words left with lang={lang} on twcs_head.csv: {leftovers}"
    # The dataset's label: its count of messages in the local format, in the language.
    label = {"fr": r"twcs_head\.csv · 5\s000 messages", "it": r"twcs_head\.csv · 5\.000 messaggi"}[lang]
    sidebar = [_MD_ESCAPE.sub(r"\1", m.value) for m in at.sidebar.markdown]
    assert any(re.search(label, text) for text in sidebar), sidebar


@pytest.mark.parametrize(
    ("lang", "text", "english"),
    [
        ("fr", "Réponses · 1 234 messages", False),
        ("fr", "12 min · médiane", False),
        ("fr", "1 234 messages from customers", True),
        ("fr", "Taux de réponse sur email", False),
        ("it", "Tasso di risposta per canale", False),
        ("it", "3 turns · median 5 min", True),
        ("it", "Picchi nella settimana di Black Friday weekend", False),
        ("fr", "twcs_head.csv · 5 000 messages", False),
        ("it", "arrivi all'ora · created_at · America/New_York", False),
        ("it", "**File:** sample\\_messages\\.csv", False),
        ("fr", "first rows", True),
    ],
)
def test_english_word_check_tells_english_from_french_and_italian(lang, text, english):
    assert bool(english_words([text], lang, data={"Black Friday weekend", "twcs_head.csv"})) == english


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
