"""The ``engage_digital`` preset: RingCentral Engage Digital's main export (contents).

Columns: ``created_at ("20/09/2013 13:15", day first), content_thread_id, id, private_message,
auto_submitted, status, creator_id, author_id, body, in_reply_to_id, categories, language``.

* a content an agent wrote in Engage Digital has a ``creator_id`` (the agent): it is outbound,
  and the agent is ``agent_id``; a content without one came from the customer (inbound), whose
  identity is ``author_id``;
* ``auto_submitted`` marks automated replies (bots); ``categories`` -> ``category``;
  ``language`` is kept as it is (sentiment is scored in it);
* times are day first and carry no offset: pass ``timezone=`` (the exporter's zone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from toolkit.io.presets._base import Preset, register_preset

__all__ = ["ENGAGE_DIGITAL"]


@dataclass(frozen=True)
class EngageDigitalPreset(Preset):
    """Engage Digital: direction from ``creator_id``."""

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """``preset_direction`` and the people columns."""
        creator = pl.col("creator_id").cast(pl.String).str.strip_chars()
        has_creator = creator.is_not_null() & (creator != "")
        automated = (
            pl.col("auto_submitted").cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"])
            if "auto_submitted" in raw.columns
            else pl.lit(False)
        )
        author = pl.col("author_id").cast(pl.String) if "author_id" in raw.columns else pl.lit(None, pl.String)
        return raw.with_columns(
            preset_direction=pl.when(has_creator).then(pl.lit("outbound")).otherwise(pl.lit("inbound")),
            preset_agent=pl.when(has_creator & ~automated).then(creator),
            preset_customer=pl.when(~has_creator).then(author),
        )


ENGAGE_DIGITAL = register_preset(
    EngageDigitalPreset(
        name="engage_digital",
        description="RingCentral Engage Digital: main export of contents (day-first dates).",
        columns={
            "message_id": ("id",),
            "conversation_id": ("contentthreadid",),
            "in_reply_to": ("inreplytoid",),
            "created_at": ("createdat",),
            "direction": ("presetdirection",),
            "customer_id": ("presetcustomer",),
            "agent_id": ("presetagent",),
            "is_bot": ("autosubmitted",),
            "text": ("body",),
            "category": ("categories",),
        },
        signature=frozenset({"contentthreadid", "creatorid", "authorid", "body", "autosubmitted"}),
        day_first=True,
    ),
    replace=True,
)
