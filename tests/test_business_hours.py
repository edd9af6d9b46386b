"""Opening-hours calendar and business-time arithmetic (issue 3, parts 1-2).

Hand-worked cases, parsing and text round trips, and Hypothesis property tests against a slow,
obviously-right plain-Python reference that walks local days with zoneinfo.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.calendar.business_hours import (
    DEFAULT_SPAN,
    BusinessCalendar,
    _materialise,
    hour_of_week_open,
)
from toolkit.errors import DataError

UTC = dt.UTC
H = 3600.0


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int) -> dt.datetime:
    """A local wall time (fold=0) in ``tz`` as an aware datetime."""
    return dt.datetime(*args, tzinfo=ZoneInfo(tz))


def bsecs(
    cal: BusinessCalendar, pairs: Sequence[tuple[dt.datetime | None, dt.datetime | None]]
) -> list:
    df = pl.DataFrame(
        {"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]},
        schema={"a": pl.Datetime("us", "UTC"), "b": pl.Datetime("us", "UTC")},
    )
    return df.select(cal.business_seconds("a", "b")).to_series().to_list()


def one(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime) -> float:
    return bsecs(cal, [(a, b)])[0]


def open_at(cal: BusinessCalendar, instants: Sequence[dt.datetime | None]) -> list:
    df = pl.DataFrame({"t": instants}, schema={"t": pl.Datetime("us", "UTC")})
    return df.select(cal.is_open("t")).to_series().to_list()


# --------------------------------------------------------------------------------------------
# Reference: walk local days with zoneinfo, no polars, no cleverness
# --------------------------------------------------------------------------------------------


# The reference reads a calendar from its raw parts, not from BusinessCalendar's normalised
# fields: timezone name, Monday..Sunday lists of (start, end) seconds after local midnight
# (end > 86400 = next day), and the set of closed local dates.
Raw = tuple[str, list[list[tuple[int, int]]], set[dt.date]]


def _ref_intervals(
    raw: Raw, lo: dt.datetime, hi: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Open UTC intervals (clipped to [lo, hi]) from the local days around [lo, hi]."""
    tzname, week, holiday_set = raw
    tz = ZoneInfo(tzname)
    first = lo.astimezone(tz).date() - dt.timedelta(days=2)
    last = hi.astimezone(tz).date() + dt.timedelta(days=1)

    def at(day: dt.date, secs: int) -> dt.datetime:
        """The first instant at which the local clock shows this wall time or later."""
        wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=secs)
        candidates = [wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)]
        real = [u for u in candidates if u.astimezone(tz).replace(tzinfo=None) == wall]
        if real:  # the earlier one when the hour repeats
            return min(real)
        # Skipped by the clock change: walk forward (whole minutes) to the change.
        u = min(candidates)
        while u.astimezone(tz).replace(tzinfo=None) < wall:
            u += dt.timedelta(minutes=1)
        return u

    closed = [(at(h, 0), at(h + dt.timedelta(days=1), 0)) for h in holiday_set]
    pieces: list[tuple[dt.datetime, dt.datetime]] = []
    day = first
    while day <= last:
        for s, e in week[day.weekday()]:
            segs = [(max(at(day, s), lo), min(at(day, e), hi))]
            for cs, ce in closed:  # cut every holiday out of the segment
                segs = [p for a, b in segs for p in ((a, min(b, cs)), (max(a, ce), b))]
            pieces.extend((a, b) for a, b in segs if a < b)
        day += dt.timedelta(days=1)
    return pieces


def ref_business_seconds(raw: Raw, start: dt.datetime, end: dt.datetime) -> float:
    if end <= start:
        return 0.0
    pieces = sorted(_ref_intervals(raw, start, end))
    total = dt.timedelta(0)
    cur_a: dt.datetime | None = None
    cur_b: dt.datetime | None = None
    for a, b in pieces:  # union of possibly overlapping pieces
        if cur_b is not None and a <= cur_b:
            cur_b = max(cur_b, b)
        else:
            if cur_a is not None and cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
    if cur_a is not None and cur_b is not None:
        total += cur_b - cur_a
    return total.total_seconds()


