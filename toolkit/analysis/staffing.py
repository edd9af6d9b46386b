"""Staffing: agents needed per hour of the week (Erlang C) next to the agents actually there.

The model (state it when you show the numbers):

* **Queue**: M/M/c - customer turns arrive at random (Poisson) at the average rate observed for
  that hour of the week, each takes an exponential handling time with the observed mean, and
  ``c`` servers work the queue first come, first served.
* **Arrivals** per hour of the week = inbound turns that started in that local hour, divided by
  how many times that hour of the week occurs between the first and last message of the log.
* **Handling time** per turn = total ``handle_seconds`` / answered turns when the log has
  handle times, else ``default_handle_seconds`` (300 s).
* **Social concurrency** (an approximation): an agent works ``concurrency`` conversations at
  once (default 3), so ``c = agents x concurrency`` servers each with the full handling time.
  Real concurrency slows each conversation down somewhat, so the result is a lower bound when
  agents are saturated.
* **Target**: the share of turns answered within the SLA (``target``, default 80% within
  ``sla`` seconds): ``P(wait <= T) = 1 - C(c, A) · exp(-(c - A) · T / h)`` with ``A = λh`` the
  offered load in erlangs and ``C`` the Erlang C probability of waiting.
* **Agents active** = distinct agents who replied in that local hour, averaged over the
  occurrences of that hour of the week (hours with nobody count as 0). An hour is ``short``
  when fewer agents were active than needed.
* **Enough data**: an hour of the week is judged only when the log holds at least ``min_turns``
  customer turns that started in it (default :data:`toolkit.analysis.thin.MIN_SAMPLE`, 30, the
  minimum the whole product uses before a claim). In a sparse log (a few busy days in months of
  quiet) the averages of the others rest on a handful of turns, and any turn at all "needs" an
  agent, so they would all look short; they get ``enough_data`` False and ``short`` False.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from toolkit._frames import as_lazy
from toolkit.core.kpis import FactTables
from toolkit.errors import DataError
from toolkit.io.schema import OUTBOUND
from toolkit.present.i18n import _

__all__ = ["DEFAULT_HANDLE_SECONDS", "agents_needed", "erlang_c", "service_level", "staffing"]

#: Handling time per turn when the log has no ``handle_seconds``.
DEFAULT_HANDLE_SECONDS = 300.0


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arriving customer waits (Erlang C), for ``servers`` and ``load`` erlangs.

    Uses the stable Erlang B recursion. 1.0 when ``servers <= load`` (the queue grows without
    bound).

    Examples
    --------
    >>> round(erlang_c(2, 1.0), 4)
    0.3333
    """
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return servers * b / (servers - load * (1 - b))


def service_level(servers: int, load: float, sla: float, handle_seconds: float) -> float:
    """Share answered within ``sla`` seconds in M/M/c: ``1 - C · exp(-(c - A) T / h)``.

    Examples
    --------
    >>> round(service_level(2, 1.0, 300, 300), 4)
    0.8774
    """
    if load <= 0:
        return 1.0
    if servers <= load:
        return 0.0
    return 1.0 - erlang_c(servers, load) * math.exp(-(servers - load) * sla / handle_seconds)


def agents_needed(
    arrivals_per_hour: np.ndarray | list[float],
    handle_seconds: float,
    *,
    sla: float = 3600,
    target: float = 0.8,
    concurrency: int = 3,
    max_agents: int = 10_000,
) -> np.ndarray:
    """Fewest agents meeting the target for each arrival rate (vectorised over the rates).

    One Erlang B recursion over the server count serves every rate at once: at each multiple of
    ``concurrency`` servers the service level of all still-unmet rates is checked.

    Examples
    --------
    >>> agents_needed([0.0, 10.0, 100.0], 300, sla=60, target=0.8, concurrency=1).tolist()
    [0, 2, 11]
    """
    lam = np.asarray(arrivals_per_hour, dtype=float)
    load = lam * handle_seconds / 3600.0
    need = np.zeros(lam.shape, dtype=np.int64)
    todo = load > 0
    b = np.ones(lam.shape)
    servers = 0
    while todo.any():
        servers += 1
        b = load * b / (servers + load * b)
        if servers % concurrency:
            continue
        stable = servers > load
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(stable, servers * b / (servers - load * (1 - b)), 1.0)
            sl = np.where(stable, 1 - c * np.exp(-(servers - load) * sla / handle_seconds), 0.0)
        met = todo & (sl >= target)
        need[met] = servers // concurrency
        todo &= ~met
        if servers // concurrency >= max_agents:
            need[todo] = max_agents
            break
    return need


