"""AppTest: every page renders on the sample data; upload, mapping, filters, shared links."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "app.py")
PAGES = [
    "app_pages/overview.py",
    "app_pages/response_times.py",
    "app_pages/volume.py",
    "app_pages/agents.py",
    "app_pages/sentiment.py",
    "app_pages/channels.py",
    "app_pages/compare.py",
    "app_pages/outcomes.py",
    "app_pages/data.py",
]
TIMEOUT = 180


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.getbasetemp() / "app_data"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(path))
    return path


def run(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_sample(page: str) -> None:
    at = run(page)
    assert at.title, "page has a title"
    assert not at.error, [e.value for e in at.error]


def test_overview_cards_and_registered_metrics() -> None:
    at = run()
    labels = [m.label for m in at.metric]
    # Card titles are the metrics' own labels (toolkit.core.metrics.Metric.label).
    for label in ("Inbound messages", "Replies sent", "Conversations", "Unique customers", "First response time (median)", "Response time (median)", "Reply rate", "SLA compliance"):
        assert label in labels
    assert all(m.value not in ("", "–") for m in at.metric)
    # The generic metric table lists every registered metric the data supports.
    from app_pages.common import measure_label

    names = at.dataframe[0].value["metric"].tolist()
    assert measure_label("sla_compliance") in names and measure_label("deflection_rate") in names
    assert "sla_compliance" not in names, "plain names on screen, not the registry's"


def test_filter_changes_numbers_and_url() -> None:
    at = run()
    at.segmented_control(key="o_window").set_value("all").run()
    total = int(metric(at, "Inbound messages").replace(",", ""))
    at.multiselect(key="f_channels").set_value(["twitter"]).run()
    twitter = int(metric(at, "Inbound messages").replace(",", ""))
    assert 0 < twitter < total
    assert _param(at, "channels") == "twitter"
    # The sample spans a quarter: the whole range is the default period (not in the URL).
    assert "x.window" not in at.query_params
    at.segmented_control(key="o_window").set_value("28").run()
    assert _param(at, "x.window") == "28"
    # Reference: the same count straight from the sample file.
    sample = pl.read_csv(Path(APP).parent / "sample_data" / "sample_messages.csv", infer_schema_length=0)
    expected = sample.filter((pl.col("direction") == "inbound") & (pl.col("channel") == "twitter")).height
    assert twitter == expected


def test_query_params_seed_the_view() -> None:
    at = run(channels="email~chat", sla="30", hours="out", **{"x.window": "7"})
    assert at.multiselect(key="f_channels").value == ["email", "chat"]
    assert at.number_input(key="s_sla").value == 30.0
    assert at.segmented_control(key="f_hours").value == "out"
    assert at.segmented_control(key="o_window").value == "7"
    assert "SLA compliance" in [m.label for m in at.metric]
    params = {k: _param(at, k) for k in ("channels", "sla", "hours")}
    assert params == {"channels": "email~chat", "sla": "30", "hours": "out"}


def _csv(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_csv(buf)
    return buf.getvalue()


def _small_log() -> pl.DataFrame:
    sample = pl.read_csv(Path(APP).parent / "sample_data" / "sample_messages.csv", infer_schema_length=0)
    return sample.head(3000)


def test_upload_store_and_shared_link_read_only(data_dir: Path) -> None:
    at = run("app_pages/data.py")
    at.file_uploader(key="upload_file").set_value(("log.csv", _csv(_small_log()), "text/csv")).run()
    assert not at.exception
    assert any("rows read" in s.value for s in at.success)
    at.button(key="upload_use").click().run()
    assert not at.exception
    stored = sorted(p.stem for p in data_dir.glob("*.json"))
    assert stored, "the upload is stored"
    ds = stored[-1]
    assert _param(at, "ds") == ds
    own = metric(at, "Inbound messages")
    # A manager opens the link: same numbers, no upload, no delete.
    shared = run(ds=ds)
    assert metric(shared, "Inbound messages") == own
    shared.switch_page("app_pages/data.py").run()
    assert not shared.file_uploader
    assert any("read-only" in i.value for i in shared.info)
    assert not [b for b in shared.button if b.key == "delete_ds"]


def test_mapping_step_fixes_unrecognised_columns() -> None:
    log = _small_log().select(
        pl.col("created_at").alias("When"), pl.col("direction").alias("Way"),
        pl.col("conversation_id").alias("Case"), pl.col("channel"), pl.col("customer_id"), pl.col("agent_id"),
    )
    at = run("app_pages/data.py")
    at.file_uploader(key="upload_file").set_value(("odd.csv", _csv(log), "text/csv")).run()
    assert at.error, "missing required columns are explained"
    assert not [b for b in at.button if b.key == "upload_use"]
    at.selectbox(key="map_created_at").set_value("When")
    at.selectbox(key="map_direction").set_value("Way")
    at.selectbox(key="map_conversation_id").set_value("Case").run()
    at.button(key="upload_remap").click().run()
    assert not at.exception
    assert any("rows read" in s.value for s in at.success)
    assert [b for b in at.button if b.key == "upload_use"]


@pytest.mark.parametrize("bad", ["A" * 32, "../../etc/passwd", "x"])
def test_unknown_or_invalid_dataset_link(bad: str) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["ds"] = bad
    at.run()
    assert not at.exception
    assert any("does not exist" in e.value for e in at.error)
    assert not at.metric


def test_chart_and_report_exports() -> None:
    """What the PNG/SVG and report buttons produce (no server needed)."""
    import datetime as dt

    from toolkit.present import charts
    from toolkit.present.report import Cards, Figure, Table, html_report

    days = [dt.datetime(2025, 1, d) for d in range(1, 8)]
    chart = charts.volume_timeline(pl.DataFrame({"period": days, "inbound": [3, 5, 4, 9, 2, 1, 4]}), every="1d")
    assert charts.chart_png(chart).startswith(b"\x89PNG")
    assert "<svg" in charts.chart_svg(chart)
    dist = charts.distribution_chart(pl.Series([30.0, 600.0, 4000.0, 90000.0]), title="Response", sla_seconds=3600)
    html = html_report(
        title="Overview", dataset="sample", filters=["SLA target: 60 min"],
        sections=[Cards([("Reply rate", "93.0%", "+1.2 pts")]), Figure(dist), Table("t", pl.DataFrame({"a": [1]}))],
    )
    assert html.count("<svg") == 1 and "93.0%" in html and "<script" not in html


def test_filters_and_settings_survive_page_switches() -> None:
    at = run(open="mon-fri 08:00-20:00; sat 09:00-17:00")
    at.multiselect(key="f_channels").set_value(["email"]).run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert at.multiselect(key="f_channels").value == ["email"]
    assert at.text_area(key="s_hours").value == "mon-fri 08:00-20:00; sat 09:00-17:00"
    assert _param(at, "channels") == "email" and _param(at, "open").startswith("mon-fri 08:00")


def test_a_researchers_metric_appears_without_app_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A metric registered by a plugin (TOOLKIT_PLUGINS) shows up in the app's metric table."""
    from toolkit.core.metrics import unregister_metric

    plugin = Path(APP).parent / "notebooks" / "my_metrics.py"
    if not plugin.is_file():
        pytest.skip("notebooks/my_metrics.py not present")
    monkeypatch.setenv("TOOLKIT_PLUGINS", str(plugin))
    try:
        at = run()
        from app_pages.common import measure_label

        names = at.dataframe[0].value["metric"].tolist()
        assert measure_label("answered_within_15min") in names and measure_label("turns_3plus_messages") in names
    finally:
        for name in ("answered_within_15min", "turns_3plus_messages"):
            unregister_metric(name)


