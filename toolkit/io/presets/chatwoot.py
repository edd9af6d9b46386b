"""The ``chatwoot`` preset: Chatwoot messages as its API returns them (JSON).

Fields: ``id, content, message_type, private, sender_type, sender_id, created_at (epoch seconds),
conversation_id, inbox_id``. ``message_type``: 0 incoming (from the contact), 1 outgoing (from
an agent or a bot), 2 activity (assignments, status changes), 3 template (automated messages
such as a CSAT survey).

* activity messages and private notes are not messages to or from the customer: each is left
  out and counted in the quality report with its reason;
* ``direction``: 0 -> inbound, 1 and 3 -> outbound;
* ``is_bot``: sent by an ``AgentBot``, or a template message;
* ``customer_id`` = the sender of incoming messages; ``agent_id`` = the sender (a ``User``) of
  outgoing ones; ``channel`` = ``inbox <inbox_id>`` (a Chatwoot inbox is one channel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import EXCLUDE, Preset, register_preset
from toolkit.present.i18n import N_

__all__ = ["CHATWOOT"]

_ACTIVITY = N_("activity message (a status or assignment event, not a message)")
_PRIVATE = N_("private note (internal, not sent to the customer)")


@dataclass(frozen=True)
class ChatwootPreset(Preset):
    """Chatwoot: message types, private notes and bots read into canonical columns."""

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """Direction, bot flag and people from ``message_type``/``sender_type``; notes left out."""
        kind = pl.col("message_type").cast(pl.String).str.strip_chars().str.to_lowercase()
        kind = kind.replace({"incoming": "0", "outgoing": "1", "activity": "2", "template": "3"})
        sender_type = (
            pl.col("sender_type").cast(pl.String).str.to_lowercase()
            if "sender_type" in raw.columns
            else pl.lit(None, pl.String)
        )
        private = (
            pl.col("private").cast(pl.String).str.to_lowercase().is_in(["true", "1", "t"])
            if "private" in raw.columns
            else pl.lit(False)
        )
        sender = pl.col("sender_id").cast(pl.String) if "sender_id" in raw.columns else pl.lit(None, pl.String)
        inbound = kind == "0"
        return raw.with_columns(
            preset_direction=pl.when(inbound).then(pl.lit("inbound")).when(kind.is_in(["1", "3"])).then(pl.lit("outbound")),
            preset_bot=(sender_type == "agentbot").fill_null(False) | (kind == "3"),
            preset_customer=pl.when(inbound).then(sender),
            preset_agent=pl.when(~inbound & (sender_type == "user")).then(sender),
            preset_channel=pl.format("inbox {}", pl.col("inbox_id").cast(pl.String)) if "inbox_id" in raw.columns else None,
            **{EXCLUDE: pl.when(kind == "2").then(pl.lit(_ACTIVITY)).when(private).then(pl.lit(_PRIVATE))},
        )


CHATWOOT = register_preset(
    ChatwootPreset(
        name="chatwoot",
        description="Chatwoot: messages from its API (JSON), notes and activity left out.",
        columns={
            "message_id": ("id",),
            "conversation_id": ("conversationid",),
            "created_at": ("createdat",),
            "direction": ("presetdirection",),
            "channel": ("presetchannel",),
            "customer_id": ("presetcustomer",),
            "agent_id": ("presetagent",),
            "is_bot": ("presetbot",),
            "text": ("content",),
        },
        signature=frozenset({"id", "content", "messagetype", "conversationid", "sendertype", "createdat"}),
    ),
    replace=True,
)
