"""Seeded generator of large canonical message logs (Parquet and CSV), written in chunks.

``python -m benchmarks.generate --sizes 1M,10M [--out benchmarks/data] [--seed 8]``

Each size gives ``<out>/<size>/messages.parquet`` (canonical columns, ``row_nr`` included, one
row group per chunk) and ``<out>/<size>/messages.csv`` (the same rows in the same order, canonical
names, no ``row_nr``: a loader numbers the data rows 1..n, which gives the same ``row_nr``).

The log looks like a social inbox: conversations of 1-40 messages (geometric, mean ~5) over a
year, customers that come back, 10 % of the brand's messages from a bot, timestamps in whole
seconds with many exact ties inside a conversation (so the ``row_nr`` tie-break matters), and
rows in no particular order (each chunk is shuffled). Conversations never cross a chunk, so a
chunk is generated, shuffled and written on its own: 100M rows never need 100M rows in memory.
Everything is vectorised numpy/polars; the same seed and size always give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

__all__ = ["CSV_SCHEMA", "DEFAULT_DIR", "generate", "generate_chunk", "parse_size"]

DEFAULT_DIR = Path(__file__).resolve().parent / "data"
CHUNK = 2_000_000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPAN_S = 365 * 86_400
CHANNELS = ("twitter", "facebook", "instagram", "email", "chat")
BRANDS = ("Acme", "Globex", "Initech")
N_AGENTS = 200

#: How the CSV is read back by engines that do not use the toolkit's loader.
CSV_SCHEMA: dict[str, pl.DataType] = {
    "message_id": pl.String(),
    "conversation_id": pl.String(),
    "in_reply_to": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
    "direction": pl.String(),
    "channel": pl.String(),
    "customer_id": pl.String(),
    "agent_id": pl.String(),
    "brand": pl.String(),
    "is_bot": pl.Boolean(),
}


def parse_size(text: str) -> int:
    """``"2000"``, ``"1M"``, ``"10M"``, ``"100k"`` -> number of messages."""
    t = text.strip().upper().replace("_", "")
    factor = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if factor > 1 else t) * factor)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def generate_chunk(n: int, *, first_row: int, first_conversation: int, total: int, seed: int) -> pl.DataFrame:
    """``n`` canonical messages (whole conversations, the last one cut), shuffled.

    ``row_nr`` runs from ``first_row`` to ``first_row + n - 1`` in the returned (shuffled) order.
    """
    rng = np.random.default_rng([seed, first_row])
    # Conversation lengths: geometric, mean ~5, capped at 40; enough of them to cover n.
    lengths = np.minimum(rng.geometric(0.2, size=n // 3 + 10), 40)
    ends = np.cumsum(lengths)
    n_conv = int(np.searchsorted(ends, n) + 1)
    lengths = lengths[:n_conv]
    lengths[-1] -= int(ends[n_conv - 1] - n)
    conv = np.repeat(np.arange(n_conv, dtype=np.int64), lengths)
    conv_start_pos = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pos = np.arange(n, dtype=np.int64) - conv_start_pos[conv]  # position in the conversation

    # Direction: conversations mostly start with the customer; then a mix, runs of both kinds.
    first_inbound = rng.random(n_conv) < 0.9
    inbound = np.where(pos == 0, first_inbound[conv], rng.random(n) < 0.5)
    is_bot = ~inbound & (rng.random(n) < 0.1)

    # Times: conversation start uniform over a year; gaps in whole seconds, lognormal (median
    # ~15 min, long tail into days), 8 % exact zero gaps -> ties broken by row_nr.
    start = rng.integers(0, SPAN_S, size=n_conv)
    gaps = np.rint(rng.lognormal(np.log(900), 1.6, size=n)).astype(np.int64)
    gaps[rng.random(n) < 0.08] = 0
    gaps[pos == 0] = 0
    # cumulative gaps within each conversation
    cum = np.cumsum(gaps)
    offset = cum - cum[conv_start_pos][conv]
    seconds = start[conv] + offset

    n_customers = max(total // 12, 10)
    customer = rng.integers(0, n_customers, size=n_conv)
    channel = rng.integers(0, len(CHANNELS), size=n_conv).astype(np.uint32)
    brand = rng.integers(0, len(BRANDS), size=n_conv).astype(np.uint32)
    agent = rng.integers(0, N_AGENTS, size=n)

    order = rng.permutation(n)  # rows in no particular order
    conv_o = conv[order]
    inbound_o = inbound[order]
    bot_o = is_bot[order]
    row_nr = np.arange(first_row, first_row + n, dtype=np.int64)
    start_us = int(START.timestamp()) * 1_000_000
    df = pl.DataFrame(
        {
            "row_nr": row_nr,
            "_conv": conv_o + first_conversation,
            "created_at": seconds[order] * 1_000_000 + start_us,
            "_inbound": inbound_o,
            "_channel": channel[conv_o],
            "_brand": brand[conv_o],
            "_customer": customer[conv_o],
            "_agent": agent[order],
            "is_bot": bot_o,
        }
    )
    return df.select(
        "row_nr",
        message_id=pl.format("m{}", pl.col("row_nr")),
        conversation_id=pl.format("c{}", pl.col("_conv")),
        in_reply_to=pl.lit(None, pl.String),
        created_at=pl.col("created_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        direction=pl.when("_inbound").then(pl.lit("inbound")).otherwise(pl.lit("outbound")),
        channel=pl.col("_channel").cast(pl.String).replace_strict(
            [str(i) for i in range(len(CHANNELS))], CHANNELS, return_dtype=pl.String
        ),
        customer_id=pl.when("_inbound").then(pl.format("u{}", pl.col("_customer"))),
        agent_id=pl.when(~pl.col("_inbound") & ~pl.col("is_bot")).then(
            pl.format("a{}", pl.col("_agent"))
        ),
        brand=pl.col("_brand").cast(pl.String).replace_strict(
            [str(i) for i in range(len(BRANDS))], BRANDS, return_dtype=pl.String
        ),
        is_bot="is_bot",
    )


def generate(n: int, out: Path | str = DEFAULT_DIR, *, seed: int = 8, chunk: int = CHUNK,
             csv: bool = True, parquet: bool = True, force: bool = False) -> Path:
    """Write ``n`` messages to ``<out>/<label>/messages.{parquet,csv}``; returns that folder.

    Files that exist already (same size and seed, recorded in ``seed.txt``) are kept unless
    ``force``.
    """
    folder = Path(out) / size_label(n)
    folder.mkdir(parents=True, exist_ok=True)
    pq_path, csv_path, stamp = folder / "messages.parquet", folder / "messages.csv", folder / "seed.txt"
    want = f"n={n} seed={seed} chunk={chunk}\n"
    fresh = stamp.exists() and stamp.read_text() == want
    do_pq = parquet and (force or not (fresh and pq_path.exists()))
    do_csv = csv and (force or not (fresh and csv_path.exists()))
    if not (do_pq or do_csv):
        return folder
    stamp.unlink(missing_ok=True)
    writer: pq.ParquetWriter | None = None
    csv_file = csv_path.open("wb") if do_csv else None
    try:
        done, conversations = 0, 0
        while done < n:
            size = min(chunk, n - done)
            df = generate_chunk(size, first_row=done + 1, first_conversation=conversations,
                                total=n, seed=seed)
            conversations += size  # upper bound of conversations per chunk: ids stay distinct
            done += size
            if do_pq:
                table = df.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(pq_path, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=min(size, 1_000_000))
            if csv_file is not None:
                df.drop("row_nr").write_csv(
                    csv_file, include_header=done == size, datetime_format="%Y-%m-%dT%H:%M:%SZ"
                )
    finally:
        if writer is not None:
            writer.close()
        if csv_file is not None:
            csv_file.close()
    stamp.write_text(want)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M", help="comma-separated: 2000, 1M, 10M, 100M")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-csv", action="store_true")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    for text in args.sizes.split(","):
        n = parse_size(text)
        folder = generate(n, args.out, seed=args.seed, csv=not args.no_csv, force=args.force)
        print(f"{n:,} messages -> {folder}")


if __name__ == "__main__":
    main()
