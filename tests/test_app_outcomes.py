"""AppTest: the Outcomes page on the sample, and a customers table uploaded beside a log."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from tests.test_app import APP, metric, run


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.getbasetemp() / "app_outcomes_data"
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(path))
    return path


def _csv(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_csv(buf)
    return buf.getvalue()


def test_outcomes_page_shows_honest_waits_and_defection_on_the_sample() -> None:
    at = run("app_pages/outcomes.py")
    assert not at.error, [e.value for e in at.error]
    labels = {m.label for m in at.metric}
    assert {"Resolved conversations", "Median wait, unanswered included", "Median wait, answered only",
            "Customers who left within 90 days", "Untagged mentions"} <= labels
    text = " ".join(m.value for m in at.markdown)
    assert "Defection rate for customers with a bad experience is" in text and "p < 0.001" in text


def test_a_customers_table_uploaded_beside_a_log_unlocks_defection(data_dir: Path) -> None:
    root = Path(APP).parent / "sample_data"
    log = pl.read_csv(root / "sample_messages.csv", infer_schema_length=0).head(3000)
    at = run("app_pages/data.py")
    at.file_uploader(key="upload_file").set_value(("log.csv", _csv(log), "text/csv")).run()
    at.button(key="upload_use").click().run()
    assert not at.exception
    at.switch_page("app_pages/outcomes.py").run()
    assert "Customers who left within 90 days" not in {m.label for m in at.metric}
    assert any("customers table" in i.value for i in at.info)

    at.switch_page("app_pages/data.py").run()
    customers = pl.read_csv(root / "sample_customers.csv", infer_schema_length=0)
    at.file_uploader(key="customers_file").set_value(("customers.csv", _csv(customers), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("rows read" in t.value for t in at.text)
    at.button(key="customers_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Customers who left within 90 days").endswith("%")


def test_cards_in_a_row_keep_their_labels_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four short labels share a row; one label too long for a quarter of the page (in the
    reader's language) makes two rows of two, never a label cut with an ellipsis nor 3 + 1."""
    from app_pages import common

    monkeypatch.setattr(common.st, "columns", lambda n: [f"col{i}/{n}" for i in range(n)])
    short = ["Resolved", "One contact", "Median", "90% within"]
    assert [len(r) for r in common.card_rows(short)] == [4]
    long = ["Median wait, unanswered included", "Median wait, answered only", "First reply", "Replied within 24 h"]
    rows = common.card_rows(long)
    assert [len(r) for r in rows] == [2, 2] and rows[0][0] == "col0/2"
    assert [len(r) for r in common.card_rows(long[:3])] == [3]  # 32 characters fit a third of the page
    assert [len(r) for r in common.card_rows(["x" * 45] * 3)] == [2, 1]
    assert common.card_rows(["Mentions asking for help"]) == [["col0/4"]]  # a lone card keeps its width
    assert common.card_rows([]) == []
