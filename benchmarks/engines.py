"""Three implementations of SPEC's core KPIs over one generated log.

* ``toolkit``: ``pl.scan_parquet`` (or ``toolkit.read_messages`` for CSV) -> ``toolkit.kpis``;
* ``pandas``: the straightforward, vectorised groupby/shift code a competent analyst would write;
* ``duckdb``: one hand-written SQL query with window functions.

Same definitions everywhere (SPEC "Core definitions"): messages of a conversation ordered by
``created_at`` then ``row_nr``; a turn is a maximal run of inbound messages; bots neither answer
nor interrupt (their messages are dropped before runs are cut); a turn is answered by the next
non-bot message of its conversation after the run; FRT = the first turn's response time; ART =
all answered turns; mean, median and p90 with linear interpolation; SLA met (<= T) / missed
(answered later, or unanswered and waiting > T at the end of the data = the last message's time)
/ pending; unique customers = distinct inbound authors.

Every ``run_*`` returns ``{"kpis": {key: value}, "seconds": read + compute wall time}``.
Run one engine in its own process with ``python -m benchmarks.engines ENGINE FILE``: it prints
one JSON object (the runner reads it and the child's peak RSS).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["ENGINES", "KEYS", "run_duckdb", "run_pandas", "run_toolkit"]

#: The KPI keys all three engines produce (SPEC's command-line keys).
KEYS = (
    "inbound_messages",
    "outbound_messages",
    "conversations",
    "unique_customers",
    "turns",
    "answered_turns",
    "reply_rate",
    "frt_mean_s",
    "frt_median_s",
    "frt_p90_s",
    "art_mean_s",
    "art_median_s",
    "art_p90_s",
    "sla_target_s",
    "sla_compliance",
)

#: The calendar of the business-hours variant (toolkit only).
CALENDAR = "mon-fri 09:00-18:00"
CALENDAR_TZ = "Europe/Paris"


def _clean(value: Any) -> Any:
    """numpy / pandas scalars -> plain Python; NaN / NA -> None (never imports pandas itself,
    so the toolkit's and DuckDB's processes do not pay for it in memory)."""
    if value is None:
        return None
    pd = sys.modules.get("pandas")
    if pd is not None and value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".tsv", ".txt")


# --- toolkit ------------------------------------------------------------------------------------


def run_toolkit(path: str | Path, *, sla: float = 3600, business_hours: bool = False,
                streaming: bool = True, proposed: bool = False) -> dict[str, Any]:
    import polars as pl

    import toolkit

    if proposed:
        from benchmarks import proposed as patch

        patch.apply()

    path = Path(path)
    calendar = None
    t0 = time.perf_counter()
    if business_hours:
        from toolkit.calendar.business_hours import BusinessCalendar

        calendar = BusinessCalendar.parse(CALENDAR, timezone=CALENDAR_TZ)
    if _is_csv(path):
        reader = getattr(toolkit, "read_messages", None)
        if reader is not None:
            lf: pl.LazyFrame = reader(path).lazy()
        else:  # the loader is not there yet: a typed scan, numbered like a loader would
            from benchmarks.generate import CSV_SCHEMA

            lf = pl.scan_csv(path, schema=CSV_SCHEMA, try_parse_dates=False).with_row_index(
                "row_nr", offset=1
            ).with_columns(pl.col("row_nr").cast(pl.Int64))
    else:
        lf = pl.scan_parquet(path)
    result = toolkit.kpis(lf, sla=sla, calendar=calendar)
    df = result.collect(engine="streaming" if streaming else "in-memory")
    seconds = time.perf_counter() - t0
    row = df.row(0, named=True)
    return {"kpis": {k: _clean(v) for k, v in row.items()}, "seconds": seconds}


# --- pandas -------------------------------------------------------------------------------------


def run_pandas(path: str | Path, *, sla: float = 3600) -> dict[str, Any]:
    import pandas as pd

    path = Path(path)
    columns = ["row_nr", "conversation_id", "created_at", "direction", "customer_id", "is_bot"]
    t0 = time.perf_counter()
    if _is_csv(path):
        df = pd.read_csv(path, usecols=columns[1:], dtype={"conversation_id": str,
                         "direction": str, "customer_id": str, "is_bot": bool})
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
        df["row_nr"] = range(1, len(df) + 1)  # 1-based data row: the tie-break
    else:
        df = pd.read_parquet(path, columns=columns)

    inbound = df["direction"] == "inbound"
    as_of = df["created_at"].max()
    out: dict[str, Any] = {
        "inbound_messages": int(inbound.sum()),
        "outbound_messages": int((df["direction"] == "outbound").sum()),
        "conversations": df["conversation_id"].nunique(),
        "unique_customers": df.loc[inbound, "customer_id"].nunique(),
    }

    # Turns: drop bots, order each conversation by time then input row, cut inbound runs.
    m = df.loc[~df["is_bot"], ["conversation_id", "created_at", "row_nr", "direction"]]
    m = m.sort_values(["conversation_id", "created_at", "row_nr"], ignore_index=True)
    conv = m["conversation_id"]
    is_in = m["direction"] == "inbound"
    same_prev = conv.eq(conv.shift(1))
    same_next = conv.eq(conv.shift(-1))
    starts = is_in & ~(same_prev & is_in.shift(1, fill_value=False))
    ends = is_in & ~(same_next & is_in.shift(-1, fill_value=False))
    turns = pd.DataFrame({
        "conversation_id": conv[starts].to_numpy(),
        "start": m.loc[starts, "created_at"].to_numpy(),
        # the message after a run's last inbound message, if in the same conversation, answers it
        "answered_at": m["created_at"].shift(-1).where(same_next)[ends].to_numpy(),
    })
    turns["start"] = pd.to_datetime(turns["start"], utc=True)
    turns["answered_at"] = pd.to_datetime(turns["answered_at"], utc=True)
    turns["is_first"] = ~turns["conversation_id"].duplicated()
    turns["response_s"] = (turns["answered_at"] - turns["start"]).dt.total_seconds()
    answered = turns["answered_at"].notna()
    waited = (turns["answered_at"].fillna(as_of) - turns["start"]).dt.total_seconds()
    met = answered & (turns["response_s"] <= sla)
    decided = answered | (waited > sla)
    frt = turns.loc[answered & turns["is_first"], "response_s"]
    art = turns.loc[answered, "response_s"]
    out.update({
        "turns": len(turns),
        "answered_turns": int(answered.sum()),
        "reply_rate": answered.mean() if len(turns) else None,
        "frt_mean_s": frt.mean(),
        "frt_median_s": frt.median(),
        "frt_p90_s": frt.quantile(0.9),  # linear interpolation is pandas' default
        "art_mean_s": art.mean(),
        "art_median_s": art.median(),
        "art_p90_s": art.quantile(0.9),
        "sla_target_s": float(sla),
        "sla_compliance": met[decided].mean() if decided.any() else None,
    })
    seconds = time.perf_counter() - t0
    return {"kpis": {k: _clean(out[k]) for k in KEYS}, "seconds": seconds}


# --- DuckDB -------------------------------------------------------------------------------------

_SQL = """
WITH m AS (     -- bots neither answer nor interrupt: drop them before cutting runs
    SELECT conversation_id, created_at, row_nr, direction = 'inbound' AS is_in
    FROM msgs WHERE NOT is_bot
),
w AS (          -- one sort: conversation, time, input row
    SELECT conversation_id, created_at, row_nr, is_in,
           coalesce(LAG(is_in) OVER o, false) AS prev_in,
           LEAD(is_in) OVER o AS next_in,
           LEAD(created_at) OVER o AS next_at,
           SUM(is_in::INT) OVER (o ROWS UNBOUNDED PRECEDING) AS inbound_so_far
    FROM m WINDOW o AS (PARTITION BY conversation_id ORDER BY created_at, row_nr)
),
edges AS (      -- first and last message of each inbound run (a 1-message run is both)
    SELECT *, is_in AND NOT prev_in AS is_start, is_in AND NOT coalesce(next_in, false) AS is_end
    FROM w WHERE is_in AND (NOT prev_in OR NOT coalesce(next_in, false))
),
turns AS (      -- on an end row, the run's start is itself or the previous edge row
    SELECT is_end, next_at AS answered_at,
           CASE WHEN is_start THEN created_at ELSE LAG(created_at) OVER e END AS start,
           CASE WHEN is_start THEN inbound_so_far ELSE LAG(inbound_so_far) OVER e END = 1
               AS is_first
    FROM edges WINDOW e AS (PARTITION BY conversation_id ORDER BY created_at, row_nr)
),
t AS (
    SELECT is_first, answered_at IS NOT NULL AS answered,
           (epoch_us(answered_at) - epoch_us(start)) / 1e6 AS response_s,
           (epoch_us(coalesce(answered_at, (SELECT max(created_at) FROM msgs)))
               - epoch_us(start)) / 1e6 AS waited_s
    FROM turns WHERE is_end
)
SELECT
    (SELECT count(*) FILTER (WHERE direction = 'inbound') FROM msgs) AS inbound_messages,
    (SELECT count(*) FILTER (WHERE direction = 'outbound') FROM msgs) AS outbound_messages,
    (SELECT count(DISTINCT conversation_id) FROM msgs) AS conversations,
    (SELECT count(DISTINCT customer_id) FILTER (WHERE direction = 'inbound') FROM msgs)
        AS unique_customers,
    count(*) AS turns,
    count(*) FILTER (WHERE answered) AS answered_turns,
    avg(answered::DOUBLE) AS reply_rate,
    avg(response_s) FILTER (WHERE answered AND is_first) AS frt_mean_s,
    quantile_cont(response_s, 0.5) FILTER (WHERE answered AND is_first) AS frt_median_s,
    quantile_cont(response_s, 0.9) FILTER (WHERE answered AND is_first) AS frt_p90_s,
    avg(response_s) FILTER (WHERE answered) AS art_mean_s,
    quantile_cont(response_s, 0.5) FILTER (WHERE answered) AS art_median_s,
    quantile_cont(response_s, 0.9) FILTER (WHERE answered) AS art_p90_s,
    {sla}::DOUBLE AS sla_target_s,
    avg((answered AND response_s <= {sla})::DOUBLE) FILTER (WHERE answered OR waited_s > {sla})
        AS sla_compliance
