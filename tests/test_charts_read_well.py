"""Charts an analyst would put in a deck: axes and legends that read well on sparse real data."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from toolkit.present import charts


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _encodings(spec: dict, channel: str) -> list[dict]:
    return [layer["encoding"][channel] for layer in _layers(spec) if channel in layer.get("encoding", {})]


def _grid(values: list[float]) -> pl.DataFrame:
    cells = [(d, h) for d in range(1, 8) for h in range(24)]
    return pl.DataFrame({"weekday": [d for d, _ in cells], "hour": [h for _, h in cells], "v": values})


def test_heatmap_legend_of_small_values_has_decimals_even_when_one_cell_is_huge():
    # Most cells hold 0-2.4 messages a week; one holds 40: the colour scale stops at the 95th
    # percentile (2.4), so the legend reads 0..2.4 and must not round to "0 1 1 2 2".
    values = [(i % 25) / 10 for i in range(168)]
    values[5] = 40.0
    spec = charts.hour_of_week_heatmap(_grid(values), value="v", title="t", value_title="Messages per week").to_dict()
    (color,) = _encodings(spec, "color")
    assert color["scale"]["clamp"] and color["legend"]["format"] == ",.1~f"
    big = [10.0 + i for i in range(168)]
    spec = charts.hour_of_week_heatmap(_grid(big), value="v", title="t", value_title="Messages per week").to_dict()
    assert _encodings(spec, "color")[0]["legend"]["format"] == ",.0f"


def test_bars_and_counts_tick_on_whole_numbers_only():
    df = pl.DataFrame({"agent": ["a", "b", "c"], "hours": [4.3, 2.1, 0.2]})
    spec = charts.ranked_bars(df, label="agent", value="hours", title="t", value_title="Hours", fmt=",.1f").to_dict()
    x = next(e for e in _encodings(spec, "x") if e.get("field") == "hours")
    assert x["axis"] == {"format": ",.0f", "tickMinStep": 1}
    days = [dt.datetime(2017, 10, 1) + dt.timedelta(days=i) for i in range(60)]
    vol = pl.DataFrame({"period": days, "inbound": [i % 3 for i in range(60)]})
    spec = charts.volume_timeline(vol, every="1d").to_dict()
    y = next(e for e in _encodings(spec, "y") if e.get("field") == "messages" and "axis" in e)
    assert y["axis"]["tickMinStep"] == 1 and y["title"]


def test_time_axis_fits_hours_days_and_months_without_repeated_dates():
    def axis(days: float) -> dict:
        a = dt.datetime(2017, 8, 8)
        return charts._time_axis([a, a + dt.timedelta(days=days)]).to_dict()

    assert axis(2)["format"] == "%a %H:%M" and axis(2)["tickCount"] == 8  # 6-hour steps (a count: see below)
    # 118 days (twcs_head without its far-out dates): a tick every other week, same weekday.
    assert axis(117)["format"] == "%d %b" and axis(117)["tickCount"] == {"interval": "week", "step": 2}
    assert axis(20)["tickCount"] == {"interval": "day", "step": 2}
    assert axis(700)["format"] == "%b %Y" and axis(700)["tickCount"]["interval"] == "month"


def test_response_trend_draws_days_without_enough_turns_as_gaps():
    days = [dt.datetime(2017, 10, 1) + dt.timedelta(days=i) for i in range(10)]
    rows = pl.DataFrame({
        "period": [days[0], days[1], days[4], days[5]],
        "art_median_s": [600.0, 700.0, 30_000.0, 650.0], "art_p90_s": [1200.0, 1300.0, 90_000.0, 1250.0],
        "turns": [40, 35, 2, 38],
    })
    chart = charts.response_time_trend(rows, periods=days, sla_seconds=3600)
    spec = chart.to_dict()
    line = _layers(spec)[0]
    assert line["mark"]["invalid"] == "break-paths-show-domains"
    data = spec["datasets"][spec["data"]["name"] if "data" in spec else line["data"]["name"]]
    median = {r["period"][:10]: r["value"] for r in data if r["statistic"] == "Median"}
    assert median["2017-10-03"] is None and median["2017-10-05"] is None  # no turns / 2 turns: gaps
    assert median["2017-10-01"] is not None
    assert "minutes" in next(e for e in _encodings(spec, "y") if e.get("field") == "value")["title"]


def test_survival_curve_on_a_log_time_axis_so_the_first_minutes_are_visible():
    # Replies mostly within minutes, a tail of days: on an hours axis the first hour is a
    # vertical line at zero; on the log axis 15 min sits in the middle.
    seconds = [0.0] + [60.0 * m for m in range(1, 600)] + [86400.0 * d for d in range(1, 7)]
    curve = pl.DataFrame({"seconds": seconds, "still_waiting": [1 - i / len(seconds) for i in range(len(seconds))],
                          "at_risk": list(range(len(seconds), 0, -1))})
    spec = charts.survival_chart(curve, naive_median_s=780, km_median_s=900).to_dict()
    x = next(e for e in _encodings(spec, "x") if e.get("field") == "minutes" and "axis" in e)
    assert x["scale"]["type"] == "log" and x["scale"]["domain"][0] == 0.5
    assert 15 in x["axis"]["values"] and "'15 min'" in x["axis"]["labelExpr"]
    data = spec["datasets"][_layers(spec)[0]["data"]["name"]]
    assert min(r["minutes"] for r in data) == 0.5  # the start (0 s) drawn at the axis' first half minute


def _trend(median_s: float, p90_s: float, sla: float = 3600) -> dict:
    days = [dt.datetime(2017, 10, 1) + dt.timedelta(days=i) for i in range(14)]
    rows = pl.DataFrame({"period": days, "art_median_s": [median_s * (1 + i % 3 / 10) for i in range(14)],
                         "art_p90_s": [p90_s * (1 + i % 2 / 10) for i in range(14)], "turns": [40] * 14})
    return charts.response_time_trend(rows, periods=days, sla_seconds=sla).to_dict()


def _target_layers(spec: dict) -> tuple[dict, dict]:
    rule = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "rule")
    text = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "text")
    return rule, text


def test_response_trend_with_a_p90_of_tens_of_hours_reads_on_a_log_axis_with_the_target_labelled():
    """Medians of 10 minutes, 90th percentiles of 30 hours, SLA 1 h: on a linear hours axis the
    target and the medians lie flat on zero. The one rule (duration_axis) turns the axis
    logarithmic, with duration ticks, and the target line carries its value as text."""
    spec = _trend(600, 30 * 3600)
    y = next(e for e in _encodings(spec, "y") if e.get("field") == "value")
    assert y["scale"]["type"] == "log" and "log scale" in y["title"]
    assert "'1 h'" in y["axis"]["labelExpr"] and "'15 min'" in y["axis"]["labelExpr"] and 60 in y["axis"]["values"]
    rule, text = _target_layers(spec)
    data = spec["datasets"][rule["data"]["name"]] if "name" in rule["data"] else rule["data"]["values"]
    assert data[0]["y"] == 60 and data[0]["label"] == "SLA target 1 h"  # minutes on the log axis
    assert text["encoding"]["text"]["field"] == "label" and rule["encoding"]["y"]["scale"]["type"] == "log"
    # The floor is the round duration under the lowest value: 5 min, not a blank 15 s band.
    assert y["scale"]["domain"][0] == 5


def test_response_trend_in_a_narrow_range_stays_linear_in_the_unit_that_fits():
    spec = _trend(600, 1800)
    y = next(e for e in _encodings(spec, "y") if e.get("field") == "value")
    assert y["scale"].get("type") is None and y["title"] == "Response time (minutes)"
    rule, _text = _target_layers(spec)
    data = spec["datasets"][rule["data"]["name"]] if "name" in rule["data"] else rule["data"]["values"]
    assert data[0]["y"] == 60
    # Replies of days against a target of days: linear, in days.
    assert charts.duration_axis([2 * 86400, 4 * 86400], 3 * 86400) == (False, "days", 86400.0)
    assert charts.duration_axis([60, 90], None) == (False, "seconds", 1.0)
    assert charts.duration_axis([60, 60, 30 * 60], None)[0] is True  # 30x the median: log


@pytest.mark.parametrize(("days", "every"), [(1, "1h"), (3, "1h"), (4, "1h"), (20, "1d"), (100, "1d"), (400, "1w")])
def test_time_charts_draw_for_every_span(days: int, every: str) -> None:
    """Vega 6 (the one Streamlit and the PNG/SVG exports run) drew an empty chart for an axis of
    a few days (tick interval "hour"): every span must render, with its tick labels."""
    step = dt.timedelta(hours=1) if every == "1h" else dt.timedelta(days=1 if every == "1d" else 7)
    n = max(2, int(dt.timedelta(days=days) / step))
    periods = [dt.datetime(2017, 10, 10) + i * step for i in range(n)]
    volume = charts.volume_timeline(pl.DataFrame({"period": periods, "inbound": [i % 7 + 1 for i in range(n)]}), every=every)
    trend = charts.response_time_trend(
        pl.DataFrame({"period": periods, "art_median_s": [600.0 + i for i in range(n)],
                      "art_p90_s": [3000.0 + i for i in range(n)], "turns": [10] * n}),
        every=every, sla_seconds=3600,
    )
    for chart in (volume, trend):
        svg = charts.chart_svg(chart)
        assert svg.count("<text") > 6, svg[:300]  # axis labels drawn, not an empty frame


def test_sparse_heatmap_keeps_its_busy_hour_darker_than_a_single_message():
    """A log of a few days fills a handful of the 168 cells: the colour scale must not stop at the
    95th percentile of mostly empty cells (it made 18 messages look like 1)."""
    values = [0.0] * 168
    for cell in range(40, 54):  # 14 hours with one message, one with 18 (twcs_sample's shape)
        values[cell] = 1.0
    values[60] = 18.0
    spec = charts.hour_of_week_heatmap(_grid(values), value="v", title="t", value_title="v").to_dict()
    color = next(e for e in _encodings(spec, "color"))
    assert "domainMax" not in color.get("scale", {}), color
