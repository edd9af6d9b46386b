"""The seeded sample generator: determinism, layout, and every planted story effect.

The story checks use plain polars (not the toolkit's metrics) so they test the data, not the
code that will later measure it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from toolkit.sample import SAMPLE_PATH
from toolkit.sample.generate import (
    COLUMNS,
    OPENING_HOURS,
    TEAM_TIMEZONE,
    generate_sample,
    sample_story,
    write_sample,
)

SAMPLE_CSV = SAMPLE_PATH
STORY = sample_story()
HUMAN_OUT = (pl.col("direction") == "outbound") & ~pl.col("is_bot")


@pytest.fixture(scope="module")
def df() -> pl.DataFrame:
    """The default sample, with local time columns for the story checks."""
    local = pl.col("created_at").dt.convert_time_zone(TEAM_TIMEZONE)
    return generate_sample().with_columns(
        local_date=local.dt.date(),
        local_wd=local.dt.weekday() - 1,  # 0 = Monday, as OPENING_HOURS
        local_hour=local.dt.hour(),
    )


def _in_hours(wd: pl.Expr, hour: pl.Expr, date: pl.Expr) -> pl.Expr:
    expr = pl.lit(False)
    for day, (start, end) in OPENING_HOURS.items():
        expr = expr | ((wd == day) & (hour >= start) & (hour < end))
    return expr & ~date.is_in(pl.lit(pl.Series(STORY["closed_days"], dtype=pl.Date)).implode())


@pytest.fixture(scope="module")
def first_turns(df: pl.DataFrame) -> pl.DataFrame:
    """One row per conversation: first customer message, first human answer after it, FRT."""
    inbound = df.filter(pl.col("direction") == "inbound")
    first_in = inbound.group_by("conversation_id").agg(
        pl.col("created_at").min().alias("first_in"),
        pl.col("sentiment").sort_by("created_at").first().alias("first_sentiment"),
        pl.col("sentiment").sort_by("created_at").last().alias("last_sentiment"),
        pl.len().alias("n_inbound"),
    )
    answers = (
        df.filter(HUMAN_OUT)
        .join(first_in, on="conversation_id")
        .filter(pl.col("created_at") > pl.col("first_in"))
        .group_by("conversation_id")
        .agg(pl.col("created_at").min().alias("answer"), pl.col("agent_id").sort_by("created_at").first())
    )
    local = pl.col("first_in").dt.convert_time_zone(TEAM_TIMEZONE)
    return (
        first_in.join(answers, on="conversation_id", how="left")
        .join(
            df.group_by("conversation_id").agg(
                pl.col("channel").first(), pl.col("csat").max(), pl.col("customer_id").first()
            ),
            on="conversation_id",
        )
        .with_columns(
            frt_min=(pl.col("answer") - pl.col("first_in")).dt.total_seconds() / 60,
            in_hours=_in_hours(local.dt.weekday() - 1, local.dt.hour(), local.dt.date()),
            date=local.dt.date(),
        )
    )


# ---- determinism, layout, size ---------------------------------------------------------------


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    a = generate_sample(conversations=1500, seed=3)
    assert a.equals(generate_sample(conversations=1500, seed=3))
    assert not a.equals(generate_sample(conversations=1500, seed=4))


def test_columns_types_and_values(df: pl.DataFrame) -> None:
    out = df.select(COLUMNS)
    assert out.columns == list(COLUMNS)
    assert out.schema["created_at"] == pl.Datetime("us", "UTC")
    assert out.schema["resolved_at"] == pl.Datetime("us", "UTC")
    assert out.schema["is_bot"] == pl.Boolean
    for col in ("sentiment", "handle_seconds", "csat", "nps"):
        assert out.schema[col] == pl.Float64
    assert out["message_id"].is_unique().all()
    for col in ("message_id", "conversation_id", "created_at", "direction", "channel", "brand"):
        assert out[col].null_count() == 0, col
    assert set(out["direction"]) == {"inbound", "outbound"}
    assert set(out["channel"]) == {"twitter", "facebook", "instagram", "email", "chat"}
    assert out["brand"].n_unique() == 2
    assert out["sentiment"].drop_nulls().is_between(-1, 1).all()
    assert out["csat"].drop_nulls().is_in([float(i) for i in range(1, 6)]).all()
    assert out["nps"].drop_nulls().is_in([float(i) for i in range(11)]).all()
    # Whole seconds, inside the period (local Sep 1 .. Nov 30).
    assert (out["created_at"].dt.microsecond() == 0).all()
    assert df["local_date"].min() == STORY["first_day"]
    assert df["local_date"].max() == STORY["last_day"]
    # Replies point at existing messages; agent ids only on human outbound rows.
    refs = out["in_reply_to"].drop_nulls()
    assert refs.is_in(out["message_id"].implode()).all()
    assert df.filter(pl.col("agent_id").is_not_null())["direction"].unique().to_list() == [
        "outbound"
    ]
    assert df.filter(HUMAN_OUT)["agent_id"].null_count() == 0
    assert 20 <= df["agent_id"].n_unique() - 1 <= 40  # minus the null of inbound/bot rows


def test_size(df: pl.DataFrame) -> None:
    assert 11_500 <= df["conversation_id"].n_unique() <= 12_000
    assert 35_000 <= df.height <= 55_000
    assert 0 < SAMPLE_CSV.stat().st_size < 10_000_000


def test_rows_nearly_but_not_exactly_chronological(df: pl.DataFrame) -> None:
    t = df["created_at"]
    backwards = (t.diff() < dt.timedelta(0)).sum()
    assert 0 < backwards < 0.05 * df.height


def test_committed_csv_is_write_sample_output(tmp_path: Path) -> None:
    fresh = write_sample(tmp_path / "sample.csv")
    assert fresh.read_bytes() == SAMPLE_CSV.read_bytes(), (
        "sample_data/sample_messages.csv is stale: run `python -m toolkit sample` "
        "(or toolkit.sample.write_sample) to regenerate it"
    )


def test_committed_customers_csv_is_current(tmp_path: Path) -> None:
    from toolkit.sample.generate import write_sample_customers

    fresh = write_sample_customers(tmp_path / "customers.csv")
    assert fresh.read_bytes() == (SAMPLE_CSV.parent / "sample_customers.csv").read_bytes(), (
        "sample_data/sample_customers.csv is stale: run `python -m toolkit sample "
        "--customers-out sample_data/sample_customers.csv` to regenerate it"
    )


def test_planted_defection_after_bad_experiences_is_found() -> None:
    import toolkit

    messages = toolkit.read_messages(SAMPLE_CSV)
    customers = toolkit.read_customers(SAMPLE_CSV.parent / "sample_customers.csv")
    result = toolkit.compare(messages, "experience", customers=customers, metrics=["defection_rate"])
    (row,) = result.to_dicts()
    assert row["a"] > 2 * row["b"]  # bad experience: ~13 % defect vs ~4 %
    assert row["p_value"] < 0.001 and row["direction"] == "worse"
    assert row["n_a"] > 1000 and row["n_b"] > 500
    (overall,) = toolkit.kpis(messages, customers=customers).to_dicts()
    assert 0.0 < overall["untagged_mentions"] / overall["inbound_messages"] < 0.05
    assert overall["engagement_rate"] < overall["reply_rate"]  # untagged mentions get missed


def test_csv_timestamps_are_iso_8601_with_offsets() -> None:
    raw = pl.read_csv(SAMPLE_CSV, infer_schema=False)
    ts = raw["created_at"]
    assert ts.str.ends_with("Z").mean() > 0.9
    assert ts.str.contains(r"[+-]0[45]:00$").sum() > 0
    parsed = ts.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC")
    assert parsed.null_count() == 0
    assert parsed.equals(generate_sample()["created_at"], check_names=False)


# ---- the story ---------------------------------------------------------------------------------


def test_promotion_and_holiday_peaks_in_volume(df: pl.DataFrame) -> None:
    daily = df.filter(pl.col("direction") == "inbound").group_by("local_date").len()
    median = daily["len"].median()
    _, p0, p1, _ = STORY["promotion"]
    promo = daily.filter(pl.col("local_date").is_between(p0, p1))
    assert promo.height == 3
    assert (promo["len"] > 2.5 * median).all()
    _, h0, _, _ = STORY["holiday_peak"]
    assert daily.filter(pl.col("local_date") == h0)["len"].item() > 2.5 * median


def test_peak_days_replies_slower(first_turns: pl.DataFrame) -> None:
    _, p0, p1, _ = STORY["promotion"]
    _, h0, h1, _ = STORY["holiday_peak"]
    peak = pl.col("date").is_between(p0, p1) | pl.col("date").is_between(h0, h1)
    t = first_turns.filter(pl.col("in_hours"))
    slow = t.filter(peak)["frt_min"].median()
    normal = t.filter(~peak)["frt_min"].median()
    assert slow > 1.6 * normal


def test_process_change_cuts_handle_seconds(df: pl.DataFrame) -> None:
    _, change, _ = STORY["process_change"]
    out = df.filter(HUMAN_OUT)
    before = out.filter(pl.col("local_date") < change)["handle_seconds"].mean()
    after = out.filter(pl.col("local_date") >= change)["handle_seconds"].mean()
    assert 0.15 <= 1 - after / before <= 0.35


def test_in_hours_fast_out_of_hours_slow(first_turns: pl.DataFrame) -> None:
    in_h = first_turns.filter(pl.col("in_hours"))["frt_min"].median()
    out_h = first_turns.filter(~pl.col("in_hours"))["frt_min"].median()
    assert 15 <= in_h <= 40
    assert out_h > 5 * in_h


def test_agents_reply_only_in_opening_hours(df: pl.DataFrame) -> None:
    human = df.filter(HUMAN_OUT)
    inside = human.select(
        _in_hours(pl.col("local_wd"), pl.col("local_hour"), pl.col("local_date"))
    ).to_series()
    assert inside.mean() > 0.99
    # Closed days (Labor Day, Thanksgiving) have no human replies at all.
    assert human.filter(pl.col("local_date").is_in(STORY["closed_days"])).height == 0


def test_bot_answers_out_of_hours_without_answering_the_turn(df: pl.DataFrame) -> None:
    bots = df.filter(pl.col("is_bot"))
    assert bots.height > 500
    assert (bots["direction"] == "outbound").all()
    assert bots["agent_id"].null_count() == bots.height
    inside = bots.select(
        _in_hours(pl.col("local_wd"), pl.col("local_hour"), pl.col("local_date"))
    ).to_series()
    assert not inside.any()
    # Conversations the bot touched still get a later human reply in most cases.
    touched = bots["conversation_id"].unique().implode()
    human_later = df.filter(pl.col("conversation_id").is_in(touched) & HUMAN_OUT)
    assert human_later["conversation_id"].n_unique() > 0.6 * bots["conversation_id"].n_unique()


def test_brand_first_conversations(df: pl.DataFrame) -> None:
    first = df.sort("created_at", "message_id").group_by("conversation_id").agg(
        pl.col("direction").first(), pl.col("category").first()
    )
    brand_first = first.filter(pl.col("direction") == "outbound")
    assert brand_first.height > 0.03 * first.height
    assert "marketing" in brand_first["category"].to_list()


def test_unanswered_turns(df: pl.DataFrame, first_turns: pl.DataFrame) -> None:
    never = first_turns.filter(pl.col("answer").is_null()).height
    assert 0.05 * first_turns.height < never < 0.35 * first_turns.height
    last = df.sort("created_at", "message_id").group_by("conversation_id").agg(
        pl.col("direction").last(), pl.len()
    )
    # Conversations that had several messages and end on a customer message.
    assert last.filter((pl.col("direction") == "inbound") & (pl.col("len") > 3)).height > 100


def test_bursts(df: pl.DataFrame) -> None:
    d = df.sort("conversation_id", "created_at").with_columns(
        gap=pl.col("created_at").diff().over("conversation_id").dt.total_seconds(),
        prev=pl.col("direction").shift().over("conversation_id"),
    )
    burst = d.filter(
        (pl.col("direction") == "inbound") & (pl.col("prev") == "inbound") & (pl.col("gap") <= 120)
    )
    assert burst["conversation_id"].n_unique() > 0.15 * df["conversation_id"].n_unique()


def test_channel_switchers(first_turns: pl.DataFrame) -> None:
    social = first_turns.filter(
        pl.col("channel").is_in(["twitter", "facebook", "instagram"]) & pl.col("answer").is_null()
    ).select("customer_id", social_at="first_in")
    direct = first_turns.filter(pl.col("channel").is_in(["email", "chat"])).select(
        "customer_id", "first_in"
    )
    wait = (pl.col("first_in") - pl.col("social_at")).dt.total_hours()
    switched = social.join(direct, on="customer_id").filter(wait.is_between(24, 72))
    assert switched["customer_id"].n_unique() > 100


def test_slow_agents_and_improving_agent(first_turns: pl.DataFrame) -> None:
    t = first_turns.filter(pl.col("in_hours") & pl.col("agent_id").is_not_null())
    per_agent = t.group_by("agent_id").agg(pl.col("frt_min").median())
    slow_ids = list(STORY["slow_agents"])
    improving = STORY["improving_agent"][0]
    peers = per_agent.filter(~pl.col("agent_id").is_in([*slow_ids, improving]))
    peer_median = peers["frt_min"].median()
    slow = per_agent.filter(pl.col("agent_id").is_in(slow_ids))["frt_min"]
    assert (slow > 1.7 * peer_median).all()
    assert (peers["frt_min"] < 1.6 * peer_median).all()
    mine = t.filter(pl.col("agent_id") == improving)
    early = mine.filter(pl.col("date") < STORY["first_day"] + dt.timedelta(days=30))
    late = mine.filter(pl.col("date") > STORY["last_day"] - dt.timedelta(days=30))
    assert early["frt_min"].median() > 1.3 * late["frt_min"].median()


def test_channels_differ_in_speed(first_turns: pl.DataFrame) -> None:
    med = dict(
        first_turns.filter(pl.col("in_hours"))
        .group_by("channel")
        .agg(pl.col("frt_min").median())
        .iter_rows()
    )
    assert med["chat"] < med["twitter"] < med["email"]


def test_categories(df: pl.DataFrame) -> None:
    inbound = df.filter(pl.col("direction") == "inbound")
    assert (inbound["category"] == "customer service").mean() > 0.7
    assert set(inbound["category"]) == {"customer service", "marketing", "PR"}
    subs = set(inbound.filter(pl.col("category") == "customer service")["subcategory"])
    assert subs == {"delivery", "product", "website", "billing"}


def test_templates_and_deflections(df: pl.DataFrame) -> None:
    human = df.filter(HUMAN_OUT)
    assert 0.2 <= human["template"].is_not_null().mean() <= 0.4
    defl = human.filter(pl.col("deflected_to").is_not_null())
    assert set(defl["deflected_to"]) == {"phone", "email", "chat"}
    phrases = r"call us at|email us at|chat with us at"
    assert defl["text"].str.contains(phrases).all()
    assert not human.filter(pl.col("deflected_to").is_null())["text"].str.contains(phrases).any()
    # "Please DM us" replies exist and are not deflections.
    dm = human.filter(pl.col("text").str.contains("DM"))
    assert dm.height > 100 and dm["deflected_to"].null_count() == dm.height
    share = defl["conversation_id"].n_unique() / df["conversation_id"].n_unique()
    assert 0.03 < share < 0.12


def test_sentiment_turns_positive_after_fast_replies(first_turns: pl.DataFrame) -> None:
    neg = first_turns.filter((pl.col("first_sentiment") < -0.2) & (pl.col("n_inbound") > 1))
    turned = pl.col("last_sentiment") > 0.2
    fast = neg.filter(pl.col("frt_min") <= 60).select(turned.mean()).item()
    slow = neg.filter(pl.col("frt_min") > 240).select(turned.mean()).item()
    assert fast > slow + 0.1


def test_ratings_better_when_fast(first_turns: pl.DataFrame, df: pl.DataFrame) -> None:
    rated = first_turns.filter(pl.col("csat").is_not_null())
    good = pl.col("csat") >= 4
    fast = rated.filter(pl.col("frt_min") <= 60).select(good.mean()).item()
    slow = rated.filter(pl.col("frt_min") > 240).select(good.mean()).item()
    assert fast > slow + 0.2
    assert df["csat"].is_not_null().sum() > 1000
    assert df["nps"].is_not_null().sum() > 500
    assert df["resolved_at"].is_not_null().sum() > 1000


def test_other_start_keeps_the_story() -> None:
    other = generate_sample(conversations=3000, seed=1, start="2026-01-05")
    story = sample_story("2026-01-05")
    local = other["created_at"].dt.convert_time_zone(TEAM_TIMEZONE).dt.date()
    assert local.min() == story["first_day"]
    assert local.max() <= story["last_day"]
    _, p0, _, _ = story["promotion"]
    assert (local == p0).sum() > 2 * local.value_counts()["count"].median()
