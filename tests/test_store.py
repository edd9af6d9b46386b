"""The server-side dataset store: ids, atomic writes, no traversal, concurrent saves."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest

from toolkit.app_state.store import DatasetStore, UnknownDataset, is_valid_id


@pytest.fixture
def store(tmp_path: Path) -> DatasetStore:
    return DatasetStore(tmp_path / "data")


def frame(n: int = 3) -> pl.DataFrame:
    return pl.DataFrame({"message_id": [str(i) for i in range(n)], "x": list(range(n))})


def test_round_trip_keeps_frame_and_settings(store: DatasetStore) -> None:
    ds = store.save(frame(), {"filename": "log.csv", "mapping": {"created_at": "Date"}})
    got = store.read(ds)
    assert got.messages.equals(frame())
    assert got.settings["filename"] == "log.csv"
    assert got.settings["mapping"] == {"created_at": "Date"}
    assert got.settings["rows"] == 3
    assert is_valid_id(ds) and len(ds) == 32


def test_ids_are_unguessable_and_distinct(store: DatasetStore) -> None:
    ids = {store.save(frame(1), {}) for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "bad",
    ["", "sample", "../" + "a" * 29, "a" * 31, "a" * 33, "a" * 31 + "/", "a" * 31 + ".", None, 42, "..%2F" + "a" * 27],
)
def test_invalid_ids_never_touch_the_disk(store: DatasetStore, bad: object) -> None:
    assert not store.exists(bad)
    with pytest.raises(UnknownDataset):
        store.read(bad)  # type: ignore[arg-type]
    assert store.delete(bad) is False  # type: ignore[arg-type]


def test_unknown_and_deleted_ids(store: DatasetStore) -> None:
    with pytest.raises(UnknownDataset):
        store.read("A" * 32)
    ds = store.save(frame(), {})
    assert store.delete(ds) is True
    assert not store.exists(ds)
    with pytest.raises(UnknownDataset):
        store.read(ds)
    assert list(store.root.iterdir()) == []


def test_no_temp_files_left_and_half_written_is_invisible(store: DatasetStore) -> None:
    ds = store.save(frame(), {})
    assert sorted(p.name for p in store.root.iterdir()) == [f"{ds}.json", f"{ds}.parquet"]
    # A Parquet without its JSON (a crash between the two writes) does not exist.
    (store.root / f"{'B' * 32}.parquet").write_bytes(b"partial")
    assert not store.exists("B" * 32)


def test_concurrent_saves_do_not_collide(store: DatasetStore) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        ds = store.save(frame(50 + i), {"i": i})
        with lock:
            ids.append(ds)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 8
    for ds in ids:
        got = store.read(ds)
        assert got.messages.height == 50 + got.settings["i"]


def test_default_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOOLKIT_DATA_DIR", str(tmp_path / "elsewhere"))
    assert DatasetStore().root == tmp_path / "elsewhere"


# ---- safety: all or nothing, a clear message, retention (issue 17) ------------------------------


def test_a_failed_write_leaves_no_file_and_says_so_without_paths(tmp_path, monkeypatch):
    import polars as pl
    import pytest

    from toolkit.app_state import store as store_module

    s = store_module.DatasetStore(tmp_path / "d")
    calls = {"n": 0}
    real = store_module._atomic_write

    def full_disk_on_json(path, write):
        calls["n"] += 1
        if path.suffix == ".json":
            raise OSError(28, "No space left on device", str(path))
        return real(path, write)

    monkeypatch.setattr(store_module, "_atomic_write", full_disk_on_json)
    with pytest.raises(store_module.StoreError) as info:
        s.save(pl.DataFrame({"a": [1]}), {"filename": "x.csv"})
    assert calls["n"] == 2
    assert list((tmp_path / "d").iterdir()) == []  # no orphan Parquet, no temp file
    assert str(tmp_path) not in str(info.value) and "could not be stored" in str(info.value)


def test_a_read_only_folder_is_a_store_error(tmp_path):
    import os

    import polars as pl
    import pytest

    from toolkit.app_state.store import DatasetStore, StoreError

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # running as root: permissions do not apply
            pytest.skip("the test user can write anywhere (root)")
        with pytest.raises(StoreError):
            DatasetStore(folder).save(pl.DataFrame({"a": [1]}), {})
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_retention_removes_old_datasets(tmp_path, monkeypatch):
    import datetime as dt
    import json

    import polars as pl

    from toolkit.app_state.store import DatasetStore

    s = DatasetStore(tmp_path)
    old = s.save(pl.DataFrame({"a": [1]}), {})
    meta = tmp_path / f"{old}.json"
    record = json.loads(meta.read_text())
    record["stored_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).isoformat()
    meta.write_text(json.dumps(record))
    monkeypatch.delenv("TOOLKIT_RETENTION_DAYS", raising=False)
    fresh = s.save(pl.DataFrame({"a": [2]}), {})
    assert s.exists(old) and s.exists(fresh)  # no retention set: kept
    monkeypatch.setenv("TOOLKIT_RETENTION_DAYS", "30")
    newer = s.save(pl.DataFrame({"a": [3]}), {})
    assert not s.exists(old) and s.exists(fresh) and s.exists(newer)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}.{x}" for i in (fresh, newer) for x in ("json", "parquet"))