def ref_is_open(raw: Raw, t: dt.datetime) -> bool:
    week = dt.timedelta(days=7)
    return any(a <= t < b for a, b in _ref_intervals(raw, t - week, t + week))


# --------------------------------------------------------------------------------------------
# Hand-worked cases
# --------------------------------------------------------------------------------------------

OFFICE = BusinessCalendar.parse("mon-fri 09:00-18:00")


def test_friday_afternoon_to_monday_morning_is_two_hours() -> None:
    # Fri 2025-01-03 17:00 -> Mon 2025-01-06 10:00: 1 h on Friday + 1 h on Monday.
    assert one(OFFICE, utc(2025, 1, 3, 17), utc(2025, 1, 6, 10)) == 2 * H
    paris = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone="Europe/Paris")
    assert (
        one(paris, local("Europe/Paris", 2025, 1, 3, 17), local("Europe/Paris", 2025, 1, 6, 10))
        == 2 * H
    )


def test_inside_one_interval_and_reversed_and_null() -> None:
    a, b = utc(2025, 1, 6, 9, 30), utc(2025, 1, 6, 11, 15, 30)
    assert bsecs(OFFICE, [(a, b), (b, a), (a, a), (None, b), (a, None)]) == [
        6330.0,
        0.0,
        0.0,
        None,
        None,
    ]


def test_sub_second_precision() -> None:
    a = utc(2025, 1, 6, 9, 0, 0)
    b = dt.datetime(2025, 1, 6, 9, 0, 1, 250_000, tzinfo=UTC)
    assert one(OFFICE, a, b) == 1.25


def test_split_shift() -> None:
    cal = BusinessCalendar.parse("mon-fri 09:00-12:30,13:30-18:00")
    # 12:00 -> 14:00: 30 min before lunch + 30 min after.
    assert one(cal, utc(2025, 1, 6, 12), utc(2025, 1, 6, 14)) == 1 * H
    # A whole day is 8 h; lunch is closed.
    assert one(cal, utc(2025, 1, 6, 0), utc(2025, 1, 7, 0)) == 8 * H
    assert open_at(cal, [utc(2025, 1, 6, 12, 45), utc(2025, 1, 6, 13, 30)]) == [False, True]


def test_interval_crossing_midnight() -> None:
    cal = BusinessCalendar.parse("fri 22:00-02:00")
    # Fri 2025-01-03 21:00 -> Sat 03:00 covers the whole night shift: 4 h.
    assert one(cal, utc(2025, 1, 3, 21), utc(2025, 1, 4, 3)) == 4 * H
    assert one(cal, utc(2025, 1, 4, 1), utc(2025, 1, 4, 5)) == 1 * H
    assert open_at(
        cal,
        [utc(2025, 1, 3, 21, 59), utc(2025, 1, 3, 22), utc(2025, 1, 4, 1, 59), utc(2025, 1, 4, 2)],
    ) == [
        False,
        True,
        True,
        False,
    ]
    # Sunday night runs into Monday.
    sun = BusinessCalendar.parse("sun 23:00-01:00")
    assert one(sun, utc(2025, 1, 5, 0), utc(2025, 1, 7, 0)) == 2 * H


def test_interval_boundaries_are_half_open() -> None:
    assert open_at(OFFICE, [utc(2025, 1, 6, 9), utc(2025, 1, 6, 18), None]) == [True, False, None]


