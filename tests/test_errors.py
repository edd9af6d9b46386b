"""The one error family: each mistaken call stops with the toolkit's own error naming the argument,
the value and what is allowed (with a did-you-mean hint when one is close)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import toolkit
from tests.helpers import log
from toolkit._durations import duration_seconds, parse_duration, parse_period
from toolkit.errors import (
    ArgumentError,
    ColumnNotFoundError,
    DataError,
    ToolkitError,
    check_columns,
    did_you_mean,
)


def small_log() -> pl.DataFrame:
    rows = [("c1", 0, "inbound"), ("c1", 30, "outbound"), ("c2", 60, "inbound"), ("c2", 200, "outbound")]
    return log(
        rows,
        category=["billing", None, "delivery", None],
        csat=[None, 5.0, None, 2.0],
        sentiment=[0.5, None, -0.5, None],
    )


def test_family_is_value_errors():
    assert issubclass(DataError, ToolkitError)
    assert issubclass(ArgumentError, DataError)
    assert issubclass(ColumnNotFoundError, ArgumentError)
    assert issubclass(ToolkitError, ValueError)
    assert toolkit.DataError is DataError


def test_did_you_mean():
    assert did_you_mean("chanel", ["brand", "channel"]) == "Hint: did you mean 'channel'?"
    assert did_you_mean("zzzz", ["brand", "channel"]) == ""
    with pytest.raises(ColumnNotFoundError, match=r"by=\['chanel', 'brnd'\]: no such columns\. Hint: did you mean 'channel' / 'brand'\?"):
        check_columns(["channel", "brand"], "by", ["chanel", "brnd"])
    assert check_columns(pl.LazyFrame({"a": [1]}), "by", "a") == ["a"]
    assert check_columns(["a"], "by", None) == []


def test_kpis_sla_as_text_is_the_same_as_seconds():
    m = small_log()
    assert toolkit.kpis(m, sla="1h").to_dicts() == toolkit.kpis(m, sla=3600).to_dicts()
    assert toolkit.kpis(m, sla="45m")["sla_target_s"][0] == 2700.0
    assert toolkit.kpis(m, sla=dt.timedelta(minutes=31))["sla_compliance"][0] == 0.5


def test_kpis_sla_not_a_duration():
    with pytest.raises(ArgumentError, match=r"sla='soon' is not a duration; write seconds or a duration such as '1h'"):
        toolkit.kpis(small_log(), sla="soon")


@pytest.mark.parametrize("sla", [-5, 0, "-1h"])
def test_kpis_sla_not_positive(sla):
    with pytest.raises(ArgumentError, match=r"^sla=.* (is not allowed; a duration must be more than zero|is not a duration)"):
        toolkit.kpis(small_log(), sla=sla)


def test_kpis_calendar_as_text():
    m = small_log()  # Monday 2025-03-03 09:00 UTC onwards
    text = toolkit.kpis(m, calendar="mon-fri 09:00-18:00")
    built = toolkit.kpis(m, calendar=toolkit.BusinessCalendar.parse("mon-fri 09:00-18:00"))
    assert text.to_dicts() == built.to_dicts()
    assert "frt_bh_median_s" in text.columns


def test_kpis_calendar_bad_text_and_bad_type():
    with pytest.raises(DataError, match="opening hours"):
        toolkit.kpis(small_log(), calendar="whenever")
    with pytest.raises(ArgumentError, match=r"calendar=42 is not a calendar; pass a toolkit.BusinessCalendar or opening hours as text"):
        toolkit.kpis(small_log(), calendar=42)


@pytest.mark.parametrize("every", ["day", "week", "month", "1d"])
def test_one_period_vocabulary(every):
    m = small_log()
    assert toolkit.kpis(m, every=every).height == 1
    assert toolkit.volumes(m, every=every).height >= 1
    assert toolkit.sentiment_series(m, every=every).height == 1


def test_period_typo():
    with pytest.raises(ArgumentError, match=r"every='dya' is not a period; use hour, day, week, month, quarter, year or a duration .* Hint: did you mean 'day'\?"):
        toolkit.kpis(small_log(), every="dya")


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda m: toolkit.topic_volumes(m, by="chanel"), "by"),
        (lambda m: toolkit.top_topics(m, by="chanel"), "by"),
        (lambda m: toolkit.bot_summary(m, by="chanel"), "by"),
        (lambda m: toolkit.satisfaction_breakdown(m, by="chanel"), "by"),
        (lambda m: toolkit.sentiment_series(m, by="chanel"), "by"),
        (lambda m: toolkit.kpis(m, by="chanel"), "by"),
        (lambda m: toolkit.volumes(m, by="chanel"), "by"),
    ],
)
def test_column_typos_name_the_argument_and_hint(call, argument):
    for frame in (small_log(), small_log().lazy()):
        with pytest.raises(ColumnNotFoundError, match=rf"^{argument}='chanel': no such column\. Hint: did you mean 'channel'\?"):
            call(frame)


def test_agent_report_peers_by_typo():
    with pytest.raises(ColumnNotFoundError, match=r"peers_by='brnd': no such column\. Hint: did you mean 'brand'\?"):
        toolkit.agent_report(small_log(), peers_by="brnd")


def test_agent_report_default_peers_without_brand_column():
    report = toolkit.agent_report(small_log().drop("brand"))
    assert report["agent_id"].to_list() == ["A1"]


def test_compare_hours_without_calendar_speaks_python():
    with pytest.raises(ArgumentError, match=r"calendar=None is not allowed with split='hours'; give opening hours, e\.g\. calendar=") as info:
        toolkit.compare(small_log(), "hours")
    assert "--hours" not in str(info.value)


def test_compare_hours_with_calendar_text():
    result = toolkit.compare(small_log(), "hours", calendar="mon-fri 09:00-10:00", n_boot=100)
    # c2 starts at 10:00, out of hours (side a); c1 at 09:00, in hours.
    mood = result.filter(pl.col("metric") == "customer_sentiment_mean").row(0, named=True)
    assert (mood["a"], mood["b"]) == (-0.5, 0.5)


def test_durations_are_parsed_once():
    assert parse_duration("1d12h") == dt.timedelta(hours=36)
    assert duration_seconds("90min") == duration_seconds("1h30m") == 5400.0
    assert duration_seconds("2.5") == 2.5
    assert parse_duration(0, allow_zero=True) == dt.timedelta(0)
    with pytest.raises(ArgumentError, match=r"^session_gap='soon' is not a duration"):
        toolkit.read_messages(pl.DataFrame({"a": [1]}), session_gap="soon")
    with pytest.raises(ArgumentError, match=r"^within='two days' is not a duration"):
        toolkit.channel_switches(small_log(), within="two days")
    assert parse_period("quarter") == "1q"
