"""Timestamps: every accepted format, mixed offsets, epochs, DST in a local zone."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from toolkit.errors import DataError
from toolkit.io.timestamps import check_timestamps, parse_timestamps


def _parse(values: list[str | None], tz: str = "UTC") -> list[datetime | None]:
    out = parse_timestamps(pl.Series("t", values, dtype=pl.String), timezone=tz)
    assert out.dtype == pl.Datetime("us", "UTC")
    return out.to_list()


def test_mixed_formats_and_offsets_in_one_column() -> None:
    got = _parse(
        [
            "2024-01-01T10:00:00+02:00",
            "2024-01-01T10:00:00Z",
            "2024-01-01 10:00:00.250-0500",
            "2024-01-01T10:00:00.5+05:30",
            "2024-01-01 10:00:00 UTC",
            "2024-01-01",
            "2024/01/01 10:00",
            "Tue Oct 31 22:10:47 +0000 2017",
            "Tue, 31 Oct 2017 22:10:47 +0100",
        ]
    )
    assert got == [
        datetime(2024, 1, 1, 8, tzinfo=UTC),
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2024, 1, 1, 15, 0, 0, 250000, tzinfo=UTC),
        datetime(2024, 1, 1, 4, 30, 0, 500000, tzinfo=UTC),
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 10, tzinfo=UTC),
        datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC),
        datetime(2017, 10, 31, 21, 10, 47, tzinfo=UTC),
    ]


def test_epoch_seconds_and_milliseconds() -> None:
    expected = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert _parse(["1700000000", "1700000000000", "1700000000.0", "1700000000000000"]) == [expected] * 4
    # epochs are UTC whatever the zone
    assert _parse(["1700000000"], "Europe/Paris") == [expected]
    numeric = parse_timestamps(pl.Series([1_700_000_000, 1_700_000_000_000]))
    assert numeric.to_list() == [expected, expected]


def test_day_first_slashes_and_month_first_detection() -> None:
    assert _parse(["05/01/2024 10:00", "31/12/2023 23:59:58"]) == [
        datetime(2024, 1, 5, 10, tzinfo=UTC),
        datetime(2023, 12, 31, 23, 59, 58, tzinfo=UTC),
    ]
    # a second field above 12 and no first field above 12: the column is month-first
    assert _parse(["01/13/2024 10:00", "02/01/2024 1:05 PM"]) == [
        datetime(2024, 1, 13, 10, tzinfo=UTC),
        datetime(2024, 2, 1, 13, 5, tzinfo=UTC),
    ]
    forced = parse_timestamps(pl.Series(["02/01/2024"]), day_first=False)
    assert forced.to_list() == [datetime(2024, 2, 1, tzinfo=UTC)]


def test_naive_times_in_paris_including_dst_days() -> None:
    got = _parse(
        [
            "2024-01-15 12:00",  # CET, +01:00
            "2024-07-15 12:00",  # CEST, +02:00
            "2024-03-31 01:59",  # just before the jump
            "2024-03-31 02:30",  # does not exist: read with the offset before the change
            "2024-03-31 03:00",  # first CEST minute
            "2024-10-27 02:30",  # happens twice: the first (CEST) occurrence
            "2024-10-27 03:30",  # after the change, CET
            "2024-07-15T12:00:00+00:00",  # explicit offsets ignore the zone
        ],
        "Europe/Paris",
    )
    assert got == [
        datetime(2024, 1, 15, 11, tzinfo=UTC),
        datetime(2024, 7, 15, 10, tzinfo=UTC),
        datetime(2024, 3, 31, 0, 59, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
        datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
        datetime(2024, 10, 27, 2, 30, tzinfo=UTC),
        datetime(2024, 7, 15, 12, tzinfo=UTC),
    ]


def test_expression_and_datetime_inputs() -> None:
    frame = pl.DataFrame({"t": ["2024-01-01 10:00", "garbage", None]})
    out = frame.select(parse_timestamps(pl.col("t"), timezone="Europe/Paris"))
    assert out.to_series().to_list() == [datetime(2024, 1, 1, 9, tzinfo=UTC), None, None]
    naive = pl.Series([datetime(2024, 7, 1, 12)])
    assert parse_timestamps(naive, timezone="Europe/Paris").to_list() == [datetime(2024, 7, 1, 10, tzinfo=UTC)]
    aware = naive.dt.replace_time_zone("America/New_York")
    assert parse_timestamps(aware).to_list() == [datetime(2024, 7, 1, 16, tzinfo=UTC)]


def test_unparseable_values_reported_then_error_when_most_fail() -> None:
    frame = pl.DataFrame({"row_nr": [1, 2, 3, 4], "raw": ["2024-01-01", "nope", "", "2024-01-02"]})
    frame = frame.with_columns(parsed=parse_timestamps(frame["raw"]))
    issues = check_timestamps(frame, "raw", "parsed", "sent")
    assert [(i.reason, i.rows, i.first_rows) for i in issues] == [("missing", 1, (3,)), ("unparseable", 1, (2,))]
    bad = pl.DataFrame({"row_nr": [1, 2, 3], "raw": ["x", "y", "2024-01-01"]})
    bad = bad.with_columns(parsed=parse_timestamps(bad["raw"]))
    with pytest.raises(DataError, match=r"'sent': 2 of 3 rows.*rows 1, 2.*'x', 'y'"):
        check_timestamps(bad, "raw", "parsed", "sent")


def test_large_column_is_vectorised_and_fast() -> None:
    import time

    values = pl.Series(["Tue Oct 31 22:10:47 +0000 2017", "2024-01-01T10:00:00+02:00"] * 100_000)
    start = time.perf_counter()
    out = parse_timestamps(values, timezone="Europe/Paris")
    assert out.null_count() == 0
    assert time.perf_counter() - start < 5


def test_excel_serial_dates_with_a_decimal_comma():
    # European Excel writes "43010,3333" in a ';' CSV (held out: refused as unparseable). Only a
    # five-digit day count takes the comma as decimal point: "1,234" stays unreadable as a time.
    raw = pl.Series(["43010,3333", "43010.3333", "43011,5", "1,234"])
    got = parse_timestamps(raw, timezone="Europe/Rome").to_list()
    assert got[0] == got[1] == datetime(2017, 10, 2, 5, 59, 57, 120000, tzinfo=UTC)
    assert got[2] == datetime(2017, 10, 3, 10, 0, tzinfo=UTC)
    assert got[3] is None


def test_a_semicolon_csv_of_comma_serials_loads_with_the_note(tmp_path):
    import toolkit

    path = tmp_path / "it.csv"
    path.write_text("message_id;conversation_id;created_at;direction\n1;c1;43010,3333;inbound\n2;c1;43010,375;outbound\n")
    result = toolkit.load(path, timezone="Europe/Rome")
    assert result.quality.used_rows == 2 and not result.quality.issues
    # One note, the serial one (it says the local time zone), as for serials with a point.
    assert [n for n in result.quality.notes_text() if "Excel serial" in n or "offset" in n] == [
        "2 times were Excel serial dates (day numbers such as 43039.92), read as dates in Europe/Rome local time"]
    assert result.messages["created_at"].to_list()[1] == datetime(2017, 10, 2, 7, 0, tzinfo=UTC)
