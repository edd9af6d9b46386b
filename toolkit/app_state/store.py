"""Server-side store of uploaded message logs, so a shared link can reopen the same data.

Each stored dataset is the canonical messages frame as Parquet plus a small JSON of the settings
it was loaded with (file name, preset, mapping, time zone, quality summary). It lives under an
unguessable id (``secrets.token_urlsafe``) in a data directory (``TOOLKIT_DATA_DIR``, default
``./data``). Writes go to a temporary file in the same directory, then ``os.replace``: a reader
never sees a half-written file and two sessions writing at once cannot corrupt each other. The
JSON is written last and is the commit marker: a dataset exists once its JSON does.

Ids are validated strictly before they touch the file system (no path traversal).

Owners revoke their links with a secret handed out once at save time
(:meth:`DatasetStore.save_revocable`); only its SHA-256 is stored. Revoking removes the data and
leaves a small marker (``<id>.removed``) so the link can say the owner removed it. Datasets older
than the retention period (:func:`retention_days`) count as gone as soon as they are due, and
:meth:`DatasetStore.sweep_if_due` removes their files (at most once an hour, from any page load).

>>> import polars as pl, tempfile
>>> store = DatasetStore(tempfile.mkdtemp())
>>> ds = store.save(pl.DataFrame({"a": [1, 2]}), {"filename": "x.csv"})
>>> store.read(ds).settings["filename"]
'x.csv'
>>> store.exists("../etc/passwd")
False
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import polars as pl

from toolkit.present.i18n import N_, _

__all__ = [
    "DatasetStore",
    "SavedDataset",
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
#: How long the marker of a removed dataset is kept (the link says "removed" meanwhile).
MARKER_DAYS = 90
#: Temporary files of failed writes and abandoned uploads older than this are swept.
TEMP_MAX_AGE_S = 86_400
#: :meth:`DatasetStore.sweep_if_due` sweeps at most this often.
SWEEP_EVERY_S = 3_600

Status = Literal["stored", "removed", "expired", "unknown"]


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
class SavedDataset:
    """What :meth:`DatasetStore.save_revocable` hands the owner: the id and, once, the secret
    that revokes it (the store keeps only its SHA-256)."""

    dataset_id: str
    revoke_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _safe_name(name: str) -> str:
    """A file name for an upload spooled to disk: its own characters where harmless, its suffix kept.

    >>> _safe_name("Q3 [x](y) été.CSV"), _safe_name("../../etc/passwd"), _safe_name("..")
    ('Q3 _x_y_ été.CSV', 'passwd', 'upload')
    """
    base = Path(str(name).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"_+", "_", re.sub(r"[^\w .-]", "_", stem)).strip(" ._")[:100] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix)[:10]
    return f"{stem}.{suffix}" if suffix else stem


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
    """Datasets on disk under ``root`` (created on first save).

    ``clock`` returns the current time (timezone-aware); tests pass a fake one.
    """

    def __init__(
        self, root: str | os.PathLike[str] | None = None, *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.root = Path(root) if root is not None else default_data_dir()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def _paths(self, dataset_id: str) -> tuple[Path, Path]:
        if not is_valid_id(dataset_id):
            raise UnknownDataset(dataset_id)
        return self.root / f"{dataset_id}.parquet", self.root / f"{dataset_id}.json"

    def _marker(self, dataset_id: str) -> Path:
        return self.root / f"{dataset_id}.removed"

    # ---- writing -------------------------------------------------------------------------------

    def save(self, messages: pl.DataFrame | pl.LazyFrame, settings: Mapping[str, Any]) -> str:
        """Store ``messages`` with its load ``settings`` (JSON-able); return the new id.

        All or nothing: when a write fails (a full disk, a read-only folder) no file of the
        dataset is left behind and :class:`StoreError` says so without server paths. Datasets
        older than :func:`retention_days` are removed first. A LazyFrame is streamed to disk.
        Nobody can revoke such a dataset's links but the operator; owners get
        :meth:`save_revocable`.
        """
        return self._save(messages, settings, None)

    def save_revocable(self, messages: pl.DataFrame | pl.LazyFrame, settings: Mapping[str, Any]) -> SavedDataset:
        """:meth:`save`, and a secret revoke token for the owner (shown to them once; only its
        SHA-256 is stored). :meth:`revoke` with it removes the dataset from any later session.

        >>> import polars as pl, tempfile
        >>> store = DatasetStore(tempfile.mkdtemp())
        >>> saved = store.save_revocable(pl.DataFrame({"a": [1]}), {})
        >>> store.revoke(saved.dataset_id, "not the token"), store.revoke(saved.dataset_id, saved.revoke_token)
        (False, True)
        >>> store.status(saved.dataset_id)
        'removed'
        """
        token = secrets.token_urlsafe(_ID_BYTES)
        return SavedDataset(self._save(messages, settings, _digest(token)), token)

    def _save(self, messages: pl.DataFrame | pl.LazyFrame, settings: Mapping[str, Any], revoke_sha256: str | None) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(_(_CANNOT_WRITE)) from exc
        self.purge_expired()
        while True:
            dataset_id = secrets.token_urlsafe(_ID_BYTES)
            parquet, meta = self._paths(dataset_id)
            if not meta.exists() and not parquet.exists() and not self._marker(dataset_id).exists():
                break
        record = {
            **{k: v for k, v in dict(settings).items() if k != "revoke_sha256"},
            "dataset_id": dataset_id,
            "stored_at": self._clock().isoformat(timespec="seconds"),
        }
        if revoke_sha256 is not None:
            record["revoke_sha256"] = revoke_sha256

        def write_frame(path: Path) -> None:
            if isinstance(messages, pl.LazyFrame):
                messages.sink_parquet(path, compression="zstd")
            else:
                messages.write_parquet(path, compression="zstd")

        try:
            _atomic_write(parquet, write_frame)
            record["rows"] = (
                messages.height if isinstance(messages, pl.DataFrame)
                else pl.scan_parquet(parquet).select(pl.len()).collect().item()
            )
            _atomic_write(meta, lambda p: p.write_text(json.dumps(record, default=str, indent=1)))
        except (OSError, pl.exceptions.ComputeError) as exc:
            # The JSON is the commit marker: without it the Parquet would be an orphan forever.
            meta.unlink(missing_ok=True)
            parquet.unlink(missing_ok=True)
            raise StoreError(_(_CANNOT_WRITE)) from exc
        return dataset_id

    def spool(self, source: IO[bytes], name: str, *, chunk: int = 1 << 20) -> Path:
        """Copy an uploaded file object to disk in ``chunk``-sized pieces; its path (named like
        ``name``, suffix kept, in a folder of its own under ``<root>/.uploads``).

        The loader then scans the file from disk instead of holding more copies of its bytes.
        Remove it with :meth:`discard_upload` once used; abandoned ones are swept after a day.
        A full disk is a :class:`StoreError` and leaves nothing behind.
        """
        folder = self.root / ".uploads" / secrets.token_urlsafe(12)
        path = folder / _safe_name(name)
        try:
            folder.mkdir(parents=True)
            if hasattr(source, "seek"):
                source.seek(0)
            with path.open("wb") as out:
                shutil.copyfileobj(source, out, chunk)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise StoreError(_CANNOT_WRITE) from exc
        return path

    def discard_upload(self, path: str | os.PathLike[str] | None) -> None:
        """Remove a file :meth:`spool` wrote (and its folder); anything else is left alone."""
        if path is None:
            return
        folder = Path(path).parent
        uploads = (self.root / ".uploads").resolve()
        if folder.resolve().parent == uploads:
            shutil.rmtree(folder, ignore_errors=True)

    # ---- removing ------------------------------------------------------------------------------

    def revoke(self, dataset_id: str, token: str) -> bool:
        """Remove a dataset if ``token`` is its revoke token; True if it was removed.

        Its links then say the owner removed it (:meth:`status` is ``"removed"``).
        """
        return self.can_revoke(dataset_id, token) and self._remove(dataset_id, "owner")

    def can_revoke(self, dataset_id: str, token: object) -> bool:
        """True if ``token`` is the revoke token of a stored dataset (nothing is removed)."""
        if not isinstance(token, str) or not token or len(token) > 200 or not self.exists(dataset_id):
            return False
        try:
            expected = str(self.settings(dataset_id).get("revoke_sha256") or "")
        except UnknownDataset:
            return False
        return bool(expected) and hmac.compare_digest(expected, _digest(token))

    def _remove(self, dataset_id: str, reason: str) -> bool:
        """Delete a dataset's files, leaving a marker saying why (best effort)."""
        parquet, meta = self._paths(dataset_id)
        if not meta.exists() and not parquet.exists():
            return False
        with contextlib.suppress(OSError):  # the data still goes; the link then says it does not exist
            _atomic_write(
                self._marker(dataset_id),
                lambda p: p.write_text(json.dumps({"reason": reason, "removed_at": self._clock().isoformat(timespec="seconds")})),
            )
        meta.unlink(missing_ok=True)
        parquet.unlink(missing_ok=True)
        return True

    def delete(self, dataset_id: str, *, by_owner: bool = False) -> bool:
        """Remove a dataset; True if it was there. The JSON goes first (the commit marker).

        ``by_owner``: its links then say the owner removed it (else: that it does not exist).
        """
        if not is_valid_id(dataset_id):
            return False
        if by_owner:
            return self._remove(dataset_id, "owner")
        parquet, meta = self._paths(dataset_id)
        if not meta.is_file():
            return False
        meta.unlink(missing_ok=True)
        parquet.unlink(missing_ok=True)
        return True

    def _expired(self, record: Mapping[str, Any], now: dt.datetime) -> bool:
        days = retention_days()
        if days is None:
            return False
        try:
            stored = dt.datetime.fromisoformat(str(record["stored_at"]))
        except (KeyError, ValueError, TypeError):
            return False
        if stored.tzinfo is None:
            stored = stored.replace(tzinfo=dt.UTC)
        return (now - stored).total_seconds() > days * 86400

    def purge_expired(self, *, now: dt.datetime | None = None) -> list[str]:
        """Remove datasets stored more than :func:`retention_days` ago (their links then say so),
        temp files of failed writes and abandoned uploads older than a day, and removal markers
        older than :data:`MARKER_DAYS`; returns the ids removed."""
        if not self.root.is_dir():
            return []
        now = now or self._clock()
        removed = []
        if retention_days() is not None:
            for meta in self.root.glob("*.json"):
                if not is_valid_id(meta.stem):
                    continue
                try:
                    record = json.loads(meta.read_text())
                except (OSError, ValueError):
                    continue
                if isinstance(record, dict) and self._expired(record, now) and self._remove(meta.stem, "expired"):
                    removed.append(meta.stem)
        stale = [(p, TEMP_MAX_AGE_S) for p in self.root.glob(".tmp-*")]
        stale += [(p, TEMP_MAX_AGE_S) for p in (self.root / ".uploads").glob("*")]
        stale += [(p, MARKER_DAYS * 86400) for p in self.root.glob("*.removed")]
        for path, age in stale:
            try:
                if now.timestamp() - path.stat().st_mtime > age:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
            except OSError:
                continue
        return removed

    def sweep_if_due(self, *, every_s: float = SWEEP_EVERY_S) -> list[str] | None:
        """:meth:`purge_expired` unless a sweep ran less than ``every_s`` seconds ago (by any
        process using this folder: the time is kept in ``<root>/.last-sweep``); the ids removed,
        or None when not due. Cheap enough for every page load: one small file read."""
        if not self.root.is_dir():
            return None
        now = self._clock()
        mark = self.root / ".last-sweep"
        try:
            last = float(mark.read_text().strip() or "nan")
        except (OSError, ValueError):
            last = float("nan")
        if now.timestamp() - last < every_s:  # False for nan: never swept
            return None
        with contextlib.suppress(OSError):  # a read-only store sweeps nothing useful anyway
            _atomic_write(mark, lambda p: p.write_text(f"{now.timestamp():.3f}"))
        return self.purge_expired(now=now)

    # ---- reading -------------------------------------------------------------------------------

    def status(self, dataset_id: object) -> Status:
        """``"stored"``, ``"removed"`` (by its owner), ``"expired"`` (older than the retention
        period, removed or not yet swept) or ``"unknown"`` (never existed, or not an id)."""
        if not is_valid_id(dataset_id):
            return "unknown"
        did = str(dataset_id)
        parquet, meta = self._paths(did)
        if meta.is_file() and parquet.is_file():
            try:
                record = json.loads(meta.read_text())
            except (OSError, ValueError):
                return "unknown"
            if isinstance(record, dict) and self._expired(record, self._clock()):
                return "expired"
            return "stored"
        try:
            reason = json.loads(self._marker(did).read_text()).get("reason")
        except (OSError, ValueError, AttributeError):
            return "unknown"
        return "removed" if reason == "owner" else "expired" if reason == "expired" else "unknown"

    def exists(self, dataset_id: object) -> bool:
        """True for a dataset that can be opened (stored, not past the retention period)."""
        return self.status(dataset_id) == "stored"

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
        settings.pop("revoke_sha256", None)
        return StoredDataset(dataset_id, messages, settings)
