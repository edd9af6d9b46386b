"""The ``zendesk`` preset: Zendesk Support's ticket export (one row per ticket).

Columns: ``ID, Requester, Via, Created at, Solved at, Satisfaction Score (Good/Bad/Offered/Not
Offered), Replies, First reply time in minutes, First reply time in minutes within business hours,
First resolution time in minutes, Full resolution time in minutes, Agent wait time in minutes,
Requester wait time in minutes`` (plus ``Assignee``, ``Group``, ``Type`` when exported).

One row per ticket: read as :mod:`toolkit.io.presets._tickets` says (each ticket = the opening
customer message and, after "First reply time in minutes", its first reply). ``Via`` is the
channel; ``Satisfaction Score`` Good = 5, Bad = 1 on the CSAT scale (Offered / Not Offered: no
rating); ``Solved at`` is the resolution time. The other computed columns are kept as they are.
"""

from __future__ import annotations

from toolkit.io.presets._base import register_preset
from toolkit.io.presets._tickets import TicketPreset

__all__ = ["ZENDESK"]

ZENDESK = register_preset(
    TicketPreset(
        name="zendesk",
        description="Zendesk Support: ticket export (one row per ticket, times computed).",
        columns={
            "message_id": ("id", "ticketid"),
            "conversation_id": ("presetticket",),
            "created_at": ("createdat",),
            "direction": ("presetdirection",),
            "channel": ("via", "channel"),
            "customer_id": ("requester", "requesterid", "requesteremail"),
            "agent_id": ("presetagent",),
            "category": ("type", "tickettype"),
            "resolved_at": ("solvedat",),
            "csat": ("presetrating",),
        },
        signature=frozenset({"id", "requester", "via", "createdat", "firstreplytimeinminutes"}),
        first_reply=("firstreplytimeinminutes",),
        first_reply_unit=60.0,
        first_reply_bh=("firstreplytimeinminuteswithinbusinesshours",),
        rating=("satisfactionscore", "satisfaction"),
        agent=("assignee", "assigneename", "agent"),
    ),
    replace=True,
)
