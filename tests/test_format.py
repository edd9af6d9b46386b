"""The one formatter (toolkit.present.format): hand-worked cases and properties."""

from __future__ import annotations

import datetime as dt
import math
import re

from hypothesis import given
from hypothesis import strategies as st

from toolkit.present import format as fmt

BAD = re.compile(r"None|nan|inf|\de[+-]?\d", re.IGNORECASE)


def test_durations_hand_worked():
    cases = {
        0: "0 s", 0.4: "0 s", 42.4: "42 s", 59.4: "59 s", 59.6: "1 min", 270: "4.5 min", 596: "9.9 min",
        600: "10 min", 2820: "47 min", 3569: "59 min", 3571: "1 h", 3600: "1 h", 7800: "2 h 10 min",
        41820: "11 h 37 min", 47 * 3600: "47 h", 48 * 3600: "2 days", 200000: "2.3 days",
        3.2 * 86400: "3.2 days", 99.9 * 86400: "99.9 days", 254 * 86400: "254 days", 86400 * 1: "24 h",
    }
    for seconds, text in cases.items():
        assert fmt.duration(seconds) == text, seconds
    assert fmt.duration(-780) == "-13 min" and fmt.duration(-0.2) == "0 s"
    assert fmt.duration(780, signed=True) == "+13 min" and fmt.duration(0, signed=True) == "0 s"
    for missing in (None, float("nan"), float("inf"), "x"):
        assert fmt.duration(missing) == fmt.MISSING


def _seconds_back(text: str) -> float:
    """Parse an English duration back to seconds (the reference for the property test)."""
    sizes = {"s": 1, "min": 60, "h": 3600, "day": 86400, "days": 86400}
    total = 0.0
    for number, unit in re.findall(r"([\d.,]+) (s|min|h|days?)\b", text):
        total += float(number.replace(",", "")) * sizes[unit]
    return -total if text.startswith("-") else total


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_duration_reads_back_close(seconds):
    text = fmt.duration(seconds)
    assert not BAD.search(text)
    back = _seconds_back(text)
    # Rounding: half a second, 3 s under ten minutes, 30 s under two days, 5% of a day beyond.
    a = abs(seconds)
    tol = 0.5 if a < 60 else 3.01 if a < 600 else 30.01 if a < 47.5 * 3600 else max(0.05 * 86400, a * 0.0051)
    assert abs(back - seconds) <= tol + 1e-9, (seconds, text)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_p_values_never_zero_or_scientific(p):
    text = fmt.p_value(p)
    assert text.startswith(("p = ", "p < ")) and not BAD.search(text) and text != "p = 0"
    if p >= 0.001:
        shown = float(text.removeprefix("p = "))
        assert shown > 0 and math.isclose(shown, p, rel_tol=0.051)
        digits = re.sub(r"^0\.0*", "", text.removeprefix("p = ")).replace(".", "")
        assert len(digits) <= 2
    else:
        assert text == "p < 0.001"


def test_p_values_hand_worked():
    assert [fmt.p_value(x) for x in (0.019, 0.0191, 0.05, 0.43, 0.996, 1.0, 0.0, 8.5e-12)] == [
        "p = 0.019", "p = 0.019", "p = 0.05", "p = 0.43", "p = 1", "p = 1", "p < 0.001", "p < 0.001"]
    assert fmt.p_value(0.0, prefix=False) == "< 0.001" and fmt.p_value(None) == fmt.MISSING


def test_counts_percents_ratios():
    assert fmt.count(2778) == "2,778" and fmt.count(-16591.2) == "-16,591"
    assert fmt.percent(0.1234) == "12.3%" and fmt.percent(1.0) == "100%" and fmt.percent(None) == fmt.MISSING
    assert fmt.percent(-0.00001) == "0%"
    assert fmt.points(0.032) == "+3.2 pts" and fmt.points(-0.01) == "-1 pt"
    assert fmt.ratio(270.9) == "271x" and fmt.ratio(0.0) == fmt.MISSING and fmt.ratio(None) == fmt.MISSING
    assert fmt.percent_change(10, 0) == fmt.MISSING and fmt.percent_change(160, 6) == "+2,567%"


def test_duration_unit_fits_the_largest_value():
    assert fmt.duration_unit([13 * 60]) == ("minutes", 60.0)
    assert fmt.duration_unit([None, 3 * 86400 + 1]) == ("days", 86400.0)
    assert fmt.duration_unit([]) == ("seconds", 1.0)


def test_dates():
    assert fmt.date(dt.datetime(2025, 10, 31, 23, 59)) == "31 Oct 2025"
    assert fmt.date_range(dt.date(2025, 10, 1), dt.date(2025, 10, 31)) == "1–31 Oct 2025"
    assert fmt.datetime(dt.datetime(2025, 10, 31, 9, 5)) == "31 Oct 2025, 09:05"


def test_locales_use_their_own_separators_and_units():
    assert fmt.count(2778, locale="it") == "2.778"
    assert fmt.percent(0.5, locale="fr") == "50\u00a0%"
    assert fmt.duration(41820, locale="fr") == "11\u202fh 37\u00a0min"
    assert fmt.duration(3.2 * 86400, locale="it") == "3,2 giorni"
    assert fmt.p_value(0.019, locale="fr") == "p = 0,019"
    assert fmt.date(dt.date(2025, 11, 3), locale="it") == "3 nov 2025"
