"""Business hours vs overall, for a manager; and what longer opening hours would cover.

:func:`hours_report` puts overall, in-hours and out-of-hours turns side by side (volume share,
first and all-turn response times in calendar and in business time, SLA compliance, reply rate),
measures the gap between calendar and business-time response times, tests the out-of-hours vs
in-hours difference with :func:`toolkit.compare.compare` (Mann-Whitney U, bootstrap interval)
and says it in one sentence.

:func:`opening_hours_whatif` shows, for candidate extensions of the opening hours, how much of
the inbound volume that now arrives while the team is closed they would cover.
:func:`toolkit.measures.series.inbound_by_hour_of_week` gives the heatmap behind it: inbound per local hour of the week
with the share of that hour that is open.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import polars as pl

from toolkit._frames import as_lazy
from toolkit.analysis.compare import Split, compare
from toolkit.core.kpis import FactTables
from toolkit.core.metrics import get_metric
from toolkit.errors import DataError
from toolkit.io.schema import INBOUND
from toolkit.present import format as fmt
from toolkit.present.i18n import _, speaks

__all__ = ["HoursReport", "default_candidates", "hours_report", "opening_hours_whatif"]

#: The turn metrics of the side-by-side table, in order.
TABLE_METRICS = (
    "turns",
    "reply_rate",
    "frt_median_s",
    "frt_p90_s",
    "frt_bh_median_s",
    "frt_bh_p90_s",
    "art_median_s",
    "art_p90_s",
    "art_bh_median_s",
    "art_bh_p90_s",
    "sla_compliance",
    "sla_bh_compliance",
)

#: The metrics tested out of hours vs in hours.
TESTED_METRICS = ("art_median_s", "art_p90_s", "frt_median_s", "sla_compliance", "reply_rate")

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class HoursReport:
    """The business-hours view of a log.

    Attributes
    ----------
    table
        One row per measure (``measure``), columns ``overall``, ``in_hours``, ``out_of_hours``:
        ``volume_share`` (of turns), ``turns``, ``reply_rate``, FRT/ART median and p90 in
        calendar time (``*_s``) and business time (``*_bh_*``), SLA compliance in both.
    gap
        Per time measure: ``calendar_s``, ``business_s``, ``gap_s`` (calendar - business: the
        part of the wait the team was closed) and ``gap_share`` (of the calendar time).
    comparison
        :func:`toolkit.compare.compare` rows, out of hours (a) vs in hours (b).
    inbound_out_of_hours_share
        Share of inbound messages that arrive while the team is closed.
    sentence
        One plain sentence for a manager.
    """

    table: pl.DataFrame
    gap: pl.DataFrame
    comparison: pl.DataFrame
    inbound_out_of_hours_share: float | None
    sentence: str


@speaks
def hours_report(
    messages: pl.DataFrame | pl.LazyFrame,
    calendar: Any,
    *,
    sla: float = 3600,
    seed: int = 0,
    n_boot: int = 1000,
) -> HoursReport:
    """Overall vs in-hours vs out-of-hours turns, the business-time gap, a test and a sentence.

    Parameters
    ----------
    messages
        Canonical messages.
    calendar
        The team's opening hours (:class:`toolkit.BusinessCalendar`).
    sla
        SLA target in seconds.
    seed, n_boot
        Bootstrap settings of the comparison.
    lang
        Language of the sentence and of the comparison's sentences (default the current one).
    """
    if calendar is None:
        msg = _("hours_report needs the opening hours (a BusinessCalendar)")
        raise DataError(msg)
    calendar = _narrow(calendar, messages)
    facts = FactTables(messages, sla=sla, calendar=calendar)
    ctx = facts.context
    aggs = [get_metric(name).aggregation(ctx) for name in TABLE_METRICS]
    turns = facts.turns
    overall = turns.select(aggs).with_columns(side=pl.lit("overall"))
    split = (
        turns.filter(pl.col("in_hours").is_not_null())
        .group_by("in_hours")
        .agg(aggs)
        .with_columns(side=pl.when("in_hours").then(pl.lit("in_hours")).otherwise(pl.lit("out_of_hours")))
        .drop("in_hours")
    )
    wide = pl.concat([overall, split], how="diagonal_relaxed").collect()
    total = wide.filter(pl.col("side") == "overall")["turns"]
    total_turns = int(total[0]) if total.len() and total[0] is not None else 0
    wide = wide.with_columns(
        volume_share=pl.when(pl.lit(total_turns) > 0).then(pl.col("turns") / pl.lit(max(total_turns, 1)))
    )
    sides = ("overall", "in_hours", "out_of_hours")
    measures = ["volume_share", *TABLE_METRICS]
    long = wide.select("side", *[pl.col(m).cast(pl.Float64) for m in measures]).unpivot(
        index="side", variable_name="measure"
    )
    table = (
        long.pivot(on="side", index="measure", values="value")
        .with_columns([pl.lit(None, pl.Float64).alias(s) for s in sides if s not in long["side"].unique()])
        .select("measure", *sides)
    )
    order = {m: i for i, m in enumerate(measures)}
    table = table.sort(pl.col("measure").replace_strict(order, return_dtype=pl.Int32))

    overall_row = {r["measure"]: r["overall"] for r in table.iter_rows(named=True)}
    gap_rows = []
    for prefix in ("frt_median", "frt_p90", "art_median", "art_p90"):
        cal_s = overall_row.get(f"{prefix}_s")
        bh_s = overall_row.get(f"{prefix.replace('_', '_bh_', 1)}_s")
        gap = cal_s - bh_s if cal_s is not None and bh_s is not None else None
        gap_rows.append(
            {
                "measure": f"{prefix}_s",
                "calendar_s": cal_s,
                "business_s": bh_s,
                "gap_s": gap,
                "gap_share": gap / cal_s if gap is not None and cal_s else None,
            }
        )
    gap_frame = pl.DataFrame(
        gap_rows,
        schema={"measure": pl.String, "calendar_s": pl.Float64, "business_s": pl.Float64,
                "gap_s": pl.Float64, "gap_share": pl.Float64},
    )
    comparison = compare(
        messages, Split.hours(calendar), calendar=calendar, sla=sla, seed=seed, n_boot=n_boot,
        metrics=[m for m in TESTED_METRICS if m in facts.metrics()], tables=facts,
    )
    inbound = facts.messages.filter(pl.col("direction") == INBOUND).select(
        (~calendar.is_open("created_at")).mean().alias("share")
    ).collect()
    share = inbound["share"][0]
    sentence = _sentence(comparison, share)
    return HoursReport(table, gap_frame, comparison, share, sentence)


def _sentence(comparison: pl.DataFrame, share: float | None) -> str:
    """The report in one sentence, in the current language (:mod:`toolkit.present.i18n`)."""
    parts: list[str] = []
    art = comparison.filter(pl.col("metric") == "art_median_s")
    if art.height:
        row = art.row(0, named=True)
        a, b, ratio, p = row["a"], row["b"], row["ratio"], row["p_value"]
        if row["test"] == "not enough data" or a is None or b is None:
            parts.append(_("there are not enough in-hours and out-of-hours replies to compare"))
        else:
            values = {"a": fmt.duration(a), "b": fmt.duration(b), "p": "" if p is None else f", {fmt.p_value(p)}"}
            if p is not None and p < 0.05 and ratio is not None and ratio >= 1:
                amount = fmt.ratio(ratio) if ratio >= 1.5 else fmt.percent(ratio - 1, decimals=0)
                text = _("out-of-hours messages wait {amount} longer for a reply (median {a} vs {b}{p})")
            elif p is not None and p < 0.05 and ratio is not None and ratio <= 1 / 1.5:
                amount = fmt.ratio(1 / ratio)
                text = _("out-of-hours messages are answered {amount} faster (median {a} vs {b}{p})")
            elif p is not None and p < 0.05 and ratio is not None:
                amount = fmt.percent(1 - ratio, decimals=0)
                text = _("out-of-hours messages wait {amount} less (median {a} vs {b}{p})")
            else:
                amount = ""
                text = _("out-of-hours messages wait about as long as in hours (no significant difference) "
                         "(median {a} vs {b}{p})")
            parts.append(text.format(amount=amount, **values))
    if share is not None:
        parts.append(_("{share} of inbound arrives outside opening hours").format(
            share=fmt.percent(share, decimals=0)))
    if not parts:
        return _("No turns to compare.")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _narrow(calendar: Any, messages: pl.DataFrame | pl.LazyFrame) -> Any:
    """The calendar materialised only over the log's dates (much faster to build)."""
    import datetime as dt

    bounds = as_lazy(messages).select(
        pl.col("created_at").min().alias("a"), pl.col("created_at").max().alias("b")
    ).collect()
    first, last = bounds["a"][0], bounds["b"][0]
    if first is None or last is None:
        return calendar
    lo = max(first.date() - dt.timedelta(days=3), calendar.span[0])
    hi = min(last.date() + dt.timedelta(days=3), calendar.span[1])
    return calendar.with_span(lo, hi) if (lo, hi) != tuple(calendar.span) else calendar


