"""Live sources: message logs in a database, read in full or polled for new rows; a simulator.

A database is named by a URI:

* ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` - the embedded default, read
  with the standard library's :mod:`sqlite3`;
* ``postgresql://user:password@host:5432/dbname`` (or ``postgres://``) - read with psycopg 3.

The table (``table=``, default ``messages``) holds one row per message with the log's columns
(any layout the loader knows: the generic names, twcs, or a ``mapping``); rows go through
:func:`toolkit.load` like a file, so the canonical frame, the quality report and the errors are
the same.

:class:`LivePoller` reads only the rows added since its last read: by ``rowid`` on SQLite, by an
``id`` column on PostgreSQL when the table has one, else by ``created_at`` (rows at the last seen
time are compared so none is read twice). :func:`simulate` replays a log into a table in
accelerated real time: message times are shifted and compressed so that each row is written at
the moment its (new) ``created_at`` says, which makes "now" live for :func:`toolkit.queue`.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from toolkit.errors import DataError
from toolkit.present.i18n import _

__all__ = [
    "DEFAULT_TABLE",
    "LivePoller",
    "is_database_uri",
    "load_database",
    "read_database",
    "simulate",
]

#: The table read and written when none is named.
DEFAULT_TABLE = "messages"
_SCHEMES = ("sqlite://", "postgresql://", "postgres://")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$")
_ROWID = "_live_rowid"


def is_database_uri(source: object) -> bool:
    """Whether ``source`` names a database (``sqlite:///...``, ``postgresql://...``).

    Examples
    --------
    >>> is_database_uri("sqlite:///live.db"), is_database_uri("log.csv")
    (True, False)
    """
    return isinstance(source, str) and source.strip().lower().startswith(_SCHEMES)


@dataclass(frozen=True)
class _Database:
    uri: str
    kind: str  # "sqlite" | "postgresql"
    target: str  # sqlite path or libpq URI

    @property
    def placeholder(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def connect(self) -> Any:
        if self.kind == "sqlite":
            path = Path(self.target)
            if self.target != ":memory:" and not path.parent.is_dir():
                msg = _("database folder does not exist: {parent!r} (from {uri!r})").format(parent=str(path.parent), uri=self.uri)
                raise DataError(msg)
            return sqlite3.connect(self.target, timeout=30)
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is in requirements.txt
            msg = _("reading postgresql:// needs psycopg: pip install 'psycopg[binary]'")
            raise DataError(msg) from None
        try:
            return psycopg.connect(self.target, connect_timeout=10)
        except psycopg.Error as exc:
            msg = _("cannot connect to {redacted}: {value}").format(redacted=_redacted(self.uri), value=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            raise DataError(msg) from None


def _redacted(uri: str) -> str:
    """The URI without its password (for messages)."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", uri)


def _database(uri: str) -> _Database:
    text = uri.strip()
    lower = text.lower()
    if lower.startswith("sqlite://"):
        rest = text[len("sqlite://"):]
        if not rest.startswith("/") or rest == "/":
            msg = _("a SQLite URI is sqlite:///relative/path.db or sqlite:////absolute/path.db, got {uri!r}").format(uri=uri)
            raise DataError(msg)
        return _Database(text, "sqlite", rest[1:])
    if lower.startswith(("postgresql://", "postgres://")):
        return _Database(text, "postgresql", text)
    msg = _("unsupported database URI {redacted!r}; use sqlite:///path.db or postgresql://user@host/db").format(redacted=_redacted(uri))
    raise DataError(msg)


