"""AppTest: owner-revocable share links that outlive the session, expired links, sweeps on page load."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from toolkit.app_state.store import DatasetStore

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TOOLKIT_RETENTION_DAYS", raising=False)
    return tmp_path


def _csv(rows: int = 800) -> bytes:
    sample = pl.read_csv(ROOT / "sample_data" / "sample_messages.csv", infer_schema_length=0).head(rows)
    buf = io.BytesIO()
    sample.write_csv(buf)
    return buf.getvalue()


def _open(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _stored_ids(data_dir: Path) -> list[str]:
    return sorted(p.stem for p in data_dir.glob("*.json"))


def _upload(data_dir: Path) -> tuple[AppTest, str, str]:
    """Upload a log as its owner; the dataset id and the removal link shown once."""
    at = _open("app_pages/data.py")
    at.file_uploader(key="upload_file").set_value(("log.csv", _csv(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="upload_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (ds,) = _stored_ids(data_dir)
    links = [c.value for c in at.code if "revoke=" in c.value]
    assert links, "the owner is shown the removal link"
    assert any("Keep this private link" in i.value for i in at.info)
    token = re.search(r"revoke=([A-Za-z0-9_-]+)", links[0]).group(1)
    assert f"ds={ds}" in links[0]
    return at, ds, token


def test_owner_revokes_from_a_later_session_and_the_link_says_so(data_dir: Path) -> None:
    owner, ds, token = _upload(data_dir)
    assert token not in (data_dir / f"{ds}.json").read_text(), "only a hash is stored"
    assert not list((data_dir / ".uploads").iterdir()), "the spooled upload is gone once stored"
    # The removal link stays in the owner's "Copy link" while the session lasts.
    owner.switch_page("app_pages/volume.py").run()
    assert any(token in c.value for c in owner.code)
    # A manager's share link shows the data, and never the removal link.
    shared = _open(ds=ds)
    assert shared.metric and not any("revoke=" in c.value for c in shared.code)
    # Later, in a new session (another browser), the owner opens the removal link.
    later = _open(ds=ds, revoke=token)
    assert "revoke" not in later.query_params, "the token leaves the address bar at once"
    assert any("removal link" in w.value for w in later.warning)
    assert DatasetStore(data_dir).exists(ds), "nothing is removed before the owner confirms"
    later.button(key="revoke_confirm").click().run()
    assert not later.exception, [e.value for e in later.exception]
    assert any("removed from the server" in s.value for s in later.success)
    assert not (data_dir / f"{ds}.parquet").exists() and not (data_dir / f"{ds}.json").exists()
    # Everyone's link now says what happened, on every page, without a traceback.
    for page in (None, "app_pages/compare.py", "app_pages/data.py"):
        gone = _open(page, ds=ds)
        assert any("removed by its owner" in e.value for e in gone.error), page
        assert not gone.metric
    # The owner's old session does not serve its cached copy either.
    owner.run()
    assert not owner.exception
    assert any("removed by its owner" in e.value for e in owner.error)


def test_a_wrong_or_replayed_token_removes_nothing(data_dir: Path) -> None:
    _, ds, token = _upload(data_dir)
    for bad in ["x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "", "<b>" * 5]:
        at = _open(ds=ds, revoke=bad)
        assert any("not valid" in e.value for e in at.error), bad
        assert not [b for b in at.button if b.key == "revoke_confirm"]
        assert at.metric, "the data still opens"
    at = _open(ds=ds, revoke=token)
    at.button(key="revoke_cancel").click().run()
    assert not at.exception and DatasetStore(data_dir).exists(ds)
    assert not [b for b in at.button if b.key == "revoke_confirm"]
    # A removal link without a dataset, or for the sample, removes nothing and says so.
    at = _open(revoke=token)
    assert any("not valid" in e.value for e in at.error)
    assert DatasetStore(data_dir).exists(ds)


def test_owner_remove_button_also_says_removed_by_owner(data_dir: Path) -> None:
    owner, ds, _ = _upload(data_dir)
    owner.switch_page("app_pages/data.py").run()
    owner.button(key="delete_ds").click().run()
    assert not owner.exception
    assert any("removed by its owner" in e.value for e in _open(ds=ds).error)


def _age(data_dir: Path, ds: str, days: float) -> None:
    meta = data_dir / f"{ds}.json"
    record = json.loads(meta.read_text())
    record["stored_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
    meta.write_text(json.dumps(record))


def test_expired_links_are_refused_and_any_page_load_sweeps(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DatasetStore(data_dir)
    frame = pl.DataFrame({"a": [1]})
    old, fresh = store.save(frame, {}), store.save(frame, {})
    _age(data_dir, old, 31)
    (data_dir / ".last-sweep").write_text(f"{dt.datetime.now(dt.UTC).timestamp():.3f}")  # swept just now
    monkeypatch.setenv("TOOLKIT_RETENTION_DAYS", "30")
    at = _open(ds=old)
    assert any("expired" in e.value and "30 days" in e.value for e in at.error), [e.value for e in at.error]
    assert (data_dir / f"{old}.parquet").exists(), "refused before the sweep is due"
    (data_dir / ".last-sweep").write_text("0")  # an hour has passed
    _open()  # anyone opens any page: the sweep runs, nobody saved anything
    assert not (data_dir / f"{old}.parquet").exists() and store.exists(fresh)
    assert any("expired" in e.value for e in _open("app_pages/volume.py", ds=old).error)
