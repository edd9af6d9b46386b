"""One definition, three engines: every engine-neutral metric on DuckDB and Spark equals polars.

Generated logs carry the hard cases (timestamp ties broken by ``row_nr``, bots, brand-first
conversations, pending turns, a channel with no customer turn, null channels, times across a
DST change with opening hours and a holiday). Spark tests share one session and run few queries.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import toolkit
from tests.test_kpis import log
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.cli import main
from toolkit.core.engines import EngineTables, calendar_days
from toolkit.core.kpis import aggregate
from toolkit.core.metrics import Metric, metric_registry, register_metric, unregister_metric

HOURS = "mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00"
TZ = "Europe/Paris"


def generated_log(seed: int, n_conversations: int = 120) -> pl.DataFrame:
    """A random canonical log around the spring DST change (2025-03-30 in Paris)."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list] = {k: [] for k in (
        "conversation_id", "created_at", "direction", "is_bot", "agent_id", "channel", "customer_id",
        "message_id")}
    t0 = dt.datetime(2025, 3, 27, 6, tzinfo=dt.UTC)
    for c in range(n_conversations):
        t = t0 + dt.timedelta(minutes=int(rng.integers(0, 6 * 24 * 60)))
        channel = [None, "twitter", "facebook", "instagram"][int(rng.integers(0, 4))]
        brand_first = rng.random() < 0.15
        for k in range(int(rng.integers(1, 8))):
            if k == 0 and brand_first:
                direction, bot = "outbound", False
            else:
                r = rng.random()
                direction, bot = ("inbound", False) if r < 0.55 else (("outbound", True) if r < 0.65 else ("outbound", False))
            rows["conversation_id"].append(f"c{c}")
            rows["created_at"].append(t)
            rows["direction"].append(direction)
            rows["is_bot"].append(bot)
            rows["agent_id"].append(None if direction == "inbound" or bot else f"A{int(rng.integers(1, 4))}")
            rows["channel"].append(channel)
            rows["customer_id"].append(f"u{c % 50}" if direction == "inbound" else None)
            rows["message_id"].append(f"m{len(rows['message_id'])}")
            # Minutes-to-hours gaps; 0 gives timestamp ties, broken by row_nr.
            t += dt.timedelta(minutes=int(rng.choice([0, 0, 1, 7, 45, 300, 1500])))
    frame = pl.DataFrame(rows, schema_overrides={"created_at": pl.Datetime("us", "UTC"), "agent_id": pl.String,
                                                 "channel": pl.String, "customer_id": pl.String})
    # Shuffle the input, then number it: input order is the tie-break.
    frame = frame.sample(fraction=1.0, shuffle=True, seed=seed).with_row_index("row_nr", offset=1)
    frame = frame.with_columns(pl.col("row_nr").cast(pl.Int64), brand=pl.lit("Acme"), in_reply_to=pl.lit(None, pl.String))
    # A channel whose only messages are brand posts: a group with messages but no turns.
    extra = frame.head(1).with_columns(
        conversation_id=pl.lit("only-brand"), direction=pl.lit("outbound"), channel=pl.lit("newsletter"),
        row_nr=pl.lit(10_000, pl.Int64), message_id=pl.lit("m-extra"), customer_id=pl.lit(None, pl.String),
        agent_id=pl.lit("A1"), is_bot=pl.lit(False))
    return pl.concat([frame, extra])


def calendar() -> BusinessCalendar:
    return BusinessCalendar.parse(HOURS, timezone=TZ, holidays="2025-03-31")


NEUTRAL = [n for n, m in metric_registry().items() if m.is_neutral()]
#: The registered metrics written with polars expressions: the polars engine alone runs them.
#: None today: every metric of the toolkit runs on polars, DuckDB and Spark (docs/engines.md).
POLARS_ONLY: set[str] = set()


def test_every_registered_metric_is_neutral_or_named_polars_only() -> None:
    """A new metric written with polars expressions must be added to POLARS_ONLY on purpose."""
    registered = {n for n, m in metric_registry().items() if not m.is_neutral()}
    assert registered == POLARS_ONLY & set(metric_registry())