def test_explicit_and_country_holidays() -> None:
    paris = "Europe/Paris"
    # Thursday 2025-05-01 is Labour Day in France; Wed 17:00 -> Fri 10:00 = 1 h + 0 + 1 h.
    a, b = local(paris, 2025, 4, 30, 17), local(paris, 2025, 5, 2, 10)
    by_country = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone=paris, holidays="FR")
    by_date = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone=paris, holidays="2025-05-01")
    plain = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone=paris)
    assert one(by_country, a, b) == 2 * H
    assert one(by_date, a, b) == 2 * H
    assert one(plain, a, b) == 11 * H
    # Mixed: country plus an extra company day (Christmas Eve, a Wednesday).
    mixed = BusinessCalendar.parse("mon-fri 09:00-18:00", timezone=paris, holidays="FR,2025-12-24")
    assert one(mixed, local(paris, 2025, 12, 23, 17), local(paris, 2025, 12, 26, 10)) == 2 * H
    assert open_at(mixed, [local(paris, 2025, 7, 14, 10), local(paris, 2025, 7, 15, 10)]) == [
        False,
        True,
    ]


def test_holiday_cuts_a_night_shift_at_local_midnight() -> None:
    # Closed all day local: a Friday night shift running into a Saturday holiday stops at 00:00.
    cal = BusinessCalendar.parse("fri 22:00-02:00", holidays="2025-01-04")
    assert one(cal, utc(2025, 1, 3, 0), utc(2025, 1, 5, 0)) == 2 * H
    cal = BusinessCalendar.parse("fri 22:00-02:00", holidays="2025-01-03")
    assert one(cal, utc(2025, 1, 3, 0), utc(2025, 1, 5, 0)) == 2 * H


def test_us_subdivision_holidays() -> None:
    # Cesar Chavez Day (March 31) is a California state holiday, not a federal one.
    ca = BusinessCalendar.parse(
        "mon-fri 09:00-17:00", timezone="America/Los_Angeles", holidays="US-CA"
    )
    us = BusinessCalendar.parse(
        "mon-fri 09:00-17:00", timezone="America/Los_Angeles", holidays="US"
    )
    t = local("America/Los_Angeles", 2025, 3, 31, 12)
    assert open_at(ca, [t]) == [False]
    assert open_at(us, [t]) == [True]
    assert ca.country == "US" and ca.subdiv == "CA"


@pytest.mark.parametrize(
    ("tz", "spring", "fall"),
    [
        ("Europe/Paris", dt.date(2025, 3, 30), dt.date(2025, 10, 26)),
        ("America/New_York", dt.date(2025, 3, 9), dt.date(2025, 11, 2)),
    ],
)
def test_dst_days(tz: str, spring: dt.date, fall: dt.date) -> None:
    day = BusinessCalendar.parse("daily 09:00-18:00", timezone=tz)
    night = BusinessCalendar.parse("daily 22:00-06:00", timezone=tz)
    for d in (spring, fall):
        start = dt.datetime.combine(d, dt.time(), tzinfo=ZoneInfo(tz))
        end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(tz))
        # The office day on the change day is still 9 h of real time.
        assert one(day, start, end) == 9 * H
    # The night that contains the change: 22:00 -> 06:00 local is 7 h in spring, 9 h in fall.
    for d, hours in ((spring, 7), (fall, 9)):
        eve = dt.datetime.combine(d - dt.timedelta(days=1), dt.time(21), tzinfo=ZoneInfo(tz))
        morning = dt.datetime.combine(d, dt.time(7), tzinfo=ZoneInfo(tz))
        assert one(night, eve, morning) == hours * H
    # An instant inside the repeated hour of the fall-back night is open.
    repeated = dt.datetime.combine(fall, dt.time(1, 30), tzinfo=ZoneInfo(tz))
    assert open_at(night, [repeated, repeated.replace(fold=1)]) == [True, True]


