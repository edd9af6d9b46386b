"""English, French, Italian: catalogues complete, language choice, locale formats, sentences."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

import toolkit
from toolkit.analysis.compare import _label, side_label
from toolkit.core.metrics import metric_registry
from toolkit.errors import ArgumentError
from toolkit.present import format as fmt
from toolkit.present import i18n
from toolkit.present.i18n import _, get_language, language_from_header, ngettext, set_language, translate

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
FIX = (
    "add the msgid with its translation to toolkit/locale/{fr,it}/LC_MESSAGES/toolkit.po "
    "(python -m toolkit.present.i18n adds missing msgids with an empty msgstr)"
)


def _catalog(lang: str):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "toolkit.po").open("rb") as f:
        return read_po(f, locale=lang, domain="toolkit")


def _code_messages() -> dict[str | tuple[str, str], str]:
    found: dict[str | tuple[str, str], str] = {}
    for folder in ("toolkit", "app_pages"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, [("**.py", "python")], keywords=KEYWORDS
        ):
            found.setdefault(message, f"{folder}/{filename}:{lineno}")
    for lineno, message, _comments, _context in extract_from_file("python", ROOT / "app.py", keywords=KEYWORDS):
        found.setdefault(message, f"app.py:{lineno}")
    return found


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_every_message_in_the_code_has_a_translation_with_the_same_placeholders(lang):
    catalog = _catalog(lang)
    messages = _code_messages()
    assert len(messages) > 20
    missing, broken = [], []
    for message, where in messages.items():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        strings = [] if entry is None else (list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        if entry is None or not all(strings) or entry.fuzzy:
            missing.append(f"{where}: {message!r}")
            continue
        wanted = _fields(key)
        broken += [f"{where}: {key!r} -> {s!r}" for s in strings if _fields(s) != wanted]
    assert not missing, f"no {lang} translation for {len(missing)} message(s); {FIX}:\n" + "\n".join(missing)
    assert not broken, "translations whose {placeholders} differ from the English:\n" + "\n".join(broken)


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_every_metric_label_has_a_translation(lang):
    catalog = _catalog(lang)
    labels = {_label(m) for m in metric_registry().values()}
    missing = sorted(label for label in labels if catalog.get(label) is None or not catalog.get(label).string)
    assert not missing, f"metric labels with no {lang} translation; {FIX}:\n" + "\n".join(missing)


def test_translate_gettext_ngettext_and_the_current_language():
    assert get_language() == "en"
    assert translate("reply rate", "fr") == "taux de réponse"
    assert translate("reply rate", "it") == "tasso di risposta"
    assert translate("reply rate", "en") == "reply rate"
    assert translate("a sentence nobody wrote", "fr") == "a sentence nobody wrote"
    assert ngettext("{n} point", "{n} points", 1, "it") == "{n} punto"
    assert ngettext("{n} point", "{n} points", 3, "fr") == "{n} points"
    with i18n.use_language("fr"):
        assert _("reply rate") == "taux de réponse"
        with i18n.use_language("it-IT"):
            assert get_language() == "it"
        assert get_language() == "fr"
    assert get_language() == "en"


def test_unknown_language_is_a_short_error_naming_the_argument():
    with pytest.raises(ArgumentError, match=r"lang='de'.*'en', 'fr', 'it'"):
        translate("reply rate", "de")
    with pytest.raises(ArgumentError, match="lang="):
        set_language("klingon")


def test_accept_language_picks_the_first_supported_language_by_weight():
    assert language_from_header("it-IT,it;q=0.9,en-US;q=0.8") == "it"
    assert language_from_header("de;q=1.0, en;q=0.5, fr;q=0.7") == "fr"
    assert language_from_header("fr;q=0, en") == "en"
    assert language_from_header("pt-BR, es") is None
    assert language_from_header("") is None


def test_numbers_dates_and_durations_follow_the_current_language():
    import datetime as dt

    nbsp, narrow = "\u00a0", "\u202f"
    with i18n.use_language("fr"):
        assert fmt.number(1234.5) == f"1{narrow}234,5"
        assert fmt.percent(0.123) == f"12,3{nbsp}%"
        assert fmt.duration(2820) == f"47{nbsp}min"
        assert fmt.date(dt.date(2025, 11, 3)) == "3 nov. 2025"
    with i18n.use_language("it"):
        assert fmt.number(1234.5) == "1.234,5"
        assert fmt.percent(0.123) == "12,3%"
        assert fmt.date(dt.date(2025, 11, 3)) == "3 nov 2025"
    assert fmt.number(1234.5) == "1,234.5"
    assert fmt.number(1234.5, locale="fr") == f"1{narrow}234,5"  # an explicit locale still wins


def test_side_labels_translate_fixed_words_and_keep_values():
    with i18n.use_language("fr"):
        assert side_label("out of hours") == "hors horaires"
        assert side_label("since 2025-11-03") == "depuis le 3 nov. 2025"  # the date in the reader's format
        assert side_label("on email") == "sur email"
    with i18n.use_language("it"):
        assert side_label("by agent A7") == "dall'operatore A7"
        assert side_label("at normal times") == "nei periodi normali"


_ENGLISH_WORDS = re.compile(r"\b(?:than|vs|is|are|take|longer|shorter|higher|lower|Not enough|No significant)\b")


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_compare_writes_its_sentences_in_the_chosen_language_and_keeps_english_fields(lang):
    messages = toolkit.read_messages(toolkit.sample_path())
    english = toolkit.compare(messages, "channel:email", metrics=["frt_median_s", "reply_rate", "conversations"])
    local = toolkit.compare(messages, "channel:email", metrics=["frt_median_s", "reply_rate", "conversations"],
                            lang=lang)
    assert local.columns == english.columns
    assert local.drop("sentence", "a_label", "b_label").equals(english.drop("sentence", "a_label", "b_label"))
    for sentence in local["sentence"]:
        assert not _ENGLISH_WORDS.search(sentence), sentence
    assert get_language() == "en"  # lang= does not leak
    assert english["sentence"].to_list() == toolkit.compare(
        messages, "channel:email", metrics=["frt_median_s", "reply_rate", "conversations"], lang="en"
    )["sentence"].to_list()


def test_cli_compare_lang_fr_prints_french_sentences_and_json_keeps_english_fields(capsys):
    from toolkit.cli import main

    args = ["compare", str(toolkit.sample_path()), "--split", "channel:email", "--metrics", "reply_rate",
            "--quiet", "--n-boot", "200"]
    assert main([*args, "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "Taux de réponse sur email" in out and "sur le reste" in out and "than" not in out
    assert main([*args, "--lang", "it", "--format", "json"]) == 0
    (row,) = __import__("json").loads(capsys.readouterr().out)
    assert row["metric"] == "reply_rate" and row["direction"] in ("better", "worse")
    assert row["sentence"].startswith("Tasso di risposta su email")
    assert get_language() == "en"


@pytest.mark.parametrize(("lang", "words"), [("fr", "hors des horaires"), ("it", "fuori dall'orario")])
def test_hours_report_and_agent_notes_speak_the_language(lang, words):
    messages = toolkit.read_messages(toolkit.sample_path())
    calendar = toolkit.BusinessCalendar.parse("mon-fri 09:00-18:00", timezone="America/New_York")
    report = toolkit.hours_report(messages, calendar, n_boot=200, lang=lang)
    assert words in report.sentence and " than " not in report.sentence
    assert not _ENGLISH_WORDS.search(" ".join(report.comparison["sentence"]))
    notes = toolkit.agent_report(messages, lang=lang)["coaching_note"].to_list()
    assert notes and not any(n.startswith(("in line with", "too few", "slower", "much faster")) for n in notes)
    assert get_language() == "en"


def test_view_state_keeps_the_language_in_the_url_and_ignores_bad_values():
    from toolkit.app_state.view import ViewState

    v = ViewState(lang="it")
    assert v.to_params()["lang"] == "it"
    assert ViewState.from_params(v.to_params()) == v
    assert ViewState.from_params({"lang": "FR"}).lang == "fr"
    assert ViewState.from_params({"lang": "<script>"}).lang == ""
    assert "lang" not in ViewState().to_params()


# --- error messages and the data-quality report (issue 15, part 2) ------------------------------

_BAD_LOG = (
    "created_at,direction,conversation_id,customer_id,text\n"
    "2025-03-01 10:00,inbound,c1,u1,hello\n"
    "not a time,inbound,c1,u1,again\n"
    ",,,,\n"
    "2025-03-01 10:05,outbound,c1,,hi\n"
)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["4 rows read, 2 used; 2 dropped", "1 dropped: created_at unparseable (row 2)", "empty row (row 3)",
                "times without a UTC offset were read as UTC local time"]),
        ("fr", ["4 lignes lues, 2 utilisées ; 2 écartées", "1 écartée : created_at illisible (ligne 2)",
                "ligne vide (ligne 3)", "heures sans décalage UTC ont été lues comme heure locale de UTC"]),
        ("it", ["4 righe lette, 2 usate; 2 scartate", "1 scartata: created_at illeggibile (riga 2)",
                "riga vuota (riga 3)", "orari senza scarto UTC sono stati letti come ora locale di UTC"]),
    ],
)
def test_the_quality_report_is_written_in_the_language_it_is_read_in(lang, expected, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(_BAD_LOG)
    report = toolkit.load(path).quality  # loaded in English...
    with i18n.use_language(lang):  # ...read in another language (the app's stored report)
        text = report.summary()
        again = toolkit.io.quality.QualityReport.from_dict(report.to_dict()).summary()
        table = report.to_frame(translated=True)
    for part in expected:
        assert part in text, (part, text)
    assert again == text  # the stored form keeps templates and values, not English text
    # Data stays English: the plain table and the reasons as values.
    assert set(report.to_frame()["reason"]) == {"unparseable", "empty row"}
    assert report.to_frame()["action"].to_list() == ["dropped", "dropped"]
    assert table.columns == report.to_frame().columns
    if lang != "en":
        assert not set(table["reason"]) & {"unparseable", "empty row"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "no such column"), ("fr", "colonne introuvable"), ("it", "colonna inesistente")],
)
def test_errors_are_written_at_raise_time_in_the_current_language(lang, words):
    from toolkit.errors import check_columns

    with i18n.use_language(lang), pytest.raises(ArgumentError) as info:
        check_columns(["channel", "brand"], "by", ["chanel"])
    message = str(info.value)
    assert words in message and "by='chanel'" in message and "'channel'" in message  # names stay as given
    with i18n.use_language(lang), pytest.raises(toolkit.DataError) as info:
        toolkit.load(b"a,b\n1,2\n")
    assert ("created_at" in str(info.value)) and (lang == "en") == ("Missing required column" in str(info.value))


@pytest.mark.parametrize(
    ("lang", "error", "missing", "quality"),
    [("fr", "erreur : Colonne obligatoire 'created_at' manquante", "erreur : Fichier introuvable", "lignes lues"),
     ("it", "errore: Manca la colonna obbligatoria 'created_at'", "errore: File inesistente", "righe lette")],
)
def test_cli_errors_and_quality_summary_follow_lang(lang, error, missing, quality, tmp_path, capsys):
    from toolkit.cli import EXIT_BAD_INPUT, main

    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2025-01-01,me\n")
    assert main(["kpis", str(bad), "--lang", lang]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(error), err
    assert "Missing required column" not in err and "Columns found" not in err
    assert main(["kpis", str(tmp_path / "nothere.csv"), "--lang", lang]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith(missing)
    good = tmp_path / "good.csv"
    good.write_text(_BAD_LOG)
    assert main(["kpis", str(good), "--lang", lang, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert quality in captured.err
    assert '"conversations"' in captured.out  # JSON field names stay English
    assert get_language() == "en"


def test_python_m_toolkit_kpis_on_a_bad_file_prints_a_french_error(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2025-01-01,me\n")
    run = subprocess.run([sys.executable, "-m", "toolkit", "kpis", str(bad), "--lang", "fr"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("erreur : Colonne obligatoire 'created_at' manquante"), run.stderr
    assert "Traceback" not in run.stderr


def test_every_reason_of_the_shipped_queue_rules_is_translated():
    import tomllib

    from toolkit.analysis.queue import DEFAULT_RULES_PATH, SHIPPED_REASONS, reasons_text

    reasons = {rule["reason"] for rule in tomllib.loads(DEFAULT_RULES_PATH.read_text())["rule"]}
    assert reasons <= set(SHIPPED_REASONS), reasons - set(SHIPPED_REASONS)
    import polars as pl

    frame = pl.DataFrame({"reasons": [sorted(reasons), ["a reason of my own"]]})
    for lang in ("fr", "it"):
        shown = frame.select(reasons_text(lang=lang)).to_series().to_list()
        assert not any(r in shown[0] for r in reasons if translate(r, lang) != r), shown
        assert shown[1] == "a reason of my own"
    assert frame.select(reasons_text(lang="en")).item(0, 0) == ", ".join(sorted(reasons))
