"""The ``freshdesk`` preset: Freshdesk's ticket export (one row per ticket).

Columns: ``Ticket ID, Status, Priority, Source, Type, Agent, Group, Created time, Resolved time,
First response time (in hrs), Resolution time (in hrs), Agent interactions, Customer
interactions, Survey results`` (plus the contact, when exported).

One row per ticket: read as :mod:`toolkit.io.presets._tickets` says. ``Source`` is the channel,
``Type`` the category, ``Agent`` wrote the first reply, ``Resolved time`` is the resolution;
``Survey results`` (Extremely happy ... Extremely unhappy, or 1-5) read on the CSAT scale.
"First response time (in hrs)" may be decimal hours or ``HH:MM:SS``.
"""

from __future__ import annotations

from toolkit.io.presets._base import register_preset
from toolkit.io.presets._tickets import TicketPreset

__all__ = ["FRESHDESK"]

FRESHDESK = register_preset(
    TicketPreset(
        name="freshdesk",
        description="Freshdesk: ticket export (one row per ticket, times computed).",
        columns={
            "message_id": ("ticketid",),
            "conversation_id": ("presetticket",),
            "created_at": ("createdtime",),
            "direction": ("presetdirection",),
            "channel": ("source",),
            "customer_id": ("contactid", "contact", "requester", "requestername", "email", "fullname"),
            "agent_id": ("presetagent",),
            "category": ("type",),
            "resolved_at": ("resolvedtime",),
            "csat": ("presetrating",),
        },
        signature=frozenset({"ticketid", "createdtime", "firstresponsetime(inhrs)", "source"}),
        first_reply=("firstresponsetime(inhrs)",),
        first_reply_unit=3600.0,
        rating=("surveyresults", "surveyresult"),
        agent=("agent",),
    ),
    replace=True,
)