def test_skipped_wall_time_is_the_moment_the_clock_jumps() -> None:
    # Paris 2025-03-30 02:00-03:00 does not exist (01:00 UTC the clock jumps to 03:00 CEST):
    # an interval 02:30-04:00 opens at the jump, so it lasts 1 h of real time that day.
    cal = BusinessCalendar.parse("sun 02:30-04:00", timezone="Europe/Paris")
    assert one(cal, utc(2025, 3, 29), utc(2025, 3, 31)) == 1 * H
    assert one(cal, utc(2025, 3, 22), utc(2025, 3, 24)) == 1.5 * H
    assert open_at(cal, [utc(2025, 3, 30, 0, 59, 59), utc(2025, 3, 30, 1)]) == [False, True]
    # Wall-clock containment stays real-time containment: 02:15-24:00 covers 03:00-24:00.
    wide = BusinessCalendar.parse("sun 02:15-24:00", timezone="Europe/Paris")
    narrow = BusinessCalendar.parse("sun 03:00-24:00", timezone="Europe/Paris")
    a, b = utc(2025, 3, 29), utc(2025, 3, 31)
    assert one(wide, a, b) == one(narrow, a, b) == 21 * H


def test_mixed_original_utc_offsets() -> None:
    # The same two instants written with different offsets give the same answer.
    plus2 = dt.timezone(dt.timedelta(hours=2))
    minus5 = dt.timezone(dt.timedelta(hours=-5))
    df = pl.DataFrame(
        {
            "a": [utc(2025, 1, 3, 17), dt.datetime(2025, 1, 3, 19, tzinfo=plus2)],
            "b": [dt.datetime(2025, 1, 6, 5, tzinfo=minus5), utc(2025, 1, 6, 10)],
        }
    )
    assert df.select(OFFICE.business_seconds("a", "b")).to_series().to_list() == [2 * H, 2 * H]


def test_any_time_zone_and_unit_and_naive_as_utc() -> None:
    base = pl.DataFrame({"a": [utc(2025, 1, 3, 17)], "b": [utc(2025, 1, 6, 10)]})
    variants = [
        base,
        base.with_columns(pl.all().dt.convert_time_zone("Asia/Tokyo").dt.cast_time_unit("ms")),
        base.with_columns(pl.all().dt.cast_time_unit("ns").dt.replace_time_zone(None)),
    ]
    for df in variants:
        assert df.select(OFFICE.business_seconds("a", "b")).item() == 2 * H
    # Expressions and datetime literals work too.
    assert base.select(OFFICE.business_seconds(pl.col("a"), utc(2025, 1, 6, 10))).item() == 2 * H


def test_lazy_in_lazy_out_and_output_names() -> None:
    lf = pl.LazyFrame({"a": [utc(2025, 1, 3, 17)], "b": [utc(2025, 1, 6, 10)]})
    out = lf.with_columns(OFFICE.business_seconds("a", "b"), OFFICE.is_open("a"))
    assert isinstance(out, pl.LazyFrame)
    got = out.collect()
    assert got.schema["business_seconds"] == pl.Float64
    assert got.schema["is_open"] == pl.Boolean
    assert got.row(0, named=True)["business_seconds"] == 2 * H


def test_always_open_equals_plain_difference() -> None:
    cal = BusinessCalendar.always_open()
    assert cal == BusinessCalendar() and cal.is_always_open
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    df = pl.DataFrame(
        {
            "a": [base + dt.timedelta(seconds=i * 7919, microseconds=i * 13) for i in range(2000)],
            "b": [base + dt.timedelta(seconds=i * 7919 + (i % 97) * 3571) for i in range(2000)],
        }
    )
    got = df.select(
        cal.business_seconds("a", "b"),
        plain=((pl.col("b") - pl.col("a")).dt.total_microseconds() / 1e6).clip(lower_bound=0),
    )
    assert got["business_seconds"].to_list() == got["plain"].to_list()
    assert df.select(cal.is_open("a").all()).item()


