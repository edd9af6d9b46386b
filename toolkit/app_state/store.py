"""Server-side store of uploaded message logs, so a shared link can reopen the same data.

Each stored dataset is the canonical messages frame as Parquet plus a small JSON of the settings
it was loaded with (file name, preset, mapping, time zone, quality summary). It lives under an
unguessable id (``secrets.token_urlsafe``) in a data directory (``TOOLKIT_DATA_DIR``, default
``./data``). Writes go to a temporary file in the same directory, then ``os.replace``: a reader
never sees a half-written file and two sessions writing at once cannot corrupt each other. The
JSON is written last and is the commit marker: a dataset exists once its JSON does.

Ids are validated strictly before they touch the file system (no path traversal).

>>> import polars as pl, tempfile
>>> store = DatasetStore(tempfile.mkdtemp())
>>> ds = store.save(pl.DataFrame({"a": [1, 2]}), {"filename": "x.csv"})
>>> store.read(ds).settings["filename"]
'x.csv'
>>> store.exists("../etc/passwd")
False
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.present.i18n import N_, _

__all__ = [
    "DatasetStore",
    "StoreError",
    "StoredDataset",
    "UnknownDataset",
    "default_data_dir",
    "is_valid_id",
    "retention_days",
]

#: ``secrets.token_urlsafe(24)`` gives 32 characters of ``[A-Za-z0-9_-]``.
_ID_BYTES = 24
_ID_RE = re.compile(r"[A-Za-z0-9_-]{32}")


class UnknownDataset(LookupError):
    """No dataset under this id (never existed, removed, or not a valid id)."""


class StoreError(OSError):
    """The store could not write (disk full, read-only or missing folder): a message for a reader,
    without server paths; the cause is chained for the server's log."""


def retention_days() -> float | None:
    """``$TOOLKIT_RETENTION_DAYS``: stored datasets older than this many days are removed (unset or
    ``0``: kept until their owner removes them).

    >>> import os; os.environ.pop("TOOLKIT_RETENTION_DAYS", None) and None; retention_days() is None
    True
    """
    text = os.environ.get("TOOLKIT_RETENTION_DAYS", "").strip()
    try:
        days = float(text) if text else 0.0
    except ValueError:
        return None
    return days if days > 0 else None


def default_data_dir() -> Path:
    """``$TOOLKIT_DATA_DIR`` or ``./data``."""
    return Path(os.environ.get("TOOLKIT_DATA_DIR") or "data")


def is_valid_id(dataset_id: object) -> bool:
    """True for a string shaped like an id this store hands out (and nothing else).

    >>> is_valid_id("a" * 32), is_valid_id("../" + "a" * 29), is_valid_id(None)
    (True, False, False)
    """
    return isinstance(dataset_id, str) and _ID_RE.fullmatch(dataset_id) is not None


@dataclass(frozen=True)
class StoredDataset:
    """A dataset read back from the store."""

    dataset_id: str
    messages: pl.DataFrame
    settings: dict[str, Any]


def _atomic_write(path: Path, write: Any) -> None:
    """Write through ``write(tmp_path)`` to a temp file next to ``path``, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_CANNOT_WRITE = N_(
    "The data could not be stored on the server (its disk is full or its data folder is not "
    "writable). Nothing was kept; ask the person who runs the app."
)


class DatasetStore:
    """Datasets on disk under ``root`` (created on first save)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_data_dir()

    def _paths(self, dataset_id: str) -> tuple[Path, Path]:
        if not is_valid_id(dataset_id):
            raise UnknownDataset(dataset_id)
        return self.root / f"{dataset_id}.parquet", self.root / f"{dataset_id}.json"

    def save(self, messages: pl.DataFrame, settings: Mapping[str, Any]) -> str:
        """Store ``messages`` with its load ``settings`` (JSON-able); return the new id.

        All or nothing: when a write fails (a full disk, a read-only folder) no file of the
        dataset is left behind and :class:`StoreError` says so without server paths. Datasets
        older than :func:`retention_days` are removed first.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(_(_CANNOT_WRITE)) from exc
        self.purge_expired()
        while True:
            dataset_id = secrets.token_urlsafe(_ID_BYTES)
            parquet, meta = self._paths(dataset_id)
            if not meta.exists() and not parquet.exists():
                break
        record = {
            **dict(settings),
            "dataset_id": dataset_id,
            "rows": messages.height,
            "stored_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        try:
            _atomic_write(parquet, lambda p: messages.write_parquet(p, compression="zstd"))
            _atomic_write(meta, lambda p: p.write_text(json.dumps(record, default=str, indent=1)))
        except (OSError, pl.exceptions.ComputeError) as exc:
            # The JSON is the commit marker: without it the Parquet would be an orphan forever.
            meta.unlink(missing_ok=True)
            parquet.unlink(missing_ok=True)
            raise StoreError(_(_CANNOT_WRITE)) from exc
        return dataset_id

    def purge_expired(self, *, now: dt.datetime | None = None) -> list[str]:
        """Remove datasets stored more than :func:`retention_days` ago (and temp files of failed
        writes older than a day); returns the ids removed."""
        days = retention_days()
        if not self.root.is_dir():
            return []
        now = now or dt.datetime.now(dt.UTC)
        removed = []
        for meta in self.root.glob("*.json"):
            if days is None or not is_valid_id(meta.stem):
                continue
            try:
                stored = dt.datetime.fromisoformat(json.loads(meta.read_text())["stored_at"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if (now - stored).total_seconds() > days * 86400 and self.delete(meta.stem):
                removed.append(meta.stem)
        for tmp in self.root.glob(".tmp-*"):
            try:
                if now.timestamp() - tmp.stat().st_mtime > 86400:
                    tmp.unlink(missing_ok=True)
            except OSError:
                continue
        return removed

    def exists(self, dataset_id: object) -> bool:
        if not is_valid_id(dataset_id):
            return False
        parquet, meta = self._paths(str(dataset_id))
        return meta.is_file() and parquet.is_file()

    def settings(self, dataset_id: str) -> dict[str, Any]:
        """The JSON settings of a dataset (cheap: does not read the Parquet)."""
        if not self.exists(dataset_id):
            raise UnknownDataset(dataset_id)
        _, meta = self._paths(dataset_id)
        try:
            return dict(json.loads(meta.read_text()))
        except (OSError, ValueError) as exc:  # removed meanwhile, or damaged by hand
            raise UnknownDataset(dataset_id) from exc

    def read(self, dataset_id: str) -> StoredDataset:
        """The stored frame and settings; :class:`UnknownDataset` if there is none."""
        settings = self.settings(dataset_id)
        parquet, _ = self._paths(dataset_id)
        try:
            messages = pl.read_parquet(parquet)
        except (OSError, pl.exceptions.ComputeError) as exc:
            raise UnknownDataset(dataset_id) from exc
        return StoredDataset(dataset_id, messages, settings)

    def delete(self, dataset_id: str) -> bool:
        """Remove a dataset; True if it was there. The JSON goes first (the commit marker)."""
        if not self.exists(dataset_id):
            return False
        parquet, meta = self._paths(dataset_id)
        meta.unlink(missing_ok=True)
        parquet.unlink(missing_ok=True)
        return True
