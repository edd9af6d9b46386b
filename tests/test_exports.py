"""Downloads that stand alone: chart images that say what, where and when; file names that say
what and when; a one-page PDF per page; a Compare report in plain words."""

from __future__ import annotations

import datetime as dt
import io
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.present import charts
from toolkit.present.export import export_name, safe_csv
from toolkit.present.i18n import use_language
from toolkit.present.pdf import pdf_report
from toolkit.present.report import (
    Bullets,
    Cards,
    Figure,
    Table,
    Text,
    comparison_export,
    comparison_sentences,
)

pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (requirements-dev.txt)")

CRAFTED = '<b>Q3</b> & "x" ../evil.csv'
CONTEXT = ["Data: " + CRAFTED, "Dates: 1–31 Oct 2017", "Channel: twitter, email", "SLA target: 60 min"]


def _timeline() -> object:
    days = [dt.datetime(2017, 10, d) for d in range(1, 32)]
    frame = pl.DataFrame({"period": days, "inbound": [(d * 7) % 23 + 3 for d in range(31)]})
    return charts.volume_timeline(frame, every="1d")


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


# ---- file names --------------------------------------------------------------------------------


def test_file_names_say_what_and_when():
    oct1, oct31 = dt.date(2017, 10, 1), dt.date(2017, 10, 31)
    assert export_name("First response time", oct1, oct31, ext="png") == "first-response-time_2017-10-01_2017-10-31.png"
    assert export_name("Délai de première réponse", oct1, oct31, ext="svg") == "delai-de-premiere-reponse_2017-10-01_2017-10-31.svg"
    assert export_name("Compare: Channel vs channel (twitter,email)", oct1, oct1, ext="pdf") == (
        "compare-channel-vs-channel-twitter-email_2017-10-01.pdf"
    )
    assert export_name("../../etc/passwd", ext="csv") == "etc-passwd.csv"
    assert export_name("a\\b\x00c\nd\r\te", ext="../x") == "a-b-c-d-e.x"
    assert export_name("✓✓✓", ext="png") == "export.png"
    assert len(export_name("x" * 500, ext="png")) <= 64


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.dates(), st.dates(), st.text(max_size=8))
def test_file_names_never_carry_paths_or_control_characters(what, start, end, ext):
    name = export_name(what, start, end, ext=ext)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:_\d{4}-\d{2}-\d{2}){1,2}\.[A-Za-z0-9]+", name), name
    assert start.isoformat() in name and end.isoformat() in name


# ---- chart images ------------------------------------------------------------------------------


def test_svg_carries_title_filters_and_dates_as_text_and_markup_literally():
    svg = charts.chart_svg(_timeline(), context=CONTEXT)
    assert "Messages per day" in svg
    assert "Dates: 1–31 Oct 2017" in svg and "Channel: twitter, email" in svg and "SLA target: 60 min" in svg
    # The crafted name is text in the picture, escaped once, never markup.
    assert "&lt;b&gt;Q3&lt;/b&gt; &amp; &quot;x&quot; ../evil.csv" in svg or "&lt;b&gt;Q3&lt;/b&gt; &amp; \"x\" ../evil.csv" in svg
    assert "<b>" not in svg


def test_png_spec_has_the_context_and_the_picture_grows_to_hold_it():
    from PIL import Image

    chart = _timeline()
    spec = charts.export_spec(chart, context=CONTEXT)
    assert spec["title"]["text"] == "Messages per day"
    assert spec["title"]["subtitle"][-4:] == CONTEXT
    assert spec["width"] == 760
    bare, dressed = charts.chart_png(chart), charts.chart_png(chart, context=CONTEXT)
    sizes = [Image.open(io.BytesIO(b)).size for b in (bare, dressed)]
    assert all(w > 0 and h > 0 for w, h in sizes)
    # Four more subtitle lines make the picture taller (the text is drawn, not dropped).
    assert sizes[1][1] > sizes[0][1] + 4 * 20


def test_long_filter_lists_wrap_instead_of_running_off_the_image():
    agents = "Agent: " + ", ".join(f"agent_{i:03d}" for i in range(40))
    lines = charts.export_spec(_timeline(), context=[agents])["title"]["subtitle"]
    assert len(lines) > 2 and all(len(x) <= 110 for x in lines)
    assert " ".join(lines) == agents


# ---- one-page PDF ------------------------------------------------------------------------------


def _sections(rows: int = 80) -> list:
    chart = _timeline()
    table = pl.DataFrame({"agent": [f"agent {i}" for i in range(rows)], "replies": list(range(rows))})
    return [
        Text("Inbound messages went up."),
        Cards([("Inbound messages", "2,778", "+12%"), ("First response time (median)", "47 min", "-6 min")]),
        Figure(chart), Figure(chart), Table("Agents", table), Figure(chart), Figure(chart),
    ]


def test_pdf_is_one_page_with_title_filters_headline_figure_and_a_table_that_says_it_is_cut():
    data = pdf_report(title="Overview", dataset=CRAFTED, filters=CONTEXT[1:], sections=_sections())
    pages, text = _pdf_text(data)
    assert pages == 1
    assert "Overview" in text
    assert "Dates: 1–31 Oct 2017" in text and "Channel: twitter, email" in text
    assert "2,778" in text and "47 min" in text
    assert CRAFTED in text  # as plain text, markup and all
    assert re.search(r"First \d+ of 80 rows", text)
    assert "Also in the app, not on this page: Messages per day" in text