def test_outside_span_raises_or_gives_null() -> None:
    cal = OFFICE.with_span("2024-01-01", "2025-12-31")
    df = pl.DataFrame(
        {"a": [utc(2023, 12, 29, 10), utc(2025, 1, 6, 10)], "b": [utc(2025, 1, 6, 12)] * 2}
    )
    with pytest.raises(
        DataError,
        match=r"1 instant\(s\) in 'a' fall outside the calendar span 2024-01-01..2025-12-31",
    ):
        df.select(cal.business_seconds("a", "b"))
    with pytest.raises(DataError, match="with_span"):
        df.select(cal.is_open("a"))
    assert df.select(cal.business_seconds("a", "b", outside="null")).to_series().to_list() == [
        None,
        2 * H,
    ]
    # The span's edges are included.
    edges = pl.DataFrame({"a": [utc(2024, 1, 1)], "b": [utc(2026, 1, 1)]})
    assert (
        edges.select(cal.business_seconds("a", "b")).item() == 9 * H * 523
    )  # weekdays in 2024-2025


def test_default_span_and_cache() -> None:
    assert OFFICE.span == DEFAULT_SPAN
    _materialise.cache_clear()
    OFFICE.business_seconds("a", "b")
    OFFICE.is_open("a")
    BusinessCalendar.parse("mon-fri 09:00-18:00").is_open("a")  # equal calendar, same entry
    info = _materialise.cache_info()
    assert info.misses == 1 and info.hits >= 2


def test_intervals_frame() -> None:
    cal = BusinessCalendar.parse("mon 09:00-10:00", timezone="Europe/Paris").with_span(
        "2025-01-06", "2025-01-13"
    )
    iv = cal.intervals()
    assert iv.schema == pl.Schema(
        {"open_at": pl.Datetime("us", "UTC"), "close_at": pl.Datetime("us", "UTC")}
    )
    assert iv.rows() == [
        (utc(2025, 1, 6, 8), utc(2025, 1, 6, 9)),
        (utc(2025, 1, 13, 8), utc(2025, 1, 13, 9)),
    ]


# --------------------------------------------------------------------------------------------
# Construction, parsing, text form
# --------------------------------------------------------------------------------------------


def test_python_value_constructor_forms() -> None:
    text = BusinessCalendar.parse(
        "mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00", timezone="Europe/Paris"
    )
    forms = [
        {"mon-fri": [("09:00", "12:30"), ("13:30", "18:00")], "sat": [("10:00", "14:00")]},
        {"mon-fri": "09:00-12:30,13:30-18:00", "sat": ("10:00", "14:00")},
        {
            **{
                d: [(dt.time(9), dt.time(12, 30)), (dt.time(13, 30), dt.time(18))]
                for d in range(1, 6)
            },
            6: ["10:00-14:00"],
            "sun": "closed",
        },
        "mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00",
    ]
    for hours in forms:
        assert BusinessCalendar(timezone="Europe/Paris", hours=hours) == text  # type: ignore[arg-type]
    cal = BusinessCalendar(hours={"fri": [(dt.time(22), dt.time(0))]})
    assert cal.to_text() == "fri 22:00-24:00"


def test_parse_forms() -> None:
    cal = BusinessCalendar.parse("Mon,Wed 9:00-17:00 ; fri-mon 10:00-12:00\nthursday closed")
    assert cal.to_text() == "mon,fri-sun 10:00-12:00; wed 09:00-17:00"
    assert BusinessCalendar.parse("weekdays 08:00-20:00; weekend 10:00-16:00").to_text() == (
        "mon-fri 08:00-20:00; sat-sun 10:00-16:00"
    )
    # A later group overrides the same day.
    assert BusinessCalendar.parse("mon-fri 09:00-18:00; fri 09:00-16:00").to_text() == (
        "mon-thu 09:00-18:00; fri 09:00-16:00"
    )
    assert BusinessCalendar.parse("daily 00:00-24:00") == BusinessCalendar()
    assert BusinessCalendar.parse("24/7").is_always_open
    assert BusinessCalendar.parse("mon-sun closed").open_seconds_per_week() == 0
    assert (
        BusinessCalendar.parse("mon 09:00-12:00,11:00-13:00,13:00-14:00").to_text()
        == "mon 09:00-14:00"
    )
    assert BusinessCalendar.parse("mon 09:00:30-10:00").to_text() == "mon 09:00:30-10:00"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("mon-fry 09:00-18:00", "'fry' is not a day"),
        ("09:00-18:00", "the day(s) are missing"),
        ("mon-fri 9h-18h", "'9h' is not a time HH:MM"),
        ("mon-fri open", "expected days followed by time ranges"),
        ("mon-fri 09:00-18:60", "not a valid time"),
        ("mon-fri 09:00", "not a time range HH:MM-HH:MM"),
        ("mon 25:00-26:00", "past 24:00"),
        ("mon 24:00-02:00", "'24:00' can only end an interval"),
        ("mon 09:00-09:00", "the interval is empty"),
        ("", "the text is empty"),
        ("mon-fri 09:00-18:00;; sat 10:00-1400", "'1400' is not a time HH:MM"),
    ],
)
def test_parse_errors_say_what_and_expected_form(text: str, fragment: str) -> None:
    with pytest.raises(DataError) as err:
        BusinessCalendar.parse(text)
    msg = str(err.value)
    assert fragment in msg
    assert "expected e.g. 'mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00'" in msg
    assert isinstance(err.value, ValueError)


