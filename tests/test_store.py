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
