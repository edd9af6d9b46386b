"""The ``hootsuite`` preset: Hootsuite Inbox export.

Columns: ``Conversation ID, Message ID, Direction, Message Type, Created at, Channel, Medium,
Content, Sentiment (positive/negative/neutral)``.

* ``Channel`` is the network (Twitter, Facebook, Instagram...); ``Medium`` (public or private
  message) and ``Message Type`` are kept as they are, to slice by;
* ``Sentiment`` labels read as -1 / 0 / 1.
"""

from __future__ import annotations

from toolkit.io.presets._base import Preset, register_preset

__all__ = ["HOOTSUITE"]

HOOTSUITE = register_preset(
    Preset(
        name="hootsuite",
        description="Hootsuite Inbox: message export.",
        columns={
            "message_id": ("messageid",),
            "conversation_id": ("conversationid",),
            "created_at": ("createdat",),
            "direction": ("direction",),
            "channel": ("channel",),
            "text": ("content",),
            "sentiment": ("sentiment",),
            "customer_id": ("author", "authorid", "customer", "customerid"),
            "agent_id": ("agent", "agentid", "responder", "assignee"),
        },
        signature=frozenset({"conversationid", "messageid", "direction", "messagetype", "medium", "content"}),
    ),
    replace=True,
)
