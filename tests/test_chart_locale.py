"""Charts and tables speak the chosen language: titles, axis numbers, month names (issue 15)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from toolkit.present import charts, tables
from toolkit.present.i18n import use_language


def _daily() -> pl.DataFrame:
    days = [dt.datetime(2025, 9, 1) + dt.timedelta(days=i) for i in range(40)]
    return pl.DataFrame({"period": days, "inbound": [1200 + i for i in range(40)], "outbound": [800] * 40})


def test_volume_chart_in_french_and_italian() -> None:
    with use_language("fr"):
        spec = charts.volume_timeline(_daily(), every="1d").to_dict()
    assert spec["title"]["text"] == "Messages par jour"
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["time"]["shortMonths"][8].startswith("sept")
    with use_language("it"):
        spec = charts.volume_timeline(_daily(), every="1d").to_dict()
    assert spec["title"]["text"] == "Messaggi al giorno"
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    with use_language("en"):
        spec = charts.volume_timeline(_daily(), every="1d").to_dict()
    assert spec["title"]["text"] == "Messages per day"
    assert spec["config"]["locale"]["number"]["thousands"] == ","


def test_display_tables_in_the_language() -> None:
    df = pl.DataFrame({"first_day": [dt.date(2025, 10, 14)], "inbound_messages": [2641], "vip": [True]})
    with use_language("it"):
        row = tables.readable(df).row(0)
    assert row == ("14 ott 2025", "2.641", "sì") or (row[1], row[2]) == ("2.641", "sì")
    with use_language("fr"):
        row = tables.readable(df).row(0)
    assert row[1] in ("2\u202f641", "2\u00a0641", "2 641") and row[2] == "oui"
    assert tables.readable(df, locale="en").row(0)[1:] == ("2,641", "yes")


def test_response_time_legend_in_french_and_italian() -> None:
    days = [dt.datetime(2025, 9, 1) + dt.timedelta(days=i) for i in range(10)]
    df = pl.DataFrame({"period": days, "art_median_s": [600.0] * 10, "art_p90_s": [1800.0] * 10, "turns": [20] * 10})
    for lang, words in (("fr", ("Médiane", "90e centile")), ("it", ("Mediana",)), ("en", ("Median", "90th percentile"))):
        with use_language(lang):
            text = str(charts.response_time_trend(df, every="1d", sla_seconds=3600).to_dict())
        for word in words:
            assert word in text, (lang, word)
    with use_language("fr"):
        assert "Median'" not in str(charts.response_time_trend(df, every="1d").to_dict())
