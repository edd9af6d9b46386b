"""Presets for real exports (issue 18): detected from the header, same KPIs as the canonical log."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit
from tests.export_layouts import BRAND_ACCOUNT, EXPORTER_TZ, WRITERS, canonical_log
from toolkit.errors import DataError

CORE = ["inbound_messages", "outbound_messages", "conversations", "unique_customers", "turns",
        "answered_turns", "reply_rate", "frt_mean_s", "frt_median_s", "frt_p90_s", "art_mean_s",
        "art_median_s", "art_p90_s", "sla_compliance"]
#: Layouts without a bot field: written from a log without bots.
NO_BOTS = {"hootsuite", "x_archive"}
TICKETS = {"zendesk", "freshdesk"}
#: Layouts with no channel column (one channel per export).
NO_CHANNEL = {"engage_digital", "intercom", "x_archive"}


def _write(name: str, tmp_path, messages: pl.DataFrame):
    writer, ext = WRITERS[name]
    return writer(messages, tmp_path / f"export_{name}{ext}")


def _kpis(messages: pl.DataFrame, by: str | None = None) -> list[dict]:
    return toolkit.kpis(messages, by=by).to_dicts()


def _close(a: dict, b: dict, keys: list[str]) -> None:
    for k in keys:
        x, y = a[k], b[k]
        assert (x is None and y is None) or x == pytest.approx(y, rel=1e-9), (k, x, y)


@pytest.mark.parametrize("name", sorted(set(WRITERS) - TICKETS))
def test_message_exports_detected_and_equal_to_canonical(name, tmp_path):
    canonical = canonical_log(bots=name not in NO_BOTS)
    path = _write(name, tmp_path, canonical)
    result = toolkit.load(path, timezone=EXPORTER_TZ)
    assert result.preset == name
    assert result.quality.input_rows == result.quality.used_rows + result.quality.dropped_rows
    _close(_kpis(result.messages)[0], _kpis(canonical)[0], CORE)
    if name not in NO_CHANNEL:
        got = {r["channel"]: r for r in _kpis(result.messages, "channel")}
        want = {r["channel"]: r for r in _kpis(canonical, "channel")}
        assert set(got) == {f"inbox {c}" for c in want} if name == "chatwoot" else set(got) == set(want)
        for channel, row in want.items():
            _close(got[f"inbox {channel}" if name == "chatwoot" else channel], row, CORE)


@pytest.mark.parametrize("name", sorted(set(WRITERS) - TICKETS - {"hootsuite", "x_archive"}))
def test_by_agent_matches(name, tmp_path):
    """Layouts that name who wrote each reply (ticket, Hootsuite and X exports do not)."""
    canonical = canonical_log()
    result = toolkit.load(_write(name, tmp_path, canonical), timezone=EXPORTER_TZ)
    got = {r["agent_id"]: r for r in toolkit.kpis(result.messages.filter(pl.col("direction") == "outbound"), by="agent_id").to_dicts()}
    want = {r["agent_id"]: r for r in toolkit.kpis(canonical.filter(pl.col("direction") == "outbound"), by="agent_id").to_dicts()}
    assert got.keys() == want.keys()
    for agent, row in want.items():
        _close(got[agent], row, ["outbound_messages"])


def test_chatwoot_notes_and_activity_are_counted_not_used(tmp_path):
    canonical = canonical_log()
    result = toolkit.load(_write("chatwoot", tmp_path, canonical))
    reasons = {i.reason: i.rows for i in result.quality.issues}
    extra = int((canonical["message_id"].cast(pl.Int64) % 7 == 0).sum())
    assert extra > 0
    assert reasons["activity message (a status or assignment event, not a message)"] == extra
    assert reasons["private note (internal, not sent to the customer)"] == extra
    assert result.quality.used_rows == canonical.height


def test_intercom_notes_and_events_left_out(tmp_path):
    result = toolkit.load(_write("intercom", tmp_path, canonical_log()))
    reasons = {i.reason for i in result.quality.issues}
    assert "internal note (not sent to the customer)" in reasons
    assert any(r.startswith("conversation event without a message") for r in reasons)


def test_x_archive_account_given_or_inferred(tmp_path):
    canonical = canonical_log(bots=False)
    path = _write("x_archive", tmp_path, canonical)
    inferred = toolkit.load(path)
    given = toolkit.load(path, options={"account_id": BRAND_ACCOUNT})
    assert inferred.messages.equals(given.messages)
    assert set(inferred.messages["brand"].unique()) == {BRAND_ACCOUNT}
    assert any("not a message" in i.reason for i in inferred.quality.issues)


def test_x_archive_single_conversation_asks_for_the_account(tmp_path):
    one = canonical_log(bots=False).filter(pl.col("conversation_id") == "c1")
    path = _write("x_archive", tmp_path, one)
    # Two accounts take part in every conversation: which one is the brand's cannot be known.
    path.write_text(path.read_text().replace("-c1", ""))
    with pytest.raises(DataError, match="account_id"):
        toolkit.load(path)
    assert toolkit.load(path, options={"account_id": BRAND_ACCOUNT}).messages.height == one.height


@pytest.mark.parametrize("name", sorted(TICKETS))
def test_ticket_exports_give_the_helpdesk_figures_and_leave_out_the_rest(name, tmp_path):
    canonical = canonical_log()
    result = toolkit.load(_write(name, tmp_path, canonical), timezone=EXPORTER_TZ)
    assert result.preset == name
    tickets = canonical.filter(pl.col("conversation_id").is_in(
        toolkit.conversations(canonical).filter(pl.col("started_by") == "customer")["conversation_id"].implode()))
    assert result.quality.input_rows == result.quality.used_rows == tickets["conversation_id"].n_unique()
    got, want = _kpis(result.messages)[0], _kpis(tickets)[0]
    _close(got, want, ["conversations", "unique_customers", "frt_mean_s", "frt_median_s", "frt_p90_s"])
    for absent in ("art_median_s", "turns", "inbound_messages", "outbound_messages"):
        assert absent not in got
    assert toolkit.core.metrics.TICKET_LEVEL_NOTE  # the sentence the app and CLI show
    by_channel = {r["channel"]: r for r in _kpis(result.messages, "channel")}
    for row in _kpis(tickets, "channel"):
        _close(by_channel[row["channel"]], row, ["conversations", "frt_median_s"])
    if name == "zendesk":  # the export's own business-hours first reply time (minutes -> s)
        assert got["frt_bh_reported_median_s"] == pytest.approx(want["frt_median_s"], rel=1e-9)
    else:
        assert "frt_bh_reported_median_s" not in got
    conv = toolkit.conversations(result.messages)
    assert conv["resolved_at"].is_not_null().sum() > 0
    csat = conv["last_csat"].drop_nulls()
    assert set(csat.unique().to_list()) <= {1.0, 2.0, 5.0} and csat.len() > 0


def test_ticket_level_coverage_says_why():
    cov = toolkit.metric_coverage([*toolkit.io.schema.ALWAYS_PRESENT, "source_level"])
    row = cov.filter(pl.col("metric") == "art_median_s").to_dicts()[0]
    assert not row["supported"]
    assert "one row per ticket" in row["hint"]


def _cli(*args: str, cwd=None):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=cwd or root, env={**__import__("os").environ, "PYTHONPATH": str(root)})


def test_saved_layout_round_trip_cli(tmp_path):
    src = tmp_path / "ours.csv"
    src.write_text("Case,Way,Sent,Who\nA,in,2025-01-01 10:00,c1\nA,out,2025-01-01 10:30,ag\nB,in,2025-01-01 11:00,c2\n")
    saved = _cli("preset", "save", "ours", str(src), "--map", "conversation_id=Case", "--map", "direction=Way",
                 "--map", "created_at=Sent", "--map", "author=Who", "--out", str(tmp_path / "ours.toml"))
    assert saved.returncode == 0, saved.stderr
    assert 'author = "Who"' in (tmp_path / "ours.toml").read_text()
    other = tmp_path / "next_month.csv"
    other.write_text(src.read_text())
    out = _cli("kpis", str(other), "--preset-file", str(tmp_path / "ours.toml"), "--format", "json", "--quiet")
    assert out.returncode == 0, out.stderr
    row = __import__("json").loads(out.stdout)[0]
    assert (row["conversations"], row["unique_customers"], row["frt_median_s"]) == (2, 2, 1800.0)


def test_saved_layout_errors_are_short():
    from toolkit.io.presets import load_preset_file

    with pytest.raises(DataError, match=r"\[columns\]"):
        load_preset_file(b'name = "x"\n')
    with pytest.raises(DataError, match="not toolkit columns"):
        load_preset_file(b'name = "x"\n[columns]\ncreated = "a"\ndirection = "b"\n')
    with pytest.raises(DataError, match="created_at"):
        load_preset_file(b'name = "x"\n[columns]\ndirection = "b"\n')
    with pytest.raises(DataError, match="TOML"):
        load_preset_file(b"name = = x")


def test_cli_ticket_export_says_why_keys_are_absent(tmp_path):
    path = WRITERS["zendesk"][0](canonical_log(), tmp_path / "tickets.csv")
    out = _cli("kpis", str(path), "--timezone", EXPORTER_TZ, "--format", "json")
    assert out.returncode == 0, out.stderr
    row = __import__("json").loads(out.stdout)[0]
    assert "frt_median_s" in row and "art_median_s" not in row and "turns" not in row
    assert "one row per ticket" in out.stderr


def test_cli_account_id(tmp_path):
    one = canonical_log(bots=False).filter(pl.col("conversation_id") == "c1")
    path = WRITERS["x_archive"][0](one, tmp_path / "direct-messages.js")
    path.write_text(path.read_text().replace("-c1", ""))
    refused = _cli("kpis", str(path))
    assert refused.returncode == 2 and "account" in refused.stderr and "Traceback" not in refused.stderr
    ok = _cli("kpis", str(path), "--account-id", BRAND_ACCOUNT, "--format", "json", "--quiet")
    assert ok.returncode == 0, ok.stderr
