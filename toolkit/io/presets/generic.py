"""The ``generic`` preset: the toolkit's own column names plus common synonyms.

Never detected from a header (it is what loading falls back to); other presets start from its
column map (:data:`GENERIC_COLUMNS`) and change what differs.
"""

from __future__ import annotations

from toolkit.io.presets._base import AUTHOR, Preset, register_preset

__all__ = ["GENERIC", "GENERIC_COLUMNS"]

#: Accepted source names per canonical column, best first (already normalised).
GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "message_id": ("messageid", "msgid", "id", "postid", "tweetid", "commentid", "eventid"),
    "conversation_id": (
        "conversationid", "conversation", "threadid", "thread", "caseid", "case", "ticketid",
        "ticket", "ticketnumber", "casenumber", "chatid", "sessionid",
    ),
    "in_reply_to": (
        "inreplyto", "inreplytoid", "replyto", "replytoid", "parentid", "parentmessageid",
        "parent", "inresponseto", "inresponsetoid", "inresponsetotweetid",
    ),
    "created_at": (
        "createdat", "timestamp", "datetime", "sentat", "created", "createdtime", "createddate",
        "createdon", "date", "time", "senttime", "sent", "postedat", "messagetime", "receivedat",
    ),
    "direction": (
        "direction", "messagedirection", "inbound", "isinbound", "fromcustomer", "incoming",
        "outbound", "isoutbound", "fromagent", "frombrand", "type", "messagetype", "kind",
    ),
    "channel": ("channel", "network", "platform", "socialnetwork", "medium", "source"),
    "customer_id": (
        "customerid", "customer", "customername", "customerhandle", "clientid", "client",
        "contactid", "contact", "requesterid", "requester",
    ),
    "agent_id": (
        "agentid", "agent", "agentname", "userid", "user", "assignee", "assigneeid",
        "responder", "operator", "staff",
    ),
    AUTHOR: ("author", "authorid", "sender", "senderid", "from", "fromid", "screenname", "handle"),
    "brand": ("brand", "brandname", "account", "accountname", "profile", "profilename", "page"),
    "is_bot": ("isbot", "bot", "automated", "isautomated", "automation", "autoreply"),
    "category": ("category", "interactiontype", "casetype"),
    "subcategory": ("subcategory", "topic", "tag", "tags"),
    "sentiment": ("sentiment", "sentimentscore", "sentimentlabel"),
    "text": ("text", "message", "body", "content", "messagetext", "messagebody", "comment"),
    "handle_seconds": (
        "handleseconds", "handletime", "handletimeseconds", "handlingtime", "worktime",
    ),
    "template": ("template", "quickreply", "savedreply", "macro", "cannedresponse"),
    "resolved_at": ("resolvedat", "resolvedtime", "closedat", "solvedat", "resolved"),
    "deflected_to": ("deflectedto", "deflection"),
    "csat": ("csat", "csatscore", "satisfaction", "rating"),
    "nps": ("nps", "npsscore"),
}

GENERIC = register_preset(
    Preset(
        name="generic",
        description="The toolkit's own column names, plus common synonyms.",
        columns=GENERIC_COLUMNS,
    ),
    replace=True,
)
