"""A slow, obviously-right reference for SPEC's core definitions, in plain Python.

Used by the tests (and the benchmark smoke run) to check the vectorised toolkit. Written from
the SPEC text, loop by loop, with no polars.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable


def percentile_linear(values: list[float], q: float) -> float | None:
    """Quantile with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(values: list[float], prefix: str) -> dict[str, float | None]:
    return {
        f"{prefix}_mean_s": sum(values) / len(values) if values else None,
        f"{prefix}_median_s": percentile_linear(values, 0.5),
        f"{prefix}_p90_s": percentile_linear(values, 0.9),
    }


def reference_turns(messages: Iterable[dict]) -> list[dict]:
    """Turns per SPEC: runs of inbound messages; answered by the next human outbound message."""
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for m in messages:
        by_conversation[m["conversation_id"]].append(m)
    result = []
    for conversation, msgs in by_conversation.items():
        msgs.sort(key=lambda m: (m["created_at"], m["row_nr"]))
        current = None
        first = True
        for m in msgs:
            if m["is_bot"]:
                continue  # bots neither answer nor interrupt
            if m["direction"] == "inbound":
                if current is None:
                    current = {
                        "conversation_id": conversation,
                        "start": m["created_at"],
                        "customer_id": m.get("customer_id"),
                        "channel": m.get("channel"),
                        "is_first": first,
                        "answered_at": None,
                        "agent_id": None,
                        "inbound_messages": 0,
                    }
                    first = False
                current["inbound_messages"] += 1
            elif current is not None:
                current["answered_at"] = m["created_at"]
                current["agent_id"] = m.get("agent_id")
                result.append(current)
                current = None
        if current is not None:
            result.append(current)
    for t in result:
        t["response_seconds"] = (
            (t["answered_at"] - t["start"]).total_seconds() if t["answered_at"] else None
        )
    return result


def reference_kpis(messages: list[dict], *, sla: float = 3600, as_of: dt.datetime | None = None) -> dict:
    """The SPEC command-line keys for one group of messages."""
    as_of = as_of or max(m["created_at"] for m in messages)
    turns = reference_turns(messages)
    answered = [t for t in turns if t["answered_at"] is not None]
    met = missed = 0
    for t in turns:
        if t["answered_at"] is not None:
            if t["response_seconds"] <= sla:
                met += 1
            else:
                missed += 1
        elif (as_of - t["start"]).total_seconds() > sla:
            missed += 1
    out = {
        "inbound_messages": sum(m["direction"] == "inbound" for m in messages),
        "outbound_messages": sum(m["direction"] == "outbound" for m in messages),
        "conversations": len({m["conversation_id"] for m in messages}),
        "unique_customers": len(
            {m["customer_id"] for m in messages if m["direction"] == "inbound" and m.get("customer_id") is not None}
        ),
        "turns": len(turns),
        "answered_turns": len(answered),
        "reply_rate": len(answered) / len(turns) if turns else None,
        **stats([t["response_seconds"] for t in answered if t["is_first"]], "frt"),
        **stats([t["response_seconds"] for t in answered], "art"),
        "sla_target_s": float(sla),
        "sla_compliance": met / (met + missed) if met + missed else None,
    }
    return out