def test_timezone_validation_with_hint() -> None:
    with pytest.raises(
        DataError, match=r"unknown timezone 'Europe/Pariss'.*Did you mean 'Europe/Paris'"
    ):
        BusinessCalendar(timezone="Europe/Pariss")
    with pytest.raises(DataError, match="IANA"):
        BusinessCalendar.parse("24/7", timezone="")


@pytest.mark.parametrize(
    ("holidays", "fragment"),
    [
        ("XX", "'XX' is not a country code"),
        ("US-ZZ", "'ZZ' is not a subdivision of US"),
        ("FR,DE", "only one country per calendar"),
        ("2025-02-30", "not a valid date"),
        ("25/12/2025", "neither a date YYYY-MM-DD nor a country code"),
    ],
)
def test_holiday_errors(holidays: str, fragment: str) -> None:
    with pytest.raises(DataError, match="holidays: cannot read") as err:
        BusinessCalendar.parse("24/7", holidays=holidays)
    assert fragment in str(err.value)


def test_holidays_forms_and_text() -> None:
    a = BusinessCalendar.parse("24/7", holidays="fr, 2025-12-24 2025-12-24")
    b = BusinessCalendar(holidays=[dt.date(2025, 12, 24)], country="FR")
    c = BusinessCalendar(holidays=["FR", dt.datetime(2025, 12, 24, 15)])
    assert a == b == c
    assert a.holidays_text() == "FR,2025-12-24"
    assert BusinessCalendar.parse("24/7", holidays="us-ca").holidays_text() == "US-CA"
    with pytest.raises(DataError, match="country given twice"):
        BusinessCalendar(holidays="DE", country="FR")
    with pytest.raises(DataError, match="needs a country"):
        BusinessCalendar(subdiv="CA")


def test_to_params_round_trip_and_repr() -> None:
    cal = BusinessCalendar.parse(
        "mon-fri 09:00-12:30,13:30-18:00; fri 22:00-02:00; sat 10:00-14:00",
        timezone="America/New_York",
        holidays="US-NY,2025-12-24",
    ).with_span("2020-01-01", "2030-12-31")
    params = cal.to_params()
    assert params["span"] == "2020-01-01..2030-12-31"
    assert BusinessCalendar.parse(**params) == cal
    assert "BusinessCalendar.parse(" in repr(cal) and "US-NY,2025-12-24" in repr(cal)
    assert hash(cal) == hash(BusinessCalendar.parse(**params))


