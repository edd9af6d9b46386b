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
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{i}.{x}" for i in (fresh, newer) for x in ("json", "parquet")] + [f"{old}.removed"])
    assert s.status(old) == "expired"


# ---- owner-revocable links, retention without a save, uploads spooled to disk (issue 17) ------


class FakeClock:
    """A settable clock for the store (time only moves when the test says so)."""

    def __init__(self) -> None:
        import datetime as dt

        self.now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)

    def __call__(self):
        return self.now

    def advance(self, **delta: float) -> None:
        import datetime as dt

        self.now += dt.timedelta(**delta)


def test_revoke_needs_the_owners_token_and_then_the_link_says_removed(store: DatasetStore) -> None:
    saved = store.save_revocable(frame(), {"filename": "log.csv"})
    other = store.save_revocable(frame(), {})
    raw = (store.root / f"{saved.dataset_id}.json").read_text()
    assert saved.revoke_token not in raw, "only the token's hash is stored"
    assert "revoke_sha256" not in store.read(saved.dataset_id).settings
    for wrong in ["", "x", other.revoke_token, saved.revoke_token[:-1], saved.revoke_token + "x", None, 42, "a" * 10_000]:
        assert not store.revoke(saved.dataset_id, wrong)  # type: ignore[arg-type]
    assert not store.revoke(other.dataset_id, saved.revoke_token), "a token revokes only its own dataset"
    assert store.status(saved.dataset_id) == "stored"
    assert store.can_revoke(saved.dataset_id, saved.revoke_token)
    # A later session (a new store object, nothing in memory) with the token removes it.
    later = DatasetStore(store.root)
    assert later.revoke(saved.dataset_id, saved.revoke_token)
    assert later.status(saved.dataset_id) == "removed" and not later.exists(saved.dataset_id)
    assert not (store.root / f"{saved.dataset_id}.parquet").exists()
    with pytest.raises(UnknownDataset):
        later.read(saved.dataset_id)
    assert not later.revoke(saved.dataset_id, saved.revoke_token), "only once"
    assert later.status(other.dataset_id) == "stored"
    assert later.status("C" * 32) == "unknown" and later.status("../x") == "unknown"


def test_plain_saves_cannot_be_revoked_and_owner_delete_says_removed(store: DatasetStore) -> None:
    ds = store.save(frame(), {"revoke_sha256": "0" * 64})  # settings cannot smuggle a hash in
    assert "revoke_sha256" not in (store.root / f"{ds}.json").read_text()
    assert not store.can_revoke(ds, "")
    assert store.delete(ds, by_owner=True)
    assert store.status(ds) == "removed"


def test_expired_links_are_refused_before_any_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    store = DatasetStore(tmp_path, clock=clock)
    monkeypatch.setenv("TOOLKIT_RETENTION_DAYS", "7")
    ds = store.save(frame(), {})
    clock.advance(days=6, hours=23)
    assert store.exists(ds) and store.status(ds) == "stored"
    clock.advance(hours=2)
    # Past the period: refused at once, although its files are still on disk.
    assert (tmp_path / f"{ds}.parquet").exists()
    assert store.status(ds) == "expired" and not store.exists(ds)
    with pytest.raises(UnknownDataset):
        store.read(ds)
    monkeypatch.delenv("TOOLKIT_RETENTION_DAYS")
    assert store.exists(ds), "the operator lifting retention keeps what was not swept yet"


def test_sweep_runs_without_any_save_at_most_once_an_hour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    store = DatasetStore(tmp_path, clock=clock)
    monkeypatch.setenv("TOOLKIT_RETENTION_DAYS", "1")
    a = store.save(frame(), {})
    clock.advance(hours=12)
    b = store.save(frame(), {})
    clock.advance(hours=11, minutes=30)
    assert store.sweep_if_due() == [], "first sweep: nothing due yet (a is 23.5 h old)"
    clock.advance(minutes=50)  # a is 24 h 20 min old: past the day
    assert store.sweep_if_due() is None, "swept less than an hour ago"
    assert (tmp_path / f"{a}.parquet").exists() and store.status(a) == "expired"
    clock.advance(minutes=10)
    # Another process (a new store on the same folder) respects the same hour, and sweeps now.
    assert DatasetStore(tmp_path, clock=clock).sweep_if_due() == [a]
    assert not (tmp_path / f"{a}.parquet").exists() and not (tmp_path / f"{a}.json").exists()
    assert store.status(a) == "expired" and store.status(b) == "stored"
    clock.advance(minutes=59)
    assert store.sweep_if_due() is None
    clock.advance(hours=12)
    assert store.sweep_if_due() == [b]
    assert sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith(".")) == [".removed", ".removed"]


def test_sweep_removes_stale_uploads_temp_files_and_old_markers(tmp_path: Path) -> None:
    import io
    import os
    import time

    store = DatasetStore(tmp_path)
    saved = store.save_revocable(frame(), {})
    store.revoke(saved.dataset_id, saved.revoke_token)
    spooled = store.spool(io.BytesIO(b"a,b\n1,2\n"), "x.csv")
    fresh = store.spool(io.BytesIO(b"a\n1\n"), "y.csv")
    tmp = tmp_path / ".tmp-abc.parquet"
    tmp.write_bytes(b"half")
    old = time.time() - 100 * 86400
    for p in (spooled, spooled.parent, tmp, tmp_path / f"{saved.dataset_id}.removed"):
        os.utime(p, (old, old))
    store.purge_expired()
    assert not spooled.parent.exists() and not tmp.exists() and fresh.is_file()
    assert store.status(saved.dataset_id) == "unknown", "markers go after MARKER_DAYS"


def test_spool_copies_in_chunks_under_a_safe_name(store: DatasetStore) -> None:
    import io

    data = b"created_at,direction\n" + b"2025-01-01T00:00:00Z,inbound\n" * 50_000

    sizes: list[int] = []

    class Reads(io.BytesIO):
        def read(self, n: int = -1) -> bytes:
            sizes.append(n)
            return super().read(n)

    src = Reads(data)
    src.read(5)  # the uploader may have been read already: spool starts from the beginning
    path = store.spool(src, "../../Q3 ![x](http://h/b.png).csv", chunk=64 * 1024)
    assert path.read_bytes() == data
    assert max(sizes[1:]) == 64 * 1024, "read in chunks, never whole"
    assert path.parent.parent == store.root / ".uploads" and path.suffix == ".csv"
    assert "/" not in path.name and "(" not in path.name
    store.discard_upload(path)
    assert not path.parent.exists()
    store.discard_upload(store.root / "elsewhere" / "f.csv")  # not a spool: left alone, no error


def test_a_lazy_frame_is_streamed_into_the_store(store: DatasetStore) -> None:
    ds = store.save(frame(40).lazy().filter(pl.col("x") >= 10), {})
    assert store.read(ds).messages.equals(frame(40).filter(pl.col("x") >= 10))
    assert store.settings(ds)["rows"] == 30
