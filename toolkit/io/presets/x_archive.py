"""The ``x_archive`` preset: direct messages from an X (Twitter) account archive.

The archive's ``data/direct-messages.js`` is JavaScript: ``window.YTD.direct_messages.part0 =
[{"dmConversation": {"conversationId": "...", "messages": [{"messageCreate": {"id",
"senderId", "recipientId", "text", "createdAt"}}, ...]}}, ...]``. It is read as it is (no need
to convert it), one row per event.

* ``conversation_id`` = ``conversationId``; ``message_id`` = the message's ``id``;
* ``direction``: a message sent by the brand's own account is outbound, any other inbound. The
  brand's account id is asked for (``options={"account_id": "..."}``, CLI ``--account-id``);
  without it, the account taking part in every conversation of the archive is the brand (the
  archive's owner), and loading stops with a clear message when that is not one account;
* ``customer_id`` = the other participant; ``channel`` = ``twitter``;
* events that are not messages (joins, reactions, conversation name changes) are left out and
  counted in the quality report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.errors import DataError
from toolkit.io.presets._base import EXCLUDE, Preset, register_preset
from toolkit.present.i18n import _

__all__ = ["X_ARCHIVE", "read_archive_js"]

_PREFIX = re.compile(rb"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
_NOT_A_MESSAGE = "not a message (a join, reaction or other conversation event)"


def read_archive_js(data: bytes) -> pl.DataFrame:
    """Rows of an X archive ``direct-messages.js`` (one per event).

    Examples
    --------
    >>> js = b'window.YTD.direct_messages.part0 = [{"dmConversation": {"conversationId": "1-2", '
    >>> js += b'"messages": [{"messageCreate": {"id": "9", "senderId": "1", "recipientId": "2", '
    >>> js += b'"text": "hi", "createdAt": "2024-01-02T10:00:00.000Z"}}]}}]'
    >>> read_archive_js(js).select("conversationId", "id", "senderId").row(0)
    ('1-2', '9', '1')
    """
    body = _PREFIX.sub(b"", data, count=1)
    try:
        frame = pl.read_json(io.BytesIO(body))
    except Exception as exc:
        raise DataError(_("Could not read the X archive file: {value}").format(value=str(exc).splitlines()[0][:200])) from exc
    if "dmConversation" not in frame.columns:
        raise DataError(_("This X archive file has no direct messages (no 'dmConversation' entries)."))
    conversations = frame.select(pl.col("dmConversation").struct.field("conversationId", "messages"))
    events = conversations.explode("messages").filter(pl.col("messages").is_not_null())
    kinds = [f.name for f in events.schema["messages"].fields]  # type: ignore[union-attr]
    if "messageCreate" not in kinds:
        raise DataError(_("This X archive file has no messages ('messageCreate' entries)."))
    create = pl.col("messages").struct.field("messageCreate")
    fields = [f.name for f in events.schema["messages"].fields[kinds.index("messageCreate")].dtype.fields]  # type: ignore[union-attr]
    wanted = ("id", "senderId", "recipientId", "text", "createdAt")
    return events.select(
        pl.col("conversationId").cast(pl.String),
        pl.when(create.is_null()).then(pl.lit("event")).otherwise(pl.lit("messageCreate")).alias("eventType"),
        *[
            (create.struct.field(f) if f in fields else pl.lit(None)).cast(pl.String).alias(f)
            for f in wanted
        ],
    )


@dataclass(frozen=True)
class XArchivePreset(Preset):
    """X archive DMs: read from the ``.js`` file; direction from the brand's account id."""

    def read_source(self, data: bytes, name: str | None) -> pl.DataFrame | None:
        """The archive's ``direct-messages.js`` (recognised by its ``window.YTD`` prefix)."""
        if not _PREFIX.match(data[:200]):
            return None
        return read_archive_js(data)

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """Direction and customer from the brand's account id; events left out."""
        account = str(options.get("account_id") or "").strip() or _archive_owner(raw)
        sender = pl.col("senderId").cast(pl.String)
        outbound = sender == account
        other = pl.when(outbound).then(pl.col("recipientId")).otherwise(sender).cast(pl.String)
        return raw.with_columns(
            preset_direction=pl.when(outbound).then(pl.lit("outbound")).otherwise(pl.lit("inbound")),
            preset_customer=pl.when(~outbound).then(other),
            preset_brand=pl.lit(account),
            **{EXCLUDE: pl.when(pl.col("eventType") != "messageCreate").then(pl.lit(_NOT_A_MESSAGE))},
        )


def _archive_owner(raw: pl.DataFrame) -> str:
    ids = raw.select(pl.col("conversationId").cast(pl.String).unique().str.split("-")).to_series().to_list()
    common = set(ids[0]) if ids else set()
    for pair in ids[1:]:
        common &= set(pair)
    if len(common) != 1:
        raise DataError(
            _("X archive: cannot tell which account is the brand's (it is the one in every conversation, and {n_common} accounts are). Give it: options={{'account_id': '<your account id>'}} (command line: --account-id).").format(n_common=len(common))
        )
    return common.pop()


X_ARCHIVE = register_preset(
    XArchivePreset(
        name="x_archive",
        description="X (Twitter) archive: direct-messages.js of the brand's account.",
        columns={
            "message_id": ("id",),
            "conversation_id": ("conversationid",),
            "created_at": ("createdat",),
            "direction": ("presetdirection",),
            "customer_id": ("presetcustomer",),
            "brand": ("presetbrand",),
            "text": ("text",),
        },
        signature=frozenset({"conversationid", "eventtype", "senderid", "recipientid", "createdat"}),
        channel="twitter",
    ),
    replace=True,
)