def test_missing_columns_say_what_unlocks_them() -> None:
    """A log without sentiment/text/CSAT/NPS: the Sentiment page names the columns to add."""
    log = _small_log().drop("sentiment", "text", "csat", "nps", "deflected_to", "template")
    at = run("app_pages/data.py")
    at.file_uploader(key="upload_file").set_value(("plain.csv", _csv(log), "text/csv")).run()
    at.button(key="upload_use").click().run()
    assert not at.exception
    at.switch_page("app_pages/sentiment.py").run()
    assert not at.exception and not at.error
    info = " ".join(i.value for i in at.info)
    assert "sentiment score" in info and "CSAT" in info, info


def test_a_registered_split_appears_in_the_chooser() -> None:
    """A split registered with toolkit.analysis.compare.register_split is offered without app edits."""
    from toolkit.analysis.compare import INSTANT_COLUMN, Split, SplitKind, register_split, unregister_split

    def weekend(arg: str, ctx: object) -> Split:
        return Split("weekend", "at the weekend", "on weekdays",
                     lambda level, cols: pl.col(INSTANT_COLUMN[level]).dt.weekday() >= 6)

    register_split(SplitKind("weekend", weekend, syntax="weekend", label="Weekend vs weekdays"))
    try:
        at = run("app_pages/compare.py")
        chooser = at.selectbox(key="cmp_kind")
        assert "weekend" in chooser.options or "Weekend vs weekdays" in chooser.options
        chooser.set_value("weekend").run()
        assert not at.exception, [e.value for e in at.exception]
        assert _param(at, "split") == "weekend"
        assert "at the weekend" in at.dataframe[0].value.to_string()
    finally:
        unregister_split("weekend")


def test_compare_opens_on_a_comparison_the_log_can_make() -> None:
    """Without opening hours the page opens on a comparison that needs none (not on a
    'set opening hours' note); with opening hours it opens on out of hours vs in hours."""
    at = run("app_pages/compare.py", open="24/7")  # no opening hours
    assert at.selectbox(key="cmp_kind").value != "hours"
    assert not any("Set opening hours" in i.value for i in at.info)
    assert at.dataframe, "the default comparison shows its table"
    at = run("app_pages/compare.py")  # the sample's opening hours
    assert at.selectbox(key="cmp_kind").value == "hours"


def test_volume_says_which_hours_of_the_week_are_too_thin_to_judge_staffing() -> None:
    """The staffing shortfall is claimed only where the log holds 30+ customer turns; the page says
    how many hours of the week it leaves unjudged (the sample's quiet night hours)."""
    import re

    at = run("app_pages/volume.py")
    found = [re.search(r"(\d+) hours of the week are not judged: the log holds fewer than 30 customer turns", c.value)
             for c in at.caption]
    counts = [int(m.group(1)) for m in found if m]
    assert counts and 0 < counts[0] < 168, [c.value for c in at.caption]
