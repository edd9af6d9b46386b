"""Synthetic exports in real tools' layouts, written from one canonical log (issue 18).

Each writer takes canonical messages (one row per message, UTC times at whole minutes) and writes
the same conversations the way that tool exports them, so a test can load the file with the
preset detected from its header and compare the KPIs with the canonical log's.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import polars as pl

UTC = dt.UTC
EXPORTER_TZ = "Europe/Paris"
BRAND_ACCOUNT = "999000"


def canonical_log(seed: int = 7, conversations: int = 40, *, bots: bool = True) -> pl.DataFrame:
    """A canonical log with ties, bots, brand-first conversations and unanswered turns."""
    rng = random.Random(seed)
    rows: list[dict] = []
    t0 = dt.datetime(2025, 3, 28, 8, 0, tzinfo=UTC)  # spans the EU DST change (30 March)
    channels = ["twitter", "facebook", "email"]
    for c in range(conversations):
        start = t0 + dt.timedelta(minutes=rng.randrange(0, 4 * 24 * 60))
        customer = str(100 + rng.randrange(25))
        channel = channels[c % 3]
        t = start
        direction = "outbound" if c % 9 == 0 else "inbound"  # some brand-first
        for _ in range(rng.randint(1, 6)):
            bot = bots and direction == "outbound" and rng.random() < 0.2
            agent = None if direction == "inbound" or bot else f"agent{rng.randrange(4)}"
            rows.append(
                {
                    "conversation_id": f"c{c}",
                    "created_at": t,
                    "direction": direction,
                    "channel": channel,
                    "customer_id": customer if direction == "inbound" else None,
                    "agent_id": agent,
                    "is_bot": bot,
                    "text": f"message {len(rows)} in c{c}",
                }
            )
            t += dt.timedelta(minutes=rng.choice([0, 1, 5, 30, 90, 600]))  # 0: a tie
            direction = rng.choice(["inbound", "outbound"])
    frame = pl.DataFrame(rows).with_row_index("row_nr", offset=1)
    return frame.with_columns(
        pl.col("row_nr").cast(pl.Int64),
        message_id=pl.format("{}", pl.col("row_nr") + 5000),
        in_reply_to=pl.lit(None, pl.String),
        brand=pl.lit(None, pl.String),
        created_at=pl.col("created_at").cast(pl.Datetime("us", "UTC")),
    ).select(
        "row_nr", "message_id", "conversation_id", "in_reply_to", "created_at", "direction",
        "channel", "customer_id", "agent_id", "brand", "is_bot", "text",
    )


def _local(frame: pl.DataFrame, fmt: str) -> pl.Expr:
    return pl.col("created_at").dt.convert_time_zone(EXPORTER_TZ).dt.strftime(fmt)


def _customer_of_conversation() -> pl.Expr:
    return pl.col("customer_id").drop_nulls().first().over("conversation_id")


def write_front(m: pl.DataFrame, path: Path) -> Path:
    out = m.select(
        pl.col("message_id").alias("Message ID"),
        pl.col("conversation_id").alias("Conversation ID"),
        pl.col("direction").str.to_titlecase().alias("Direction"),
        pl.lit("archived").alias("Status"),
        pl.col("channel").alias("Inbox"),
        _local(m, "%Y-%m-%d %H:%M:%S").alias("Message Date"),
        pl.lit(None, pl.String).alias("Response time (s)"),
        pl.lit(None, pl.String).alias("Handle time (s)"),
        pl.col("agent_id").drop_nulls().first().over("conversation_id").alias("Assignee"),
        pl.lit("A customer").alias("Contact name"),
        _customer_of_conversation().alias("Contact handle"),
        pl.col("text").alias("Extract"),
        pl.lit("").alias("Tags"),
        pl.lit("").alias("Segment"),
        pl.when(pl.col("direction") == "outbound").then(pl.col("agent_id")).alias("Author"),
        pl.col("is_bot").alias("Autoreply"),
        pl.lit("").alias("Reaction time"),
        pl.lit("").alias("First response"),
        pl.lit("").alias("Business hours"),
    )
    out.write_csv(path)
    return path


def write_chatwoot(m: pl.DataFrame, path: Path) -> Path:
    records = []
    for r in m.iter_rows(named=True):
        inbound = r["direction"] == "inbound"
        records.append(
            {
                "id": int(r["message_id"]),
                "content": r["text"],
                "message_type": 0 if inbound else 1,
                "private": False,
                "sender_type": "Contact" if inbound else ("AgentBot" if r["is_bot"] else "User"),
                "sender_id": r["customer_id"] if inbound else (r["agent_id"] or "bot1"),
                "created_at": int(r["created_at"].timestamp()),
                "conversation_id": r["conversation_id"],
                "inbox_id": r["channel"],
            }
        )
        if int(r["message_id"]) % 7 == 0:  # an activity event and a private note beside it
            records.append({**records[-1], "id": int(r["message_id"]) + 100000, "message_type": 2,
                            "content": "Conversation was assigned", "sender_type": None})
            records.append({**records[-2], "id": int(r["message_id"]) + 200000, "message_type": 1,
                            "private": True, "content": "note: VIP", "sender_type": "User"})
    path.write_text(json.dumps(records))
    return path


def write_engage_digital(m: pl.DataFrame, path: Path) -> Path:
    out = m.select(
        _local(m, "%d/%m/%Y %H:%M").alias("created_at"),
        pl.col("conversation_id").alias("content_thread_id"),
        pl.col("message_id").alias("id"),
        pl.lit(False).alias("private_message"),
        pl.col("is_bot").alias("auto_submitted"),
        pl.lit("replied").alias("status"),
        pl.when(pl.col("direction") == "outbound").then(pl.coalesce("agent_id", pl.lit("bot"))).alias("creator_id"),
        pl.when(pl.col("direction") == "inbound").then(pl.col("customer_id")).otherwise(pl.lit("brand")).alias("author_id"),
        pl.col("text").alias("body"),
        pl.lit(None, pl.String).alias("in_reply_to_id"),
        pl.lit("support").alias("categories"),
        pl.lit("en").alias("language"),
    )
    out.write_csv(path)
    return path


def write_intercom(m: pl.DataFrame, path: Path) -> Path:
    out = m.select(
        pl.lit("comment").alias("part_type"),
        pl.when(pl.col("direction") == "inbound").then(pl.lit("user"))
        .when(pl.col("is_bot")).then(pl.lit("bot")).otherwise(pl.lit("admin")).alias("author.type"),
        pl.coalesce("customer_id", "agent_id", pl.lit("fin")).alias("author.id"),
        pl.col("created_at").dt.epoch("s").alias("created_at"),
        pl.col("text").alias("body"),
        pl.col("conversation_id"),
        pl.col("message_id").alias("id"),
    )
    extra = pl.DataFrame(
        {"part_type": ["note", "assignment"], "author.type": ["admin", "admin"], "author.id": ["agent1", "agent1"],
         "created_at": [out["created_at"][0], out["created_at"][0]], "body": ["internal: check refund", None],
         "conversation_id": [out["conversation_id"][0]] * 2, "id": ["n1", "n2"]},
        schema=out.schema,
    )
    pl.concat([out, extra]).write_csv(path)
    return path


def write_hootsuite(m: pl.DataFrame, path: Path) -> Path:
    out = m.select(
        pl.col("conversation_id").alias("Conversation ID"),
        pl.col("message_id").alias("Message ID"),
        pl.col("direction").str.to_titlecase().alias("Direction"),
        pl.lit("Direct Message").alias("Message Type"),
        pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("Created at"),
        pl.col("channel").str.to_titlecase().alias("Channel"),
        pl.lit("private").alias("Medium"),
        pl.col("text").alias("Content"),
        pl.lit("neutral").alias("Sentiment"),
        pl.coalesce("customer_id", "agent_id").alias("Author"),
    )
    out.write_csv(path)
    return path


def write_x_archive(m: pl.DataFrame, path: Path) -> Path:
    conversations = []
    for (conv,), rows in m.group_by("conversation_id", maintain_order=True):
        customer = rows["customer_id"].drop_nulls()
        customer_id = customer[0] if customer.len() else "424242"
        pair = sorted([customer_id, BRAND_ACCOUNT], key=int)
        messages = [{"joinConversation": {"initiatingUserId": customer_id, "participantsSnapshot": pair}}]
        for r in rows.iter_rows(named=True):
            inbound = r["direction"] == "inbound"
            messages.append({"messageCreate": {
                "id": r["message_id"], "senderId": customer_id if inbound else BRAND_ACCOUNT,
                "recipientId": BRAND_ACCOUNT if inbound else customer_id, "text": r["text"],
                "createdAt": r["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "reactions": [], "urls": [], "mediaUrls": [],
            }})
        # X keeps one conversation per pair of accounts: name it by the pair and the case.
        conversations.append({"dmConversation": {"conversationId": f"{pair[0]}-{pair[1]}-{conv}", "messages": messages}})
    path.write_text("window.YTD.direct_messages.part0 = " + json.dumps(conversations, indent=2))
    return path


def _tickets(m: pl.DataFrame) -> pl.DataFrame:
    import toolkit

    conv = toolkit.conversations(m)
    return conv.filter(pl.col("started_by") == "customer").sort("conversation_id").with_columns(
        ticket=pl.col("conversation_id").str.strip_prefix("c").cast(pl.Int64) + 1000,
        frt_min=pl.col("first_response_seconds") / 60,
        satisfaction=pl.when(pl.col("messages") % 3 == 0).then(pl.lit("Good"))
        .when(pl.col("messages") % 3 == 1).then(pl.lit("Bad")).otherwise(pl.lit("Offered")),
    )


def write_zendesk(m: pl.DataFrame, path: Path) -> Path:
    t = _tickets(m)
    t.select(
        pl.col("ticket").alias("ID"),
        pl.col("customer_id").alias("Requester"),
        pl.col("channel").alias("Via"),
        pl.col("started_at").dt.convert_time_zone(EXPORTER_TZ).dt.strftime("%Y-%m-%d %H:%M:%S").alias("Created at"),
        pl.col("last_outbound_at").dt.convert_time_zone(EXPORTER_TZ).dt.strftime("%Y-%m-%d %H:%M:%S").alias("Solved at"),
        pl.col("satisfaction").alias("Satisfaction Score"),
        pl.col("outbound_messages").alias("Replies"),
        pl.col("frt_min").alias("First reply time in minutes"),
        pl.col("frt_min").alias("First reply time in minutes within business hours"),
        pl.col("frt_min").alias("First resolution time in minutes"),
        pl.col("frt_min").alias("Full resolution time in minutes"),
        pl.lit(0).alias("Agent wait time in minutes"),
        pl.lit(0).alias("Requester wait time in minutes"),
        pl.col("agent_id").alias("Assignee"),
    ).write_csv(path)
    return path


def write_freshdesk(m: pl.DataFrame, path: Path) -> Path:
    t = _tickets(m)
    hours = pl.col("first_response_seconds")
    clock = pl.format(
        "{}:{}:{}",
        (hours // 3600).cast(pl.Int64).cast(pl.String).str.zfill(2),
        ((hours % 3600) // 60).cast(pl.Int64).cast(pl.String).str.zfill(2),
        (hours % 60).cast(pl.Int64).cast(pl.String).str.zfill(2),
    )
    t.select(
        pl.col("ticket").alias("Ticket ID"),
        pl.lit("Resolved").alias("Status"),
        pl.lit("Low").alias("Priority"),
        pl.col("channel").alias("Source"),
        pl.lit("Question").alias("Type"),
        pl.col("agent_id").alias("Agent"),
        pl.lit("Care").alias("Group"),
        pl.col("started_at").dt.convert_time_zone(EXPORTER_TZ).dt.strftime("%Y-%m-%d %H:%M:%S").alias("Created time"),
        pl.col("last_outbound_at").dt.convert_time_zone(EXPORTER_TZ).dt.strftime("%Y-%m-%d %H:%M:%S").alias("Resolved time"),
        clock.alias("First response time (in hrs)"),
        pl.lit("").alias("Resolution time (in hrs)"),
        pl.col("outbound_messages").alias("Agent interactions"),
        pl.col("inbound_messages").alias("Customer interactions"),
        pl.col("satisfaction").replace({"Good": "Extremely happy", "Bad": "Unhappy", "Offered": ""}).alias("Survey results"),
        pl.col("customer_id").alias("Contact ID"),
    ).write_csv(path)
    return path


WRITERS = {
    "front": (write_front, ".csv"),
    "chatwoot": (write_chatwoot, ".json"),
    "engage_digital": (write_engage_digital, ".csv"),
    "intercom": (write_intercom, ".csv"),
    "hootsuite": (write_hootsuite, ".csv"),
    "x_archive": (write_x_archive, ".js"),
    "zendesk": (write_zendesk, ".csv"),
    "freshdesk": (write_freshdesk, ".csv"),
}