FROM t
"""


def run_duckdb(path: str | Path, *, sla: float = 3600) -> dict[str, Any]:
    import duckdb

    path = Path(path)
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if _is_csv(path):
        source = (
            "(SELECT row_number() OVER () AS row_nr, * FROM read_csv("
            f"'{path}', header = true, columns = {{'message_id': 'VARCHAR', "
            "'conversation_id': 'VARCHAR', 'in_reply_to': 'VARCHAR', 'created_at': 'TIMESTAMPTZ', "
            "'direction': 'VARCHAR', 'channel': 'VARCHAR', 'customer_id': 'VARCHAR', "
            "'agent_id': 'VARCHAR', 'brand': 'VARCHAR', 'is_bot': 'BOOLEAN'}))"
        )
    else:
        source = f"read_parquet('{path}')"
    con.execute(f"CREATE VIEW msgs AS SELECT * FROM {source}")
    cur = con.execute(_SQL.format(sla=float(sla)))
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    seconds = time.perf_counter() - t0
    return {"kpis": {k: _clean(row[k]) for k in KEYS}, "seconds": seconds}


ENGINES = {"toolkit": run_toolkit, "pandas": run_pandas, "duckdb": run_duckdb}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one engine on one file; print JSON.")
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("path", type=Path)
    parser.add_argument("--sla", type=float, default=3600)
    parser.add_argument("--business-hours", action="store_true", help="toolkit only")
    parser.add_argument("--in-memory", action="store_true", help="toolkit: polars in-memory engine")
    parser.add_argument("--proposed", action="store_true",
                        help="toolkit: with the changes of benchmarks/proposed.py")
    args = parser.parse_args(argv)
    kwargs: dict[str, Any] = {"sla": args.sla}
    if args.engine == "toolkit":
        kwargs["business_hours"] = args.business_hours
        kwargs["streaming"] = not args.in_memory
        kwargs["proposed"] = args.proposed
    result = ENGINES[args.engine](args.path, **kwargs)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