# --- what-if -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _open_minutes(calendar: Any) -> tuple[bool, ...]:
    """Whether each minute of a nominal week (Monday 00:00 first) is open."""
    return tuple(calendar.is_open_at(d + 1, h, m) for d in range(7) for h in range(24) for m in range(60))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def default_candidates(calendar: Any) -> dict[str, str]:
    """Candidate extensions derived from the opening hours: 2 h later, 2 h earlier, each closed
    day 10:00-16:00, and 24/7.

    Examples
    --------
    >>> from toolkit.calendar.business_hours import BusinessCalendar
    >>> c = default_candidates(BusinessCalendar.parse("mon-fri 09:00-18:00"))
    >>> c["open 2h later"].split("; ")[0], c["open sat 10:00-16:00"]
    ('mon 18:00-20:00', 'sat 10:00-16:00')
    """
    minutes = _open_minutes(calendar)
    later, earlier, closed = [], [], []
    for d, name in enumerate(_DAYS):
        day = minutes[d * 1440 : (d + 1) * 1440]
        if not any(day):
            closed.append(name)
            continue
        first = day.index(True)
        last = 1440 - day[::-1].index(True)
        if last < 1440:
            later.append(f"{name} {_hhmm(last)}-{_hhmm(min(last + 120, 1440)) if last + 120 < 1440 else '24:00'}")
        if first > 0:
            earlier.append(f"{name} {_hhmm(max(first - 120, 0))}-{_hhmm(first)}")
    out: dict[str, str] = {}
    if later:
        out["open 2h later"] = "; ".join(later)
    if earlier:
        out["open 2h earlier"] = "; ".join(earlier)
    for name in closed:
        out[f"open {name} 10:00-16:00"] = f"{name} 10:00-16:00"
    if any(not m for m in minutes):
        out["open 24/7"] = "mon-sun 00:00-24:00"
    return out