def rich_log(seed: int, *, resolved_at: bool = False) -> pl.DataFrame:
    """generated_log with the columns the conversation metrics read: handling time, CSAT, NPS
    (out-of-range ratings included), mention types in mixed case, and optionally resolved_at."""
    m = generated_log(seed)
    rng = np.random.default_rng(seed + 100)
    n = m.height

    def some(values: list, p: float) -> list:
        return [v if rng.random() < p else None for v in values]

    out = m.with_columns(
        handle_seconds=pl.Series(some(rng.integers(10, 900, n).astype(float).tolist(), 0.4), dtype=pl.Float64),
        csat=pl.Series(some(rng.integers(0, 7, n).astype(float).tolist(), 0.3), dtype=pl.Float64),
        nps=pl.Series(some(rng.integers(-1, 12, n).astype(float).tolist(), 0.3), dtype=pl.Float64),
        mention_type=pl.Series(some(rng.choice(["tagged", "Untagged ", "untagged"], n).tolist(), 0.8), dtype=pl.String),
    )
    if resolved_at:
        out = out.with_columns(
            resolved_at=pl.when(pl.Series(rng.random(n) < 0.2)).then(pl.col("created_at") + pl.duration(hours=3))
        )
    return out


def polars_kpis(messages: pl.DataFrame, **kwargs) -> pl.DataFrame:
    return toolkit.kpis(messages, metrics=[n for n in NEUTRAL if n in _supported(messages, kwargs)], **kwargs)


def _supported(messages: pl.DataFrame, kwargs: dict) -> set[str]:
    return set(toolkit.FactTables(messages, calendar=kwargs.get("calendar"), timezone=kwargs.get("timezone")).metrics())


def engine_kpis(messages, engine: str, **kwargs) -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return toolkit.kpis(messages, engine=engine, **kwargs)


def assert_same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.columns == want.columns
    assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=0.0)


# ---- polars: the neutral pipeline equals the kernel ------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_neutral_definitions_on_polars_equal_the_polars_kernel(seed: int) -> None:
    m = generated_log(seed)
    cal = calendar()
    for by in (None, "channel"):
        want = polars_kpis(m, by=by, calendar=cal, timezone=TZ)
        tables = EngineTables(m, engine="polars", calendar=cal, timezone=TZ)
        via_polars_neutral = aggregate(tables, list(tables.metrics()), by=by).collect()
        assert_same(via_polars_neutral, want.drop("sla_target_s").select(via_polars_neutral.columns))


def test_calendar_table_gives_the_calendars_business_seconds() -> None:
    """The day table (for engines) against the calendar's own polars expression, across DST."""
    cal = calendar().with_span("2025-03-20", "2025-04-10")
    days, slots = calendar_days(cal)
    assert slots >= 2
    rng = np.random.default_rng(0)
    lo = int(dt.datetime(2025, 3, 21, tzinfo=dt.UTC).timestamp() * 1e6)
    a = rng.integers(lo, lo + 17 * 86_400_000_000, 400)
    b = a + rng.integers(0, 4 * 86_400_000_000, 400)
    frame = pl.DataFrame({"start_us": a, "answered_us": b})
    from toolkit.core.engines import _with_business_time

    got = (
        _with_business_time(nw.from_native(frame.lazy()), nw.from_native(days.lazy()), slots, int(b.max()), cal)
        .collect("polars").to_native().sort("start_us", "answered_us")  # joins may reorder rows
    )
    frame = frame.sort("start_us", "answered_us")
    as_dt = frame.with_columns(pl.all().cast(pl.Datetime("us", "UTC")))
    want = as_dt.select(bh=cal.business_seconds("start_us", "answered_us"), open=cal.is_open("start_us"))
    assert got["response_bh_seconds"].to_list() == want["bh"].to_list()
    assert got["in_hours"].to_list() == want["open"].to_list()


# ---- DuckDB ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [4, 5])
def test_duckdb_equals_polars_on_generated_logs(seed: int) -> None:
    m = generated_log(seed)
    cal = calendar()
    for by in (None, "channel", ["channel", "agent_id"]):
        for kwargs in ({}, {"calendar": cal, "timezone": TZ}, {"sla": "15m"}):
            want = polars_kpis(m, by=by, **kwargs)
            got = engine_kpis(m, "duckdb", by=by, **kwargs)
            assert_same(got, want)