def test_week_helpers_and_hour_of_week_frame() -> None:
    cal = BusinessCalendar.parse("mon-fri 09:00-12:30,13:30-18:00; sun 23:30-01:15")
    assert cal.open_seconds_per_week() == 5 * 8 * 3600 + 105 * 60
    assert (
        cal.is_open_at(1, 9) and cal.is_open_at("mon", 0, 30) and not cal.is_open_at("mon", 1, 15)
    )
    assert not cal.is_open_at(1, 12, 30) and cal.is_open_at(7, 23, 45)
    frame = hour_of_week_open(cal)
    assert frame.shape == (168, 3)
    assert frame.schema == pl.Schema(
        {"weekday": pl.Int8, "hour": pl.Int8, "open_fraction": pl.Float64}
    )
    lookup = {(w, h): f for w, h, f in frame.iter_rows()}
    assert lookup[(1, 9)] == 1.0 and lookup[(1, 12)] == 0.5 and lookup[(1, 13)] == 0.5
    assert lookup[(7, 23)] == 0.5 and lookup[(1, 0)] == 1.0 and lookup[(1, 1)] == 0.25
    assert frame["open_fraction"].sum() * 3600 == pytest.approx(cal.open_seconds_per_week())
    assert cal.hour_of_week_open().equals(frame)
    assert hour_of_week_open(BusinessCalendar())["open_fraction"].to_list() == [1.0] * 168


# --------------------------------------------------------------------------------------------
# Property tests against the reference
# --------------------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # changes at local midnight
    "Asia/Kolkata",
]
WINDOW = (dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC))
SPAN = ("2023-12-01", "2026-01-31")


@functools.cache
def _transitions(tz: str) -> tuple[dt.datetime, ...]:
    """UTC hours in WINDOW right after which the zone's offset changed."""
    zone = ZoneInfo(tz)
    out = []
    t = WINDOW[0]
    prev = t.astimezone(zone).utcoffset()
    while t < WINDOW[1]:
        t += dt.timedelta(hours=1)
        off = t.astimezone(zone).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
    return tuple(out)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# Strategies are built once, at import: building them inside the composites costs more than
# running the tests.
_MINUTE = st.one_of(st.integers(0, 95).map(lambda q: q * 15), st.integers(0, 1439))
_DAY_INTERVALS = st.lists(st.tuples(_MINUTE, st.one_of(_MINUTE, st.just(1440))), max_size=3)
_WEEK = st.lists(_DAY_INTERVALS, min_size=7, max_size=7)
_HOLIDAYS = st.lists(st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31)), max_size=6)
_WINDOW_SECONDS = st.integers(0, int((WINDOW[1] - WINDOW[0]).total_seconds()))
_NEAR_TRANSITION = st.integers(-2 * 86400, 2 * 86400)
_STEP = st.integers(-3600, 10 * 86400)


@st.composite
def calendar_specs(draw: st.DrawFn) -> tuple[BusinessCalendar, Raw]:
    """A random calendar and the same calendar in the reference's raw form."""
    tz = draw(st.sampled_from(ZONES))
    hours: dict[str, list[tuple[str, str]]] = {}
    week: list[list[tuple[int, int]]] = []
    for day, ivs in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), draw(_WEEK), strict=True):
        ivs = [(a, b) for a, b in ivs if a != b % 1440 or (a == 0 and b == 1440)]
        hours[day] = [(_hhmm(a), "24:00" if b == 1440 else _hhmm(b)) for a, b in ivs]
        # An end at or before the start is on the next day.
        week.append([(a * 60, (b if b > a else b + 1440) * 60) for a, b in ivs])
    holidays = draw(_HOLIDAYS)
    cal = BusinessCalendar(timezone=tz, hours=hours, holidays=holidays, span=SPAN)  # type: ignore[arg-type]
    return cal, (tz, week, set(holidays))


def calendars() -> st.SearchStrategy[BusinessCalendar]:
    return calendar_specs().map(lambda spec: spec[0])


@st.composite
def instants(draw: st.DrawFn, tz: str) -> dt.datetime:
    """Instants in WINDOW, half of them within two days of a clock change."""
    transitions = _transitions(tz)
    if transitions and draw(st.booleans()):
        base = draw(st.sampled_from(transitions))
        return base + dt.timedelta(seconds=draw(_NEAR_TRANSITION))
    return WINDOW[0] + dt.timedelta(seconds=draw(_WINDOW_SECONDS))