def opening_hours_whatif(
    messages: pl.DataFrame | pl.LazyFrame,
    calendar: Any,
    candidates: dict[str, str] | None = None,
) -> pl.DataFrame:
    """How much of the inbound volume now arriving while closed each extension would cover.

    Parameters
    ----------
    messages
        Canonical messages.
    calendar
        Current opening hours.
    candidates
        ``{label: extra hours text}``, e.g. ``{"open until 20:00 weekdays": "mon-fri
        18:00-20:00", "open Sunday": "sun 10:00-16:00"}``; the extra hours keep the calendar's
        time zone and holidays. Default: :func:`default_candidates`.

    Returns
    -------
    polars.DataFrame
        ``candidate``, ``hours`` (the text), ``extra_open_hours_per_week`` (nominal week, not
        counting hours already open), ``inbound_covered`` (inbound messages that arrived while
        closed and inside the extra hours), ``share_of_uncovered_covered``, sorted by coverage.
    """
    from toolkit.calendar.business_hours import BusinessCalendar

    candidates = default_candidates(calendar) if candidates is None else candidates
    calendar = _narrow(calendar, messages)
    base_open = _open_minutes(calendar)
    closed = ~calendar.is_open("created_at")
    exprs = [closed.sum().cast(pl.Int64).alias("_uncovered")]
    extra_hours: list[float] = []
    for i, text in enumerate(candidates.values()):
        extra = dataclasses.replace(calendar, hours=BusinessCalendar.parse(text, timezone=calendar.timezone).hours)
        exprs.append((closed & extra.is_open("created_at")).sum().cast(pl.Int64).alias(f"_c{i}"))
        cand_open = _open_minutes(extra)
        extra_hours.append(sum(1 for a, b in zip(base_open, cand_open, strict=True) if b and not a) / 60)
    row = as_lazy(messages).filter(pl.col("direction") == INBOUND).select(exprs).collect().row(0, named=True)
    uncovered = row["_uncovered"] or 0
    covered = [row[f"_c{i}"] or 0 for i in range(len(candidates))]
    return pl.DataFrame(
        {
            "candidate": list(candidates),
            "hours": list(candidates.values()),
            "extra_open_hours_per_week": extra_hours,
            "inbound_covered": covered,
            "share_of_uncovered_covered": [c / uncovered if uncovered else None for c in covered],
        },
        schema={"candidate": pl.String, "hours": pl.String, "extra_open_hours_per_week": pl.Float64,
                "inbound_covered": pl.Int64, "share_of_uncovered_covered": pl.Float64},
    ).sort("inbound_covered", descending=True, maintain_order=True)