def test_pdf_table_wraps_long_text_instead_of_cutting_it_or_dropping_columns():
    """The Overview's "All metrics" table: a long description column used to be cut at 60 mm
    with an ellipsis. Its text wraps in the cell, every column is on the page, nothing is cut."""
    description = ("first response time in business hours: median over the first answered turns, counting "
                   "only opening hours, in seconds")
    table = pl.DataFrame({
        "metric": [f"first response time in business hours (median) {i}" for i in range(12)],
        "description": [description] * 12,
        "value": ["47 min"] * 12, "previous period": ["53 min"] * 12, "change": ["-6 min"] * 12,
    })
    pages, text = _pdf_text(pdf_report(title="Overview", dataset="log.csv", filters=[], sections=[Table("All metrics", table)]))
    assert pages == 1
    assert "Columns not shown" not in text and "…" not in text
    flat = " ".join(text.split())
    assert description in flat  # wrapped onto several lines, every word kept
    assert "previous period" in flat and "-6 min" in flat
    assert "First 12" not in flat  # all 12 rows fit


def test_pdf_speaks_the_chosen_language():
    with use_language("fr"):
        _pages, fr = _pdf_text(pdf_report(title="Vue d'ensemble", dataset="x.csv", filters=[], sections=[]))
    with use_language("it"):
        _pages, it = _pdf_text(pdf_report(title="Panoramica", dataset="x.csv", filters=[], sections=[]))
    assert "Données : x.csv" in fr and "Généré le" in fr
    assert "Dati: x.csv" in it and "Generato il" in it


def test_pdf_draws_every_character_or_a_placeholder_never_fails():
    text = "emoji 😀, CJK 客服, RTL שלום, control \x07 chars"
    pages, out = _pdf_text(pdf_report(title=text, dataset=text, filters=[text], sections=[Text(text), Bullets("b", [text])]))
    assert pages == 1 and "emoji" in out and "\x07" not in out


# ---- Compare report ----------------------------------------------------------------------------


def _comparison() -> pl.DataFrame:
    return pl.DataFrame({
        "split": ["after"] * 5,
        "metric": ["frt_median_s", "reply_rate", "inbound_messages", "aht_s", "art_mean_s"],
        "kind": ["time", "rate", "count", "time", "time"],
        "a_label": ["after 2017-10-15"] * 5, "b_label": ["before"] * 5,
        "n_a": [120, 300, 300, 3, 120], "n_b": [130, 310, 310, 2, 130],
        "a": [2820.0, 0.72, 300.0, 240.0, 3060.0], "b": [3180.0, 0.80, 310.0, 250.0, 3180.0],
        "difference": [-360.0, -0.08, -10.0, -10.0, -120.0],
        "ci_low": [-600.0, -0.12, None, None, -300.0], "ci_high": [-120.0, -0.04, None, None, 60.0],
        "p_value": [0.019, 0.31, None, None, 0.026],
        "test": ["Mann-Whitney U", "two-proportion z-test", None, "not enough data", "Mann-Whitney U"],
        # The engine's verdicts: a small p whose interval includes 0 is no significant difference.
        "direction": ["better", "no significant difference", None, "not enough data", "no significant difference"],
        "sentence": ["s1", "s2", "s3", "s4", "s5"],
    })


def test_compare_sentences_say_the_figures_and_agree_with_their_test():
    lines = comparison_sentences(_comparison())
    assert lines == [
        "First response time (median): 47 min (after 2017-10-15) vs 53 min (before); the difference is likely real (p = 0.019).",
        "Reply rate: 72% (after 2017-10-15) vs 80% (before); the difference could be chance (p = 0.31).",
        "Inbound messages: 300 (after 2017-10-15) vs 310 (before).",
        "Average handling time: 4 min (after 2017-10-15) vs 4.2 min (before); too few to test.",
        "Response time (mean): 51 min (after 2017-10-15) vs 53 min (before); no clear difference: the 95% interval "
        "of the difference includes no change (p = 0.026).",
    ]
    with use_language("fr"):
        assert "la différence est probablement réelle (p = 0,019)" in comparison_sentences(_comparison())[0]


def test_compare_csv_reads_in_words_then_figures_with_units_then_raw_statistics():
    out = comparison_export(_comparison())
    cols = out.columns
    assert cols[:7] == ["measure", "in words", "after 2017-10-15", "before", "difference", "95% interval", "p-value"]
    assert all(c.startswith("raw: ") for c in cols[7:])
    first = out.row(0, named=True)
    assert first["after 2017-10-15"] == "47 min" and first["difference"] == "-6 min" and first["p-value"] == "0.019"
    assert first["raw: a"] == 2820.0 and first["raw: p_value"] == 0.019 and first["raw: n_a"] == 120
    csv = safe_csv(out)
    assert csv.splitlines()[0].startswith("measure,in words,after 2017-10-15,before")


def test_compare_pdf_lists_every_measure_in_words_on_one_page():
    result = _comparison()
    sections = [Bullets("Every measure in words", comparison_sentences(result))]
    pages, text = _pdf_text(pdf_report(title="Compare: before/after", dataset="log.csv", filters=["Dates: 1–31 Oct 2017"], sections=sections))
    flat = " ".join(text.split())
    assert pages == 1
    assert "the difference is likely real (p = 0.019)" in flat and "too few to test" in flat


def test_deferred_downloads_are_built_in_the_language_of_the_page():
    """Streamlit builds a download when it is clicked, outside the script run (where the
    language is the default): the app's builders carry the page's language with them."""
    from app_pages import common
    from toolkit.present.i18n import _

    with use_language("fr"):
        build = common.in_language(lambda: _("Data: {label}").format(label="x.csv"))
    assert build() == "Données : x.csv"