@st.composite
def cases(draw: st.DrawFn) -> tuple[BusinessCalendar, Raw, list[tuple[dt.datetime, dt.datetime]]]:
    cal, raw = draw(calendar_specs())
    pairs = []
    for _ in range(draw(st.integers(1, 8))):
        a = draw(instants(cal.timezone))
        b = (
            a + dt.timedelta(seconds=draw(_STEP))
            if draw(st.booleans())
            else draw(instants(cal.timezone))
        )
        pairs.append((a, b))
    return cal, raw, pairs


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(cases())
def test_business_seconds_matches_reference(case: tuple[BusinessCalendar, Raw, list]) -> None:
    cal, raw, pairs = case
    got = bsecs(cal, pairs)
    want = [ref_business_seconds(raw, a, b) for a, b in pairs]
    assert got == want


@PROPERTY
@given(calendar_specs(), st.data())
def test_is_open_matches_reference(spec: tuple[BusinessCalendar, Raw], data: st.DataObject) -> None:
    cal, raw = spec
    ts = data.draw(st.lists(instants(cal.timezone), min_size=1, max_size=8))
    assert open_at(cal, ts) == [ref_is_open(raw, t) for t in ts]


@settings(max_examples=200, deadline=None)
@given(calendars())
def test_text_round_trip(cal: BusinessCalendar) -> None:
    text = cal.to_text()
    again = BusinessCalendar.parse(
        text, timezone=cal.timezone, holidays=cal.holidays_text(), span=SPAN
    )
    assert again == cal
    assert again.to_text() == text
    assert BusinessCalendar.parse(**cal.to_params()) == cal


@settings(max_examples=100, deadline=None)
@given(calendars())
def test_week_helpers_agree(cal: BusinessCalendar) -> None:
    frame = hour_of_week_open(cal)
    assert frame["open_fraction"].sum() * 3600 == pytest.approx(cal.open_seconds_per_week())
    for w, h, f in frame.iter_rows():
        if f == 1.0:
            assert cal.is_open_at(w, h) and cal.is_open_at(w, h, 59, 59)
        if f == 0.0:
            assert not cal.is_open_at(w, h, 30)


def test_covering_widens_the_span_only_when_needed() -> None:
    cal = OFFICE.with_span("2024-01-01", "2025-12-31")
    inside = pl.DataFrame({"a": [utc(2024, 6, 3, 10)], "b": [utc(2024, 6, 3, 12)]})
    assert cal.covering(inside, "a", "b") is cal
    outside = pl.LazyFrame({"a": [utc(2023, 12, 29, 10), None], "b": [utc(2026, 1, 5, 12), None]})
    wider = cal.covering(outside, "a", "b")
    assert wider.span == (dt.date(2023, 12, 28), dt.date(2026, 1, 6))
    assert wider.to_params()["hours"] == cal.to_params()["hours"]
    got = outside.select(wider.business_seconds("a", "b")).collect().to_series().to_list()
    # Fri 2023-12-29 10:00-18:00, 523 weekdays in 2024-2025, Thu+Fri 2026-01-01/02, Mon 09-12.
    assert got == [(8 + 523 * 9 + 2 * 9 + 3) * H, None]


def test_works_in_group_by_aggregation() -> None:
    df = pl.DataFrame(
        {
            "g": [1, 1, 2],
            "a": [utc(2025, 1, 3, 17), utc(2025, 1, 6, 9), utc(2025, 1, 6, 8)],
            "b": [utc(2025, 1, 6, 10), utc(2025, 1, 6, 10), utc(2025, 1, 6, 12)],
        }
    )
    out = df.group_by("g", maintain_order=True).agg(
        OFFICE.business_seconds("a", "b").sum(), OFFICE.is_open("a").mean()
    )
    assert out.rows() == [(1, 3 * H, 1.0), (2, 3 * H, 0.0)]
