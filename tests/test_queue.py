"""The live queue and spikes: hand-worked cases, rules, and a property test against a reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit
from toolkit.analysis.queue import (
    DEFAULT_RULES_PATH,
    QUEUE_COLUMNS,
    Rule,
    default_rules,
    queue,
    read_rules,
    spike,
)
from toolkit.core.sla import parse_sla, sla_target
from toolkit.errors import DataError

T0 = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def log(rows: list[tuple]) -> pl.DataFrame:
    """Canonical messages from (conversation, minutes after T0, direction, extra fields) rows."""
    out = []
    for n, (conv, minutes, direction, *extra) in enumerate(rows, start=1):
        fields = extra[0] if extra else {}
        out.append({
            "row_nr": n, "message_id": f"m{n}", "conversation_id": conv,
            "created_at": T0 + dt.timedelta(minutes=minutes), "direction": direction,
            "channel": fields.get("channel", "twitter"), "customer_id": fields.get("customer", f"u_{conv}"),
            "agent_id": "A1" if direction == "outbound" and not fields.get("bot") else None,
            "brand": "Contoso", "is_bot": bool(fields.get("bot", False)),
            "category": fields.get("category"), "text": fields.get("text", "hello"),
            "sentiment": fields.get("sentiment"),
        })
    return pl.DataFrame(out, schema_overrides={"created_at": pl.Datetime("us", "UTC"), "sentiment": pl.Float64, "category": pl.String})


CASES = log([
    ("answered", 0, "inbound"), ("answered", 10, "outbound"),
    ("two_msgs", 0, "inbound"), ("two_msgs", 5, "inbound"),
    ("bot_only", 1, "inbound"), ("bot_only", 2, "outbound", {"bot": True}),
    ("second_turn", 0, "inbound"), ("second_turn", 10, "outbound"), ("second_turn", 20, "inbound"),
    ("future_reply", 3, "inbound"), ("future_reply", 200, "outbound"),
    ("future_only", 200, "inbound"),
    ("brand_only", 0, "outbound"),
])
AS_OF = T0 + dt.timedelta(minutes=100)


def test_waiting_set_and_waits() -> None:
    q = queue(CASES, as_of=AS_OF, rules=[])
    got = {r["conversation_id"]: r for r in q.to_dicts()}
    # Answered and brand-only conversations are not waiting; the future message is ignored;
    # a reply after as_of has not happened yet; a bot reply does not stop the wait.
    assert set(got) == {"two_msgs", "bot_only", "second_turn", "future_reply"}
    assert got["two_msgs"]["waiting_since"] == T0 and got["two_msgs"]["customer_messages"] == 2
    assert got["two_msgs"]["waited_s"] == 6000.0
    assert got["bot_only"]["waiting_since"] == T0 + MIN and got["bot_only"]["waited_s"] == 99 * 60.0
    assert got["second_turn"]["waiting_since"] == T0 + 20 * MIN and got["second_turn"]["waited_s"] == 80 * 60.0
    assert got["future_reply"]["waited_s"] == 97 * 60.0
    assert list(q.columns) == [*QUEUE_COLUMNS, "text"]
    assert q.schema["reasons"] == pl.List(pl.String) and q.schema["priority"] == pl.Int64


def test_due_times_per_channel() -> None:
    m = log([("tw", 0, "inbound", {"channel": "twitter"}), ("em", 0, "inbound", {"channel": "Email"}),
             ("none", 0, "inbound", {"channel": None})])
    q = queue(m, as_of=T0 + 90 * MIN, sla={"email": 86400, "twitter": 1800, "default": 3600}, rules=[])
    got = {r["conversation_id"]: r for r in q.to_dicts()}
    assert got["tw"]["sla_due_at"] == T0 + 30 * MIN and got["tw"]["due_in_s"] == -3600.0 and got["tw"]["overdue"]
    assert got["em"]["sla_due_at"] == T0 + dt.timedelta(days=1) and got["em"]["due_in_s"] == 86400.0 - 5400.0
    assert not got["em"]["overdue"] and got["em"]["sla_target_s"] == 86400.0
    assert got["none"]["sla_due_at"] == T0 + 60 * MIN and got["none"]["overdue"]


def test_overdue_only_after_exactly_the_target() -> None:
    m = log([("c", 0, "inbound")])
    at_target = queue(m, as_of=T0 + dt.timedelta(hours=1), sla=3600, rules=[]).row(0, named=True)
    assert at_target["due_in_s"] == 0.0 and at_target["overdue"] is False
    later = queue(m, as_of=T0 + dt.timedelta(hours=1, microseconds=1), sla=3600, rules=[]).row(0, named=True)
    assert later["overdue"] is True and later["due_in_s"] == pytest.approx(-1e-6)


def test_order_priority_then_waiting_since() -> None:
    m = log([
        ("old_plain", 0, "inbound", {"text": "hi"}),
        ("new_urgent", 30, "inbound", {"text": "URGENT please"}),
        ("old_urgent", 10, "inbound", {"text": "this is urgent"}),
        ("newer_plain", 20, "inbound", {"text": "hi"}),
    ])
    rules = [Rule("urgent", {"text_any": ["urgent"]}, points=10)]
    q = queue(m, as_of=T0 + 40 * MIN, rules=rules)
    assert q["conversation_id"].to_list() == ["old_urgent", "new_urgent", "old_plain", "newer_plain"]
    assert q["priority"].to_list() == [10, 10, 0, 0]


def test_reasons_points_and_routing() -> None:
    m = log([
        # An earlier, answered turn said "aiuto": it is not part of the waiting turn.
        ("answered_before", 0, "inbound", {"text": "aiuto", "customer": "u1"}),
        ("answered_before", 5, "outbound"),
        ("answered_before", 10, "inbound", {"text": "grazie", "customer": "u1"}),
        # Any message of the waiting turn counts; words are whole and case-insensitive.
        ("vip_help", 0, "inbound", {"text": "AIUTO!", "customer": "vip"}),
        ("vip_help", 1, "inbound", {"text": "ok", "customer": "vip"}),
        ("helpful", 0, "inbound", {"text": "very helpful", "customer": "u2", "category": "billing"}),
        ("billing", 0, "inbound", {"text": "invoice", "customer": "u3", "category": "Billing"}),
    ])
    customers = pl.DataFrame({"customer_id": ["vip", "u3"], "vip": [True, False], "followers": [10, 50_000]})
    rules = [
        Rule("VIP", {"vip": True}, points=50, team="VIP desk"),
        Rule("asks for help", {"text_any": ["help", "aiuto"]}, points=20),
        Rule("billing", {"category": ["billing"]}, team="Billing"),
        Rule("influencer", {"followers_at_least": 10_000}, points=5),
        Rule("everyone", {}, team="Care"),
    ]
    q = queue(m, as_of=T0 + 30 * MIN, rules=rules, customers=customers)
    got = {r["conversation_id"]: (r["priority"], r["reasons"], r["team"]) for r in q.to_dicts()}
    assert got == {
        "vip_help": (70, ["VIP", "asks for help", "everyone"], "VIP desk"),
        "billing": (5, ["billing", "influencer", "everyone"], "Billing"),
        "helpful": (0, ["billing", "everyone"], "Billing"),
        "answered_before": (0, ["everyone"], "Care"),
    }
    assert q["conversation_id"].to_list()[:2] == ["vip_help", "billing"]


def test_sentiment_regex_channel_overdue_and_due_soon() -> None:
    m = log([
        ("angry", 0, "inbound", {"sentiment": -0.8, "text": "order #123 lost"}),
        ("angry", 1, "inbound", {"sentiment": 0.2, "text": "still?"}),
        ("calm", 50, "inbound", {"sentiment": 0.1, "channel": "Email"}),
        ("soon", 45, "inbound"),
    ])
    rules = [
        Rule("negative", {"sentiment_below": -0.5}, points=1),
        Rule("order number", {"text_regex": r"#\d+"}, points=2),
        Rule("email", {"channel": ["email"]}, points=4),
        Rule("overdue", {"overdue": True}, points=8),
        Rule("due soon", {"due_within_minutes": 15}, points=16),
    ]
    # as_of = T0 + 90 min: "angry" is overdue, "soon" is due in exactly 15 min, "calm" in 20 min.
    q = queue(m, as_of=T0 + 90 * MIN, rules=rules)
    got = {r["conversation_id"]: r["reasons"] for r in q.to_dicts()}
    assert got == {"angry": ["negative", "order number", "overdue"], "soon": ["due soon"], "calm": ["email"]}


def test_messages_may_carry_vip_and_followers_without_customers() -> None:
    m = log([("c", 0, "inbound")]).with_columns(vip=pl.lit("yes"), followers=pl.lit("20000"))
    q = queue(m, as_of=T0 + MIN, rules=[Rule("vip", {"vip": True}, points=1), Rule("big", {"followers_at_least": 20000}, points=2)])
    assert q["priority"].to_list() == [3]


def test_missing_columns_never_fire_and_lazy_stays_lazy() -> None:
    m = log([("c", 0, "inbound")]).drop("category", "text", "sentiment")
    rules = [Rule("vip", {"vip": True}, points=1), Rule("words", {"text_any": ["x"]}, points=1),
             Rule("cat", {"category": ["x"]}, points=1), Rule("lang", {"language": ["fr"]}, points=1)]
    lazy = queue(m.lazy(), as_of=T0 + MIN, rules=rules)
    assert isinstance(lazy, pl.LazyFrame)
    out = lazy.collect()
    assert out["priority"].to_list() == [0] and out["reasons"].to_list() == [[]] and "text" not in out.columns


def test_default_rules_ship_and_apply() -> None:
    rules = default_rules()
    reasons = [r.reason for r in rules]
    assert {"overdue", "VIP customer", "negative sentiment"} <= set(reasons)
    words = next(r for r in rules if "text_any" in r.when).when["text_any"]
    assert {"urgent", "aide", "aiuto", "urgente", "remboursement"} <= set(words)
    assert any("followers_at_least" in r.when for r in rules) and any("due_within_minutes" in r.when for r in rules)
    m = log([("fr", 0, "inbound", {"text": "J'ai besoin d'aide"}), ("plain", 0, "inbound", {"text": "bonjour"})])
    q = queue(m, as_of=T0 + MIN)
    assert q.row(0, named=True)["conversation_id"] == "fr" and "urgent words" in q.row(0, named=True)["reasons"]
    # The same file read from its path gives the same rules.
    assert read_rules(DEFAULT_RULES_PATH) == rules


def test_rules_file_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nreason = "VIP customer"\nwhen = { vip = true }\npoints = 50\nteam = "VIP"\n')
    assert read_rules(path) == [Rule("VIP customer", {"vip": True}, 50, "VIP")]
    assert read_rules(str(path)) == read_rules(path)
    bad = {
        '[[rule]]\nreason = "x"\nwhen = { vipp = true }\n': "did you mean 'vip'",
        '[[rule]]\nreason = "x"\nwhen = { vip = "yes" }\n': "vip expects true or false",
        '[[rule]]\nreason = "x"\nwhen = { text_regex = "(?<=a)b" }\n': "not a regular expression",
        '[[rule]]\nreason = "x"\npoint = 3\n': "did you mean 'points'",
        '[[rule]]\nwhen = { vip = true }\n': "missing reason",
        '[[rule]\nreason = "x"\n': "not valid TOML",
        '[[rules]]\nreason = "x"\n': "unknown top-level",
        '[[rule]]\nreason = "x"\nwhen = { channel = "twitter" }\n': "channel expects a list",
        '[[rule]]\nreason = "x"\npoints = "ten"\n': "points must be a number",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(DataError, match=message):
            read_rules(path)
    with pytest.raises(DataError, match="rules file not found"):
        read_rules(tmp_path / "nope.toml")


def test_bad_arguments() -> None:
    with pytest.raises(DataError, match=r"sla=0 is not allowed; a duration must be more than zero"):
        queue(CASES, as_of=AS_OF, sla=0)
    with pytest.raises(DataError, match=r"sla\['email'\]"):
        queue(CASES, as_of=AS_OF, sla={"email": "soon"})
    with pytest.raises(DataError, match="as_of must be a time"):
        queue(CASES, as_of="yesterday")
    with pytest.raises(DataError, match="customer_id"):
        queue(CASES, as_of=AS_OF, customers=pl.DataFrame({"id2": ["a"]}))


def test_sla_parsing() -> None:
    assert parse_sla("twitter=3600, email=86400,default=600") == {"twitter": 3600.0, "email": 86400.0, "default": 600.0}
    assert parse_sla("120") == 120.0
    for text in ("twitter", "twitter=-1", "=5", "abc"):
        with pytest.raises(DataError):
            parse_sla(text)
    df = pl.DataFrame({"channel": ["EMAIL", "chat"]})
    assert df.select(sla_target({"email": 10})).to_series().to_list() == [10.0, 3600.0]


def _reference_waiting(rows: list[dict], as_of: dt.datetime) -> dict[str, float]:
    """Waiting turns per SPEC, loop by loop: conversation -> seconds waited."""
    by_conv: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["created_at"] <= as_of and not r["is_bot"]:
            by_conv[r["conversation_id"]].append(r)
    out = {}
    for conv, msgs in by_conv.items():
        msgs.sort(key=lambda r: (r["created_at"], r["row_nr"]))
        start = None
        for r in msgs:
            if r["direction"] == "inbound":
                start = start or r["created_at"]
            else:
                start = None
        if start is not None:
            out[conv] = (as_of - start).total_seconds()
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from("abcd"), st.integers(0, 60), st.sampled_from(["inbound", "outbound"]), st.booleans()),
        min_size=1, max_size=30,
    ),
    st.integers(0, 70),
)
def test_waiting_turns_match_reference(rows: list[tuple], as_of_minutes: int) -> None:
    m = log([(c, minutes, d, {"bot": bot and d == "outbound"}) for c, minutes, d, bot in rows])
    as_of = T0 + dt.timedelta(minutes=as_of_minutes)
    q = queue(m, as_of=as_of, rules=[], sla=1800)
    expected = _reference_waiting(m.to_dicts(), as_of)
    assert dict(zip(q["conversation_id"], q["waited_s"], strict=True)) == expected
    assert q["overdue"].to_list() == [w > 1800 for w in q["waited_s"]]


# --- spike -----------------------------------------------------------------------------------


def _hourly_log(counts_by_week: list[int], *, minutes_into_hour: int = 0) -> pl.DataFrame:
    times = [T0 + dt.timedelta(weeks=w, minutes=minutes_into_hour, seconds=s) for w, n in enumerate(counts_by_week) for s in range(n)]
    return pl.DataFrame({"created_at": times, "direction": ["inbound"] * len(times)}, schema_overrides={"created_at": pl.Datetime("us", "UTC")})


def test_spike_against_the_same_hour_of_week() -> None:
    # Same Monday 09:00 hour in weeks 0..3: 4, 5, 6 messages, then 30 in the current hour.
    m = _hourly_log([4, 5, 6, 30])
    now = T0 + dt.timedelta(weeks=3, minutes=40)
    row = spike(m, as_of=now).row(0, named=True)
    # Baseline = median(4, 5, 6, 30) = 5.5; MAD = median(|x - 5.5|) = median(1.5, .5, .5, 24.5) = 1;
    # spread = max(1.4826, sqrt(5.5)) = 2.345; threshold = 5.5 + 3 x 2.345.
    assert row["inbound_messages"] == 30 and row["baseline"] == 5.5
    assert row["threshold"] == pytest.approx(5.5 + 3 * 5.5 ** 0.5)
    assert row["is_spike"] and row["ratio"] == pytest.approx(30 / 5.5)
    assert row["excess"] == pytest.approx(30 - row["threshold"])
    assert row["bucket"] == T0 + dt.timedelta(weeks=3)


def test_spike_ignores_later_messages_and_empty_current_hour() -> None:
    m = _hourly_log([4, 5, 6, 30])
    # As of a minute before the burst: the current hour has nothing yet.
    row = spike(m, as_of=T0 + dt.timedelta(weeks=3) - MIN).row(0, named=True)
    assert row["inbound_messages"] == 0 and not row["is_spike"]
    # As of later in the week (no message in that hour): zero, never a spike.
    later = spike(m, as_of=T0 + dt.timedelta(weeks=3, hours=5)).row(0, named=True)
    assert later["inbound_messages"] == 0 and later["is_spike"] is False
    with pytest.raises(DataError, match="bucket must be"):
        spike(m, as_of=T0, bucket="5m")


def test_spike_staffing_on_the_sample() -> None:
    messages = toolkit.read_messages(Path(__file__).parents[1] / "sample_data" / "sample_messages.csv")
    row = spike(messages, as_of="2025-10-15T14:30:00Z", staffing=True).row(0, named=True)
    assert row["agents_usual"] >= 1 and row["agents_needed"] >= 0
    assert toolkit.queue is queue and toolkit.spike is spike


def test_one_sla_parser_for_queue_kpis_and_cli() -> None:
    """core.sla.parse_sla is the only parser: durations and per-channel text everywhere."""
    from toolkit.core.sla import sla_targets

    assert parse_sla("1h") == 3600.0 and parse_sla(dt.timedelta(minutes=30)) == 1800.0
    assert parse_sla("Twitter=30m, email=1d") == {"twitter": 1800.0, "email": 86400.0}
    assert sla_targets("twitter=30m,default=2h") == (7200.0, (("twitter", 1800.0),))
    assert sla_targets({"email": 60}) == (3600.0, (("email", 60.0),))
    for bad in (True, {}, "twitter=soon", "1h,email"):
        with pytest.raises(DataError):
            parse_sla(bad)
    # The queue accepts durations now, like kpis: "30m" equals 1800 s.
    assert queue(CASES, as_of=AS_OF, sla={"email": "30m"}).equals(queue(CASES, as_of=AS_OF, sla={"email": 1800}))
    # And kpis matches channels case-insensitively, like the queue.
    m = pl.DataFrame({
        "conversation_id": ["a", "a", "b", "b"], "row_nr": [1, 2, 3, 4],
        "created_at": [dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC), dt.datetime(2025, 1, 1, 9, 20, tzinfo=dt.UTC)] * 2,
        "direction": ["inbound", "outbound"] * 2, "is_bot": [False] * 4, "message_id": ["1", "2", "3", "4"], "customer_id": ["u", None, "v", None],
        "channel": ["Email", "Email", "chat", "chat"],
    })
    from toolkit import kpis

    assert kpis(m, sla="email=10m,default=1h")["sla_compliance"].item() == 0.5
    assert kpis(m, sla={"EMAIL ": "30m"}, by="channel")["sla_compliance"].to_list() == [1.0, 1.0]
