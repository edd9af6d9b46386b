"""The ``front`` preset: Front's message export (Analytics > Export > Messages).

Columns: ``Message ID, Conversation ID, Direction (Inbound/Outbound), Status, Inbox, Message Date
("YYYY-MM-DD HH:mm:ss" in the exporter's time zone), Response time (s), Handle time (s), Assignee,
Contact name, Contact handle, Extract, Tags``; newer exports add ``Segment, Author, Autoreply,
Reaction time, First response, Business hours``.

* ``channel`` = the inbox (a Front inbox is one channel of a team: "Twitter", "Support email");
* ``customer_id`` = the contact handle; ``agent_id`` = the message's author on outbound rows
  (newer exports), else the conversation's assignee;
* ``is_bot`` = ``Autoreply``; ``text`` = ``Extract``; ``subcategory`` = ``Tags``;
* ``handle_seconds`` = ``Handle time (s)``. Times carry no offset: pass ``timezone=`` (the
  exporter's zone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import Preset, register_preset

__all__ = ["FRONT"]


@dataclass(frozen=True)
class FrontPreset(Preset):
    """Front: the agent is the author of an outbound message, else the assignee."""

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """``preset_agent``: who wrote an outbound message."""
        cols = {c.lower(): c for c in raw.columns}
        outbound = pl.col(cols["direction"]).cast(pl.String).str.to_lowercase().str.strip_chars() == "outbound"
        people = [pl.col(cols[c]).cast(pl.String) for c in ("author", "assignee") if c in cols]
        agent = pl.coalesce(people) if people else pl.lit(None, pl.String)
        if "autoreply" in cols:  # an automatic reply has no human author
            outbound &= ~pl.col(cols["autoreply"]).cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"])
        return raw.with_columns(preset_agent=pl.when(outbound).then(agent))


FRONT = register_preset(
    FrontPreset(
        name="front",
        description="Front: message export (one row per message).",
        columns={
            "message_id": ("messageid",),
            "conversation_id": ("conversationid",),
            "created_at": ("messagedate",),
            "direction": ("direction",),
            "channel": ("inbox",),
            "customer_id": ("contacthandle", "contactname"),
            "agent_id": ("presetagent",),
            "is_bot": ("autoreply",),
            "text": ("extract",),
            "subcategory": ("tags",),
            "handle_seconds": ("handletime(s)", "handletime"),
        },
        signature=frozenset({"messageid", "conversationid", "direction", "inbox", "messagedate", "extract"}),
    ),
    replace=True,
)
