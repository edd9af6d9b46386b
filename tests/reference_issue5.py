"""Plain-Python reference for issue 5's outcome KPIs, written from the definitions (no polars).

Reads a canonical CSV with the csv module and computes ``aht_s``, ``tht_s``, ``deflection_rate``,
``sentiment_conversion_rate``, ``sentiment_neutral_or_better_rate``, ``csat`` and ``nps``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

LABELS = {"negative": -1.0, "neg": -1.0, "neutral": 0.0, "neu": 0.0, "positive": 1.0, "pos": 1.0}


def _number(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    text = value.strip().lower()
    if text in LABELS:
        return LABELS[text]
    return float(text)


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.strip())


def reference_outcomes(path: Path) -> dict[str, float | None]:
    """The issue-5 KPIs of a whole log (one group), from the CSV file at ``path``."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    conversations: dict[str, list[tuple[dt.datetime, int, dict]]] = defaultdict(list)
    for i, row in enumerate(rows):
        conversations[row["conversation_id"]].append((_when(row["created_at"]), i, row))

    hts: list[float] = []
    deflected = 0
    eligible = converted = neutral_or_better = 0
    csat_last: list[float] = []
    nps_last: list[float] = []
    for msgs in conversations.values():
        msgs.sort(key=lambda t: (t[0], t[1]))
        ordered = [m for _, _, m in msgs]
        # Handling time: sum of the conversation's handle_seconds, if it has any.
        values = [_number(m.get("handle_seconds")) for m in ordered]
        values = [v for v in values if v is not None]
        if values:
            hts.append(sum(values))
        # Deflection: any non-empty deflected_to.
        if any((m.get("deflected_to") or "").strip() for m in ordered):
            deflected += 1
        # Sentiment: customer messages with a sentiment, in order.
        scores = [
            _number(m.get("sentiment"))
            for m in ordered
            if m["direction"].strip().lower() in ("inbound", "in")
        ]
        scores = [s for s in scores if s is not None]
        if len(scores) >= 2 and scores[0] < -0.05:
            eligible += 1
            converted += scores[-1] > 0.05
            neutral_or_better += scores[-1] >= -0.05
        # Satisfaction: the last valid rating of the conversation.
        last_csat = last_nps = None
        for m in ordered:
            c = _number(m.get("csat"))
            if c is not None and 1 <= c <= 5:
                last_csat = c
            n = _number(m.get("nps"))
            if n is not None and 0 <= n <= 10:
                last_nps = n
        if last_csat is not None:
            csat_last.append(last_csat)
        if last_nps is not None:
            nps_last.append(last_nps)

    promoters = sum(r >= 9 for r in nps_last)
    detractors = sum(r <= 6 for r in nps_last)
    return {
        "aht_s": sum(hts) / len(hts) if hts else None,
        "tht_s": float(sum(hts)),
        "deflection_rate": deflected / len(conversations) if conversations else None,
        "sentiment_conversion_rate": converted / eligible if eligible else None,
        "sentiment_neutral_or_better_rate": neutral_or_better / eligible if eligible else None,
        "csat": sum(r >= 4 for r in csat_last) / len(csat_last) if csat_last else None,
        "nps": 100 * (promoters - detractors) / len(nps_last) if nps_last else None,
    }
