"""The ``intercom`` preset: Intercom conversation parts (one row per part).

Columns: ``part_type, author.type (user/lead/admin/bot), author.id, created_at (unix seconds),
body, conversation_id`` (and ``id`` when the export has it).

* ``direction``: parts by a ``user`` or ``lead`` are inbound; by an ``admin`` or ``bot``
  outbound; ``is_bot`` for ``bot`` (Fin, operators, workflows);
* internal notes (``part_type`` ``note``) and events without a body (assignments, snoozes,
  closes without a message) are not messages to or from the customer: left out and counted;
* ``customer_id`` = the author of inbound parts, ``agent_id`` = the admin of outbound ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import EXCLUDE, Preset, normalise_name, register_preset
from toolkit.present.i18n import N_

__all__ = ["INTERCOM"]

_NOTE = N_("internal note (not sent to the customer)")
_EVENT = N_("conversation event without a message (assignment, snooze, state change)")


def _column(raw: pl.DataFrame, *names: str) -> pl.Expr:
    """The first source column named like one of ``names`` (compared as presets compare names)."""
    wanted = {normalise_name(n) for n in names}
    for c in raw.columns:
        if normalise_name(c) in wanted:
            return pl.col(c).cast(pl.String)
    return pl.lit(None, pl.String)


@dataclass(frozen=True)
class IntercomPreset(Preset):
    """Intercom: direction from the author's type; notes and events left out."""

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """Direction, bot flag, people; exclusions."""
        kind = _column(raw, "author.type").str.to_lowercase().str.strip_chars()
        part = _column(raw, "part_type").str.to_lowercase().str.strip_chars()
        body = _column(raw, "body").str.strip_chars()
        author = _column(raw, "author.id")
        inbound = kind.is_in(["user", "lead", "contact"])
        outbound = kind.is_in(["admin", "bot", "teammate"])
        return raw.with_columns(
            preset_direction=pl.when(inbound).then(pl.lit("inbound")).when(outbound).then(pl.lit("outbound")),
            preset_bot=(kind == "bot").fill_null(False),
            preset_customer=pl.when(inbound).then(author),
            preset_agent=pl.when(kind == "admin").then(author),
            **{
                EXCLUDE: pl.when(part == "note")
                .then(pl.lit(_NOTE))
                .when(body.is_null() | (body == ""))
                .then(pl.lit(_EVENT))
            },
        )


INTERCOM = register_preset(
    IntercomPreset(
        name="intercom",
        description="Intercom: conversation parts (one row per part), notes left out.",
        columns={
            "message_id": ("id", "partid", "conversationpartid"),
            "conversation_id": ("conversationid",),
            "created_at": ("createdat",),
            "direction": ("presetdirection",),
            "customer_id": ("presetcustomer",),
            "agent_id": ("presetagent",),
            "is_bot": ("presetbot",),
            "text": ("body",),
        },
        signature=frozenset({"parttype", "authortype", "authorid", "body", "conversationid"}),
    ),
    replace=True,
)