def test_duckdb_hand_worked_case() -> None:
    m = log([("c", 0, "inbound"), ("c", 0, "inbound"), ("c", 1, "outbound", True), ("c", 10, "outbound"),
             ("d", 0, "outbound"), ("d", 5, "inbound"), ("d", 6, "inbound"), ("e", 3, "inbound")])
    got = engine_kpis(m, "duckdb").row(0, named=True)
    assert got["turns"] == 3 and got["answered_turns"] == 1
    assert got["frt_median_s"] == 600.0 and got["reply_rate"] == pytest.approx(1 / 3)
    assert got["outbound_messages"] == 3 and got["unique_customers"] == 3
    assert got["sla_compliance"] == 1.0  # the two pending turns wait less than the target


def test_duckdb_reads_canonical_parquet_itself(tmp_path: Path) -> None:
    m = generated_log(6)
    m.head(300).write_parquet(tmp_path / "part-0.parquet")
    m.slice(300).write_parquet(tmp_path / "part-1.parquet")
    want = polars_kpis(m, by="channel")
    assert_same(engine_kpis(str(tmp_path), "duckdb", by="channel", memory_limit="500MB"), want)
    assert_same(engine_kpis(str(tmp_path / "*.parquet"), "duckdb", by="channel"), want)


@pytest.mark.parametrize("resolved_at", [False, True])
def test_conversation_and_outcome_metrics_on_duckdb_equal_polars(resolved_at: bool) -> None:
    m = rich_log(12, resolved_at=resolved_at)
    overall = toolkit.kpis(m).row(0, named=True)
    # The log exercises the rules: some but not all conversations resolved, ratings, handling.
    assert 0 < overall["resolution_rate"] < 1 and overall["fcr_rate"] is not None
    assert overall["resolution_basis"] == ("resolved_at" if resolved_at else "inferred")
    assert overall["csat_responses"] > 0 and overall["nps_responses"] > 0 and overall["aht_s"] > 0
    for by in (None, "channel", "agent_id", "customer_id"):
        want = toolkit.kpis(m, by=by).drop(POLARS_ONLY, strict=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # every registered metric runs: nothing left out
            got = toolkit.kpis(m, by=by, engine="duckdb", sla="20m" if by else 3600)
        if by:
            want = toolkit.kpis(m, by=by, sla="20m").drop(POLARS_ONLY, strict=False)
        assert_same(got, want)


def customers_table(seed: int) -> pl.DataFrame:
    """Customers of generated_log (u0..u44, one unknown), some churned before their first
    conversation (not eligible), a clashing ``channel`` column (becomes ``channel_customer``)."""
    rng = np.random.default_rng(seed)
    ids = [f"u{i}" for i in range(45)] + ["nobody"]
    t0 = dt.datetime(2025, 3, 20, tzinfo=dt.UTC)
    return pl.DataFrame({
        "customer_id": ids,
        "vip": rng.random(len(ids)) < 0.3,
        "segment": rng.choice(["gold", "basic", None], len(ids)).tolist(),
        "monthly_revenue": [None if rng.random() < 0.1 else float(rng.integers(5, 200)) for _ in ids],
        "churned_at": [None if rng.random() < 0.5 else t0 + dt.timedelta(days=int(rng.integers(0, 120))) for _ in ids],
        "channel": ["x"] * len(ids),
    }, schema_overrides={"churned_at": pl.Datetime("us", "UTC")})


def test_periods_and_customers_on_duckdb_equal_polars() -> None:
    """every= cuts local periods (DST, 30- and 45-minute offsets); customers= adds dimensions
    and the defection / revenue keys."""
    m = rich_log(24)
    cust = customers_table(24)
    cases = [
        {"every": "1d", "timezone": TZ, "calendar": calendar()},
        {"every": "hour", "timezone": "Asia/Kathmandu"},
        {"every": "30m", "timezone": "Asia/Kolkata"},
        {"every": "week", "timezone": TZ, "by": "channel"},
        {"every": "month"},
        {"customers": cust, "by": "segment"},
        {"customers": cust, "by": ["channel", "vip"], "every": "1d", "timezone": TZ},
    ]
    for kwargs in cases:
        want = toolkit.kpis(m, **kwargs).drop(POLARS_ONLY, strict=False)
        got = engine_kpis(m, "duckdb", **kwargs)
        assert got.height > 1, kwargs
        if "customers" in kwargs:
            assert got["defection_rate"].drop_nulls().len() > 0 and "arpu" in got.columns
        assert_same(got, want)


def test_inferred_resolution_hand_worked_on_duckdb() -> None:
    """SPEC: resolved when the last message is a human reply, the data go on 72 h after it and
    the customer does not come back (anywhere) within those 72 h."""
    h = 60
    m = log([
        ("a", 0, "inbound"), ("a", 10, "outbound"),                    # resolved (quiet 100 h)
        ("b", 0, "inbound"), ("b", 5, "outbound"),                     # customer back in b2 at 50 h
        ("b2", 50 * h, "inbound"),
        ("c", 0, "inbound"), ("c", 3, "outbound", True),               # a bot had the last word
        ("d", 0, "inbound"), ("d", 20, "outbound"), ("d", 30, "inbound"),  # customer wrote last
        ("e", 90 * h, "inbound"), ("e", 90 * h + 1, "outbound"),      # too recent: < 72 h of data
        ("z", 100 * h, "inbound"),
    ])
    m = m.with_columns(customer_id=pl.when(pl.col("conversation_id") == "b2").then(pl.lit("cust-b"))
                       .otherwise(pl.col("customer_id")))
    for engine in ("polars", "duckdb"):
        row = engine_kpis(m, engine).row(0, named=True)
        assert row["resolution_rate"] == pytest.approx(1 / 7), engine  # only a
        assert row["resolution_median_s"] == 600.0 and row["fcr_rate"] == 1.0, engine


def test_polars_only_metrics_are_named_on_other_engines() -> None:
    m = generated_log(7)
    register_metric(Metric("long_turns", "turns", "share", value=pl.col("inbound_messages") >= 3), replace=True)
    try:
        with pytest.raises(toolkit.DataError, match=r"\['long_turns'\] run on the polars engine only"):
            toolkit.kpis(m, engine="duckdb", metrics=["turns", "long_turns"])
        with pytest.warns(UserWarning, match="long_turns"):
            out = toolkit.kpis(m, engine="duckdb")
        assert "long_turns" not in out.columns and "turns" in out.columns
        assert "long_turns" in toolkit.kpis(m).columns  # and polars runs it
    finally:
        unregister_metric("long_turns")


def test_a_researchers_neutral_metric_runs_on_every_engine() -> None:
    m = generated_log(8)
    register_metric(Metric("long_turns", "turns", "share", value=nw.col("inbound_messages") >= 3,
                           label="turns of 3+ messages", polarity="lower"), replace=True)
    try:
        want = toolkit.kpis(m, by="channel", metrics=["long_turns"])
        assert want["long_turns"].drop_nulls().len() > 0
        assert_same(engine_kpis(m, "duckdb", by="channel", metrics=["long_turns"]), want)
    finally:
        unregister_metric("long_turns")


def test_engine_errors_are_clear() -> None:
    m = generated_log(9, n_conversations=10)
    with pytest.raises(toolkit.DataError, match=r"engine='oracle' is not one of"):
        toolkit.kpis(m, engine="oracle")
    with pytest.raises(toolkit.DataError, match="memory-limit"):
        toolkit.kpis(m, engine="duckdb", memory_limit="lots")


def _cli_json(argv: list[str]) -> list[dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return json.loads(out.getvalue())


def _mixed_offsets_csv(path: Path) -> Path:
    """A generic-layout CSV whose timestamps carry different UTC offsets."""
    m = generated_log(10, n_conversations=60)
    offsets = ["+00:00", "+02:00", "-05:00"]
    text = m.with_columns(
        created_at=pl.struct("created_at", "row_nr").map_elements(
            lambda r: r["created_at"].astimezone(dt.timezone(dt.timedelta(hours=int(offsets[r["row_nr"] % 3][:3])))).isoformat(),
            return_dtype=pl.String,
        )
    ).drop("row_nr", "in_reply_to")
    text.write_csv(path)
    return path


def test_cli_kpis_duckdb_json_equals_polars(tmp_path: Path) -> None:
    csv = _mixed_offsets_csv(tmp_path / "log.csv")
    base = [str(csv), "--format", "json", "--quiet", "--hours", HOURS, "--timezone", TZ, "--holidays", "2025-03-31"]
    for by in ([], ["--by", "channel"], ["--every", "day", "--by", "channel"]):
        polars_rows = _cli_json(["kpis", *base, *by])
        duck_rows = _cli_json(["kpis", *base, *by, "--engine", "duckdb", "--memory-limit", "1GB"])
        assert len(duck_rows) == len(polars_rows)
        for d, p in zip(duck_rows, polars_rows, strict=True):
            for key, value in d.items():
                assert p[key] == pytest.approx(value, rel=1e-9, nan_ok=True) if isinstance(value, float) else p[key] == value, key


# ---- Spark (one session, few queries) ---------------------------------------------------------


def test_spark_equals_polars(spark, tmp_path: Path) -> None:
    m = rich_log(11)
    want = toolkit.kpis(m, by="agent_id").drop(POLARS_ONLY, strict=False)
    assert_same(engine_kpis(m, "spark", by="agent_id", spark_master="local[2]"), want)
    kwargs = {"customers": customers_table(11), "by": "vip", "every": "1d", "timezone": "Asia/Kathmandu"}
    want = toolkit.kpis(m, **kwargs).drop(POLARS_ONLY, strict=False)
    assert_same(engine_kpis(m, "spark", spark_master="local[2]", **kwargs), want)
    m = generated_log(11)
    cal = calendar()
    want = polars_kpis(m, by="channel", calendar=cal, timezone=TZ)
    assert_same(engine_kpis(m, "spark", by="channel", calendar=cal, timezone=TZ, spark_master="local[2]"), want)
    m.write_parquet(tmp_path / "log.parquet")
    want = polars_kpis(m, sla="10m")
    assert_same(engine_kpis(str(tmp_path / "log.parquet"), "spark", sla="10m", spark_master="local[2]"), want)


def test_peaks_and_compare_on_spark_equal_polars(spark) -> None:
    from toolkit.analysis.compare import compare
    from toolkit.analysis.peaks import peak_buckets

    weeks = weeks_with_burst()
    want = peak_buckets(weeks, timezone=TZ)
    assert_frame_equal(peak_buckets(weeks, timezone=TZ, engine="spark", spark_master="local[2]"), want)
    m = rich_log(23)
    want = compare(m, "channel:twitter", n_boot=200)
    _same_comparison(compare(m, "channel:twitter", n_boot=200, engine="spark", spark_master="local[2]"), want)


def test_cli_kpis_spark_json_equals_polars(spark, tmp_path: Path) -> None:
    csv = _mixed_offsets_csv(tmp_path / "log.csv")
    base = [str(csv), "--format", "json", "--quiet", "--by", "channel"]
    polars_rows = _cli_json(["kpis", *base])
    spark_rows = _cli_json(["kpis", *base, "--engine", "spark", "--spark-master", "local[2]"])
    for s, p in zip(spark_rows, polars_rows, strict=True):
        for key, value in s.items():
            assert p[key] == pytest.approx(value, rel=1e-9) if isinstance(value, float) else p[key] == value, key


# ---- peaks: the engine counts, the baselines are formed in Python -----------------------------


def _peak_settings() -> list[dict]:
    return [
        {"bucket": "hour", "timezone": TZ},  # across the DST change
        {"bucket": "day", "timezone": TZ},
        {"bucket": "hour", "timezone": "Asia/Kathmandu"},  # a 45-minute offset
        {"bucket": "30m", "timezone": "Asia/Kolkata", "k": 1.0},
        {"bucket": "week", "timezone": "America/New_York"},
    ]


def weeks_with_burst() -> pl.DataFrame:
    """Four weeks (a usual level for each weekday from three others: peaks are judged on daily
    buckets) and a burst: real peak periods."""
    weeks = pl.concat([
        generated_log(20 + i, n_conversations=150).with_columns(
            pl.col("created_at") + pl.duration(weeks=i), conversation_id=pl.lit(f"w{i}-") + pl.col("conversation_id"),
            message_id=pl.lit(f"w{i}-") + pl.col("message_id"))
        for i in range(4)
    ])
    burst = weeks.filter(pl.col("direction") == "inbound").head(150).with_columns(
        created_at=pl.lit(dt.datetime(2025, 4, 9, 14, 20, tzinfo=dt.UTC)),
        message_id=pl.lit("burst-") + pl.col("message_id"))
    return pl.concat([weeks, burst]).with_columns(row_nr=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))


def test_peaks_on_duckdb_equal_polars(tmp_path: Path) -> None:
    from toolkit.analysis.peaks import peak_buckets, peak_periods

    m = generated_log(13, n_conversations=400)
    m.write_parquet(tmp_path / "log.parquet")
    for settings in _peak_settings():
        want = peak_buckets(m, **settings)
        assert want.height > (1 if settings["bucket"] == "week" else 5) and want["inbound_messages"].sum() == (m["direction"] == "inbound").sum()
        assert_frame_equal(peak_buckets(m, engine="duckdb", **settings), want)
        assert_frame_equal(peak_buckets(str(tmp_path / "log.parquet"), engine="duckdb", **settings), want)
    weeks = weeks_with_burst()
    got = peak_periods(weeks, bucket="day", timezone=TZ, engine="duckdb", memory_limit="500MB")
    want = peak_periods(weeks, bucket="day", timezone=TZ)
    assert want.height > 0
    assert_frame_equal(got, want)


def test_cli_peaks_duckdb_equals_polars(tmp_path: Path) -> None:
    weeks_with_burst().write_parquet(tmp_path / "log.parquet")
    base = ["peaks", str(tmp_path / "log.parquet"), "--format", "json", "--quiet", "--timezone", TZ, "--bucket", "day"]
    want = _cli_json(base)
    assert want and _cli_json([*base, "--engine", "duckdb", "--memory-limit", "1GB"]) == want



# ---- compare: the engine aggregates, the statistics run in Python ------------------------------


def _compare_cases() -> list[tuple[pl.DataFrame, str]]:
    return [(rich_log(15), "channel:twitter"), (rich_log(16, resolved_at=True), "agent:A1"),
            (rich_log(17), "channel:twitter,facebook"), (rich_log(18), "before:2025-03-30"),
            (weeks_with_burst(), "peak:day")]


def _same_comparison(got: pl.DataFrame, want: pl.DataFrame) -> None:
    # Kaplan-Meier statistics are not compared on any engine (censored rows are no sample).
    assert got["metric"].to_list() == want["metric"].to_list() and got.height > 10
    assert_frame_equal(got, want, rel_tol=1e-9)


def test_compare_on_duckdb_equals_polars() -> None:
    from toolkit.analysis.compare import compare

    # Small logs: a minimum of 10 per side (not the default 30) so that tests and intervals run.
    for m, split in _compare_cases():
        want = compare(m, split, timezone=TZ, n_boot=200, min_n=10)
        assert want["p_value"].drop_nulls().len() >= 3, split  # tests and intervals were computed
        _same_comparison(compare(m, split, timezone=TZ, n_boot=200, min_n=10, engine="duckdb", memory_limit="1GB"), want)


def test_compare_on_duckdb_samples_big_sides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond ENGINE_SAMPLE_ROWS per side the tests run on a systematic sample; the statistics
    a and b still come from every row."""
    import toolkit.analysis.compare as cmp

    m = rich_log(19)
    want = cmp.compare(m, "channel:twitter", n_boot=200)
    monkeypatch.setattr(cmp, "ENGINE_SAMPLE_ROWS", 50)
    got = cmp.compare(m, "channel:twitter", n_boot=200, engine="duckdb")
    assert_frame_equal(got.select("metric", "a", "b"), want.select("metric", "a", "b"), rel_tol=1e-9)
    turns = got.filter(pl.col("metric") == "reply_rate").row(0, named=True)
    full = want.filter(pl.col("metric") == "reply_rate").row(0, named=True)
    assert turns["n_a"] + turns["n_b"] < full["n_a"] + full["n_b"]


def test_compare_polars_only_splits_are_named(tmp_path: Path) -> None:
    from toolkit.analysis.compare import compare

    m = generated_log(21, n_conversations=30)
    with pytest.raises(toolkit.DataError, match="split 'hours' runs on the polars engine only"):
        compare(m, "hours", calendar=calendar(), engine="duckdb")
    m.write_parquet(tmp_path / "log.parquet")
    with pytest.raises(toolkit.DataError, match="no 'channel' equal to"):
        compare(str(tmp_path / "log.parquet"), "channel:fax", engine="duckdb")


def test_cli_compare_duckdb_equals_polars(tmp_path: Path) -> None:
    rich_log(22).write_parquet(tmp_path / "log.parquet")
    base = ["compare", str(tmp_path / "log.parquet"), "--split", "channel:twitter", "--format", "json",
            "--quiet", "--n-boot", "200", "--sla", "30m"]
    want = _cli_json(base)
    got = _cli_json([*base, "--engine", "duckdb", "--memory-limit", "1GB"])
    assert len(got) == len(want) > 10
    for g, w in zip(got, want, strict=True):
        for key, value in g.items():
            assert w[key] == pytest.approx(value, rel=1e-9) if isinstance(value, float) else w[key] == value, key