def _table(name: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        msg = _("table must be a plain table name (letters, digits, _; optionally schema.table), got {name!r}").format(name=name)
        raise DataError(msg)
    return ".".join(f'"{part}"' for part in name.split("."))


def _frame(cursor: Any) -> pl.DataFrame:
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    try:
        frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        # An all-empty column has no type yet: text, so that later batches stack onto it.
        return frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        # A column with mixed types (SQLite allows it): read every value as text.
        text_rows = [[None if v is None else str(v) for v in row] for row in rows]
        return pl.DataFrame(text_rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _query(db: _Database, sql: str, params: tuple[Any, ...] = ()) -> pl.DataFrame:
    connection = db.connect()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
        except Exception as exc:  # the driver's own error classes differ: sqlite3 / psycopg
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            msg = _("reading {redacted}: {first}").format(redacted=_redacted(db.uri), first=first)
            raise DataError(msg) from None
        return _frame(cursor)
    finally:
        connection.close()


def _columns(db: _Database, table: str) -> list[str]:
    return _query(db, f"SELECT * FROM {_table(table)} WHERE 1 = 0").columns


def read_database(uri: str, *, table: str = DEFAULT_TABLE) -> pl.DataFrame:
    """Every row of a database table, as it is stored (not yet canonical).

    Raises
    ------
    DataError
        An unsupported URI, a bad table name, a database or table that cannot be read.
    """
    db = _database(uri)
    return _query(db, f"SELECT * FROM {_table(table)}")


def load_database(
    uri: str,
    *,
    table: str = DEFAULT_TABLE,
    preset: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    timezone: str = "UTC",
) -> Any:
    """A database table through :func:`toolkit.load`: a :class:`~toolkit.LoadResult`."""
    from toolkit.io.load import load

    return load(read_database(uri, table=table), preset=preset, mapping=mapping, timezone=timezone)


class LivePoller:
    """Reads a table incrementally: each :meth:`poll` fetches only rows newer than the last seen.

    Parameters
    ----------
    uri, table
        The database and table.
    watermark
        The column that orders new rows: default ``rowid`` on SQLite; on PostgreSQL ``id`` when
        the table has it, else ``created_at`` (then rows at the last seen value are compared so
        none is counted twice).
    preset, mapping, timezone
        As for :func:`toolkit.load`, applied to everything read so far by :attr:`messages`.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "live.db")
    >>> con = sqlite3.connect(path)
    >>> _ = con.execute("CREATE TABLE messages (message_id TEXT, conversation_id TEXT, created_at TEXT, direction TEXT)")
    >>> _ = con.execute("INSERT INTO messages VALUES ('m1', 'c1', '2025-09-01T09:00:00Z', 'inbound')")
    >>> con.commit()
    >>> poller = LivePoller(f"sqlite:///{path}")
    >>> poller.poll(), poller.poll()
    (1, 0)
    >>> _ = con.execute("INSERT INTO messages VALUES ('m2', 'c1', '2025-09-01T09:05:00Z', 'outbound')")
    >>> con.commit()
    >>> poller.poll(), poller.messages.height
    (1, 2)
    """

    def __init__(
        self,
        uri: str,
        *,
        table: str = DEFAULT_TABLE,
        watermark: str | None = None,
        preset: str | None = None,
        mapping: Mapping[str, str | None] | None = None,
        timezone: str = "UTC",
    ) -> None:
        self.db = _database(uri)
        self.table = table
        self._quoted = _table(table)
        self.preset, self.mapping, self.timezone = preset, mapping, timezone
        self._watermark = watermark
        self._last: Any = None
        self._at_last: pl.DataFrame | None = None  # rows at the last watermark (created_at mode)
        self._batches: list[pl.DataFrame] = []
        self._loaded: Any = None
        self.rows_read = 0

    @property
    def watermark(self) -> str:
        """The column that orders new rows."""
        if self._watermark is None:
            if self.db.kind == "sqlite":
                self._watermark = "rowid"
            else:
                columns = _columns(self.db, self.table)
                self._watermark = "id" if "id" in columns else "created_at"
        if self._watermark != "rowid" and not _IDENTIFIER.match(self._watermark):
            msg = _("watermark must be a column name, got {watermark!r}").format(watermark=self._watermark)
            raise DataError(msg)
        return self._watermark

    def poll(self) -> int:
        """Read the rows added since the last poll; returns how many."""
        mark = self.watermark
        column = "rowid" if mark == "rowid" else f'"{mark}"'
        select = f"SELECT rowid AS {_ROWID}, * FROM {self._quoted}" if mark == "rowid" else f"SELECT * FROM {self._quoted}"
        by_time = mark not in ("rowid", "id")
        if self._last is None:
            new = _query(self.db, f"{select} ORDER BY {column}")
        else:
            op = ">=" if by_time else ">"
            new = _query(self.db, f"{select} WHERE {column} {op} {self.db.placeholder} ORDER BY {column}", (self._last,))
        key = _ROWID if mark == "rowid" else mark
        if new.height and key not in new.columns:
            msg = _("table {table!r} has no column {mark!r} to follow new rows by").format(table=self.table, mark=mark)
            raise DataError(msg)
        if by_time and self._at_last is not None and new.height:
            # Rows at exactly the last seen time were read already.
            again = new.filter(pl.col(key) == self._last)
            as_text = [pl.col(c).cast(pl.String) for c in again.columns]
            seen = self._at_last.select(as_text).unique()
            fresh = again.filter(~pl.struct(as_text).is_in(seen.to_struct().implode()))
            new = pl.concat([fresh, new.filter(pl.col(key) != self._last)], how="vertical_relaxed")
        if not new.height:
            return 0
        self._last = new.get_column(key).max()
        if by_time:
            at_last = new.filter(pl.col(key) == self._last)
            previous = self._at_last if self._at_last is not None and self._at_last.height and self._at_last.get_column(key)[0] == self._last else None
            self._at_last = at_last if previous is None else pl.concat([previous, at_last], how="vertical_relaxed")
        self._batches.append(new.drop(_ROWID) if _ROWID in new.columns else new)
        self._loaded = None
        self.rows_read += new.height
        return new.height

    @property
    def result(self) -> Any:
        """Everything read so far through :func:`toolkit.load` (a LoadResult), or None when the
        table is still empty."""
        if not self._batches:
            return None
        if self._loaded is None:
            from toolkit.io.load import load

            raw = pl.concat(self._batches, how="diagonal_relaxed") if len(self._batches) > 1 else self._batches[0]
            self._batches = [raw]
            self._loaded = load(raw, preset=self.preset, mapping=self.mapping, timezone=self.timezone)
        return self._loaded

    @property
    def messages(self) -> pl.DataFrame | None:
        """The canonical messages read so far (None while the table is empty)."""
        result = self.result
        return None if result is None else result.messages


# --- the simulator -----------------------------------------------------------------------------


def _create_table(db: _Database, connection: Any, table: str, columns: list[str]) -> None:
    quoted = _table(table)
    cols = ", ".join(f'"{c}" TEXT' for c in columns)
    key = "id INTEGER PRIMARY KEY AUTOINCREMENT" if db.kind == "sqlite" else "id BIGSERIAL PRIMARY KEY"
    connection.execute(f"CREATE TABLE IF NOT EXISTS {quoted} ({key}, {cols})")
    existing = _frame(connection.execute(f"SELECT * FROM {quoted} WHERE 1 = 0")).columns
    missing = [c for c in columns if c not in existing]
    if missing:
        msg = _("table {table!r} exists without the column(s) {missing}; write to a new table (--table)").format(table=table, missing=missing)
        raise DataError(msg)


def simulate(
    db_uri: str,
    source: Any = None,
    *,
    table: str = DEFAULT_TABLE,
    speed: float = 60.0,
    start: dt.datetime | str | None = None,
    limit: int | None = None,
    backfill: float = 0.0,
    now: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int, dt.datetime], None] | None = None,
) -> int:
    """Replay a message log into a database table in accelerated real time.

    The log's times from ``start`` on are mapped onto the wall clock: a message ``t`` after the
    start is written ``t / speed`` after the simulator starts, stamped with that wall-clock time
    (``created_at`` and, when present, ``resolved_at`` are shifted the same way). So the table
    always looks like a live inbox, and ``toolkit.queue(..., as_of=None)`` sees it as of now. At
    ``speed=60`` one real minute replays one hour of the log (waits shrink 60-fold too: compare
    with an SLA divided by the speed).

    Parameters
    ----------
    db_uri
        Where to write (``sqlite:///live.db`` or ``postgresql://...``); the table is created
        (every log column as text, plus an ``id`` key) when missing.
    source
        The log to replay (a file the loader reads, as raw columns); default the bundled sample.
    speed
        How many times faster than real time (> 0).
    start
        The log time to start from (ISO text or datetime; default its first message).
    limit
        Stop after writing this many messages (default: the whole log).
    backfill
        Hours of the log before ``start`` to write at once (shifted the same way), so the queue
        opens with the conversations already under way.
    now, sleep, progress
        Clock, wait and progress callbacks (tests pass fakes).

    Returns
    -------
    int
        How many messages were written.
    """
    from toolkit.analysis.queue import resolve_as_of
    from toolkit.io.load import read_table
    from toolkit.io.timestamps import parse_timestamps

    if not speed > 0:
        msg = _("speed must be a positive number (60 = one hour of the log per minute), got {speed}").format(speed=speed)
        raise DataError(msg)
    if limit is not None and limit < 1:
        msg = _("limit must be at least 1, got {limit}").format(limit=limit)
        raise DataError(msg)
    if not backfill >= 0:
        msg = _("backfill must be a number of hours >= 0, got {backfill}").format(backfill=backfill)
        raise DataError(msg)
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    if source is None:
        source = Path(__file__).parents[2] / "sample_data" / "sample_messages.csv"
    raw = read_table(source).select(pl.all().cast(pl.String))
    if "created_at" not in raw.columns:
        msg = _("the log to replay has no created_at column (found: {columns})").format(columns=raw.columns)
        raise DataError(msg)
    times = parse_timestamps(raw.get_column("created_at"))
    frame = raw.with_columns(_t=times.cast(pl.Datetime("us", "UTC"))).filter(pl.col("_t").is_not_null())
    frame = frame.with_row_index("_order").sort("_t", "_order").drop("_order")
    if not frame.height:
        msg = _("the log to replay has no readable created_at times")
        raise DataError(msg)
    origin = resolve_as_of(start) if start is not None else frame.get_column("_t").min()
    first = origin - dt.timedelta(hours=backfill)
    frame = frame.filter(pl.col("_t") >= pl.lit(first).cast(pl.Datetime("us", "UTC")))
    if limit is not None:
        frame = frame.head(limit)
    columns = [c for c in raw.columns if c != "id"]
    wall0 = clock()

    def live(expr: pl.Expr) -> pl.Expr:
        offset_us = ((expr - pl.lit(origin).cast(pl.Datetime("us", "UTC"))).dt.total_microseconds() / speed).round(0).cast(pl.Int64)
        stamp = pl.lit(wall0).cast(pl.Datetime("us", "UTC")) + pl.duration(microseconds=offset_us)
        return stamp.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")

    shifted = frame.with_columns(
        _live=pl.col("_t").pipe(lambda t: (t - pl.lit(origin).cast(pl.Datetime("us", "UTC"))).dt.total_microseconds() / speed / 1e6),
        created_at=live(pl.col("_t")),
    )
    if "resolved_at" in columns:
        resolved = parse_timestamps(frame.get_column("resolved_at")).cast(pl.Datetime("us", "UTC"))
        shifted = shifted.with_columns(resolved_at=pl.when(resolved.is_not_null()).then(live(pl.lit(resolved))))
    db = _database(db_uri)
    connection = db.connect()
    written = 0
    try:
        _create_table(db, connection, table, columns)
        connection.commit()
        insert = (
            f"INSERT INTO {_table(table)} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
            f"VALUES ({', '.join([db.placeholder] * len(columns))})"
        )
        due = shifted.get_column("_live").to_list()
        rows = shifted.select(columns).rows()
        i = 0
        while i < len(rows):
            elapsed = (clock() - wall0).total_seconds()
            j = i
            while j < len(rows) and due[j] <= elapsed:
                j += 1
            if j > i:
                cursor = connection.cursor()
                cursor.executemany(insert, rows[i:j])
                connection.commit()
                written += j - i
                i = j
                if progress is not None:
                    progress(written, clock())
                continue
            sleep(min(max(due[i] - elapsed, 0.01), 1.0))
    finally:
        connection.close()
    return written