def staffing(
    messages: pl.DataFrame | pl.LazyFrame,
    *,
    sla: float = 3600,
    target: float = 0.8,
    concurrency: int = 3,
    handle_seconds: float | None = None,
    timezone: str = "UTC",
    default_handle_seconds: float = DEFAULT_HANDLE_SECONDS,
    calendar: Any = None,
    min_turns: int | None = None,
) -> pl.DataFrame:
    """Agents needed per hour of the week to meet the SLA, next to the agents active then.

    Parameters
    ----------
    messages
        Canonical messages.
    sla
        Answer-within target in seconds (default 1 h).
    target
        Share of turns to answer within ``sla`` (default 0.8).
    concurrency
        Conversations an agent handles at once (default 3): servers = agents x concurrency.
    handle_seconds
        Handling time per turn; default: measured (total ``handle_seconds`` / answered turns),
        else ``default_handle_seconds``.
    timezone
        The team's zone: hours of the week are local.
    calendar
        Opening hours (optional): adds ``open_fraction`` (share of the hour that is open) and
        ``short_while_open`` (short in an hour that is at least partly open).
    min_turns
        Customer turns an hour of the week needs in the log before it is judged (default
        :data:`toolkit.analysis.thin.MIN_SAMPLE`, 30); see the module docstring.

    Returns
    -------
    polars.DataFrame
        168 rows: ``weekday`` (1 = Monday), ``hour``, ``turns`` (customer turns in the log that
        started in that hour of the week), ``arrivals_per_hour``, ``handle_seconds``,
        ``offered_load`` (erlangs), ``agents_needed``, ``agents_active``, ``enough_data`` (at
        least ``min_turns`` turns) and ``short`` (bool; only where there is enough data).
    """
    from toolkit.analysis.thin import MIN_SAMPLE

    min_turns = MIN_SAMPLE if min_turns is None else min_turns
    if not 0 < target < 1:
        msg = _("target must be a share between 0 and 1 (e.g. 0.8), got {target}").format(target=target)
        raise DataError(msg)
    if concurrency < 1 or int(concurrency) != concurrency:
        msg = _("concurrency must be a whole number of conversations >= 1, got {concurrency}").format(concurrency=concurrency)
        raise DataError(msg)
    if sla <= 0:
        msg = _("sla must be a positive number of seconds, got {sla}").format(sla=sla)
        raise DataError(msg)
    lf = as_lazy(messages)
    facts = FactTables(lf, sla=sla)
    local = pl.col("created_at").dt.convert_time_zone(timezone)

    # How many times each local hour of the week occurs in the span of the log.
    hours = lf.select(_h=local.dt.truncate("1h")).select(
        pl.datetime_range(pl.col("_h").min(), pl.col("_h").max(), "1h").alias("_h")
    ) if _has_rows(lf) else None
    week = pl.DataFrame(
        {"weekday": [d for d in range(1, 8) for _ in range(24)], "hour": list(range(24)) * 7},
        schema={"weekday": pl.Int8, "hour": pl.Int8},
    )
    if hours is None:
        return _with_calendar(week.with_columns(
            turns=pl.lit(0, pl.Int64), arrivals_per_hour=pl.lit(0.0),
            handle_seconds=pl.lit(handle_seconds or default_handle_seconds), offered_load=pl.lit(0.0),
            agents_needed=pl.lit(0, pl.Int64), agents_active=pl.lit(0.0), enough_data=pl.lit(min_turns <= 0),
            short=pl.lit(False),
        ), calendar)
    how = [pl.col("_h").dt.weekday().cast(pl.Int8).alias("weekday"), pl.col("_h").dt.hour().cast(pl.Int8).alias("hour")]
    occurrences = hours.group_by(how).agg(pl.len().alias("_n"))
    arrivals = (
        facts.turns.select(_h=pl.col("start").dt.convert_time_zone(timezone).dt.truncate("1h"))
        .group_by(how)
        .agg(pl.len().alias("_turns"))
    )
    columns = facts.columns
    if "agent_id" in columns:
        active = (
            lf.filter((pl.col("direction") == OUTBOUND) & ~pl.col("is_bot") & pl.col("agent_id").is_not_null())
            .select(_h=local.dt.truncate("1h"), agent=pl.col("agent_id"))
            .group_by("_h")
            .agg(pl.col("agent").n_unique().alias("_agents"))
            .group_by(how)
            .agg(pl.col("_agents").sum())
        )
    else:
        active = pl.LazyFrame(schema={"weekday": pl.Int8, "hour": pl.Int8, "_agents": pl.UInt32})
    if handle_seconds is None:
        handle_seconds = default_handle_seconds
        if "handle_seconds" in columns:
            totals = pl.concat(
                [
                    lf.select(pl.col("handle_seconds").sum().alias("_ht"), pl.col("handle_seconds").count().alias("_c")),
                    facts.turns.select(pl.col("answered_at").is_not_null().sum().alias("_answered")),
                ],
                how="horizontal",
            ).collect()
            ht, n_ht, answered = totals.row(0)
            if n_ht and answered and ht and ht > 0:
                handle_seconds = float(ht) / float(answered)
    if not handle_seconds > 0:
        msg = _("handle_seconds must be positive, got {handle_seconds}").format(handle_seconds=handle_seconds)
        raise DataError(msg)
    table = (
        week.lazy()
        .join(occurrences, on=["weekday", "hour"], how="left")
        .join(arrivals, on=["weekday", "hour"], how="left")
        .join(active, on=["weekday", "hour"], how="left")
        .with_columns(pl.col("_n", "_turns", "_agents").fill_null(0))
        .with_columns(
            arrivals_per_hour=pl.when(pl.col("_n") > 0).then(pl.col("_turns") / pl.col("_n")).otherwise(0.0),
            agents_active=pl.when(pl.col("_n") > 0).then(pl.col("_agents") / pl.col("_n")).otherwise(0.0),
            handle_seconds=pl.lit(float(handle_seconds)),
        )
        .with_columns(offered_load=pl.col("arrivals_per_hour") * pl.col("handle_seconds") / 3600)
        .sort("weekday", "hour")
        .collect()
    )
    need = agents_needed(
        table["arrivals_per_hour"].to_numpy(), float(handle_seconds), sla=sla, target=target,
        concurrency=int(concurrency),
    )
    result = table.with_columns(
        agents_needed=pl.Series(need, dtype=pl.Int64),
        turns=pl.col("_turns").cast(pl.Int64),
        enough_data=pl.col("_turns") >= min_turns,
    ).with_columns(
        short=pl.col("enough_data") & (pl.col("agents_active") < pl.col("agents_needed"))
    ).select(
        "weekday", "hour", "turns", "arrivals_per_hour", "handle_seconds", "offered_load", "agents_needed",
        "agents_active", "enough_data", "short",
    )
    return _with_calendar(result, calendar)


def _with_calendar(result: pl.DataFrame, calendar: Any) -> pl.DataFrame:
    if calendar is None:
        return result
    from toolkit.calendar.business_hours import hour_of_week_open

    return result.join(hour_of_week_open(calendar), on=["weekday", "hour"], how="left").with_columns(
        short_while_open=pl.col("short") & (pl.col("open_fraction") > 0)
    )


def _has_rows(lf: pl.LazyFrame) -> bool:
    return bool(lf.select(pl.len()).collect().item())
