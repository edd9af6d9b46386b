"""A slow, obviously-right reference for SPEC's outcome and listening keys, in plain Python.

Written from the SPEC text ("Outcomes", "Listening"), loop by loop, with no polars.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from tests.reference import percentile_linear, reference_turns

QUIET = dt.timedelta(hours=72)
WINDOW = dt.timedelta(days=90)


def km_curve(durations: list[float], replied: list[bool]) -> list[tuple[float, float]]:
    """Product-limit survival at each distinct reply time: [(t, S(t))], replies before censorings."""
    times = sorted({d for d, e in zip(durations, replied, strict=True) if e})
    s = 1.0
    curve = []
    for t in times:
        at_risk = sum(1 for d in durations if d >= t)  # censored at t are still at risk at t
        events = sum(1 for d, e in zip(durations, replied, strict=True) if e and d == t)
        s *= 1 - events / at_risk
        curve.append((t, s))
    return curve


def km_median(durations: list[float], replied: list[bool]) -> float | None:
    for t, s in km_curve(durations, replied):
        if s <= 0.5 + 1e-12:
            return t
    return None


def km_within(durations: list[float], replied: list[bool], seconds: float) -> float | None:
    if not durations:
        return None
    s = 1.0
    for t, st in km_curve(durations, replied):
        if t <= seconds:
            s = st
    return 1 - s


def reference_outcomes(
    messages: list[dict],
    *,
    customers: list[dict] | None = None,
    sla: float = 3600,
    care: list[str] | None = None,
) -> dict:
    """The outcome keys for one group (the whole log) of canonical message dicts."""
    as_of = max(m["created_at"] for m in messages)
    convs: dict[str, list[dict]] = defaultdict(list)
    for m in messages:
        convs[m["conversation_id"]].append(m)
    turns = reference_turns(messages)
    turns_of: dict[str, int] = defaultdict(int)
    for t in turns:
        turns_of[t["conversation_id"]] += 1
    has_resolved = any("resolved_at" in m for m in messages)
    rows = []
    for cid, msgs in convs.items():
        msgs.sort(key=lambda m: (m["created_at"], m["row_nr"]))
        start = msgs[0]["created_at"]
        customer = next((m["customer_id"] for m in msgs if m["direction"] == "inbound" and m["customer_id"]), None)
        human = [m for m in msgs if m["direction"] == "outbound" and not m["is_bot"]]
        last_reply = human[-1]["created_at"] if human else None
        if has_resolved:
            stamp = next((m["resolved_at"] for m in msgs if m.get("resolved_at") is not None), None)
            resolved = stamp is not None
            seconds = (stamp - start).total_seconds() if resolved else None
        else:
            last = msgs[-1]
            resolved = False
            if last["direction"] == "outbound" and not last["is_bot"] and as_of - last["created_at"] >= QUIET:
                came_back = any(
                    m["direction"] == "inbound" and customer is not None and m["customer_id"] == customer
                    and last["created_at"] < m["created_at"] <= last["created_at"] + QUIET
                    for m in messages
                )
                resolved = not came_back
            seconds = (last["created_at"] - start).total_seconds() if resolved else None
        inbound = [m for m in msgs if m["direction"] == "inbound"]
        first_type = inbound[0].get("mention_type") if inbound else None
        first_turn = [t for t in turns if t["conversation_id"] == cid and t["is_first"]]
        frt = first_turn[0]["response_seconds"] if first_turn else None
        rows.append({"id": cid, "start": start, "customer": customer, "resolved": resolved,
                     "seconds": seconds, "turns": turns_of[cid], "untagged": first_type == "untagged",
                     "replied": bool(human), "frt": frt, "last_reply": last_reply})
    resolved_rows = [r for r in rows if r["resolved"]]
    times = [r["seconds"] for r in resolved_rows]
    first_d = [((t["answered_at"] or as_of) - t["start"]).total_seconds() for t in turns if t["is_first"]]
    first_e = [t["answered_at"] is not None for t in turns if t["is_first"]]
    all_d = [((t["answered_at"] or as_of) - t["start"]).total_seconds() for t in turns]
    all_e = [t["answered_at"] is not None for t in turns]
    out: dict = {
        "resolution_rate": len(resolved_rows) / len(rows),
        "resolution_basis": "resolved_at" if has_resolved else "inferred",
        "resolution_median_s": percentile_linear(times, 0.5),
        "resolution_mean_s": sum(times) / len(times) if times else None,
        "resolution_p90_s": percentile_linear(times, 0.9),
        "fcr_rate": sum(r["turns"] == 1 for r in resolved_rows) / len(resolved_rows) if resolved_rows else None,
        "frt_km_median_s": km_median(first_d, first_e),
        "art_km_median_s": km_median(all_d, all_e),
        "reply_within_24h": km_within(all_d, all_e, 86400),
    }
    if any("mention_type" in m for m in messages):
        untagged = [r for r in rows if r["untagged"]]
        speeds = [r["frt"] for r in untagged if r["frt"] is not None]
        out["untagged_mentions"] = sum(
            m["direction"] == "inbound" and m.get("mention_type") == "untagged" for m in messages
        )
        out["engagement_rate"] = sum(r["replied"] for r in untagged) / len(untagged) if untagged else None
        out["speed_of_connection_median_s"] = percentile_linear(speeds, 0.5)
    if care is not None and any("text" in m for m in messages):
        words = re.compile(r"(?i)(?:^|[^\w])(?:" + "|".join(care) + r")(?:$|[^\w])")
        out["care_mentions"] = sum(
            m["direction"] == "inbound" and m.get("text") is not None and bool(words.search(m["text"]))
            for m in messages
        )
    if customers is not None:
        info = {c["customer_id"]: c for c in customers}
        first: dict[str, dict] = {}
        for r in sorted(rows, key=lambda r: (r["start"], r["id"])):
            if r["customer"] is not None and r["customer"] not in first:
                first[r["customer"]] = r
        eligible = defected = 0
        revenue_all: list[float] = []
        churned = 0.0
        with_revenue = 0
        for customer, r in first.items():
            c = info.get(customer)
            if c is None:
                continue
            if c.get("monthly_revenue") is not None:
                revenue_all.append(c["monthly_revenue"])
            churned_at = c.get("churned_at")
            if churned_at is not None and churned_at < r["start"]:
                continue  # had churned before: not at risk
            eligible += 1
            with_revenue += c.get("monthly_revenue") is not None
            left = churned_at is not None and churned_at <= r["start"] + WINDOW
            defected += left
            if left and c.get("monthly_revenue") is not None:
                churned += c["monthly_revenue"]
        # customers missing from the table have no churned_at: still customers, at risk
        for customer in first:
            if customer not in info:
                eligible += 1
        out["defection_rate"] = defected / eligible if eligible else None
        out["arpu"] = sum(revenue_all) / len(revenue_all) if revenue_all else None
        out["churned_revenue"] = churned if with_revenue else None
    return out
