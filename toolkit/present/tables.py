"""Tables for people: readable headers and values on screen, and exports that stand alone.

A result frame (KPIs, comparisons, agent reports...) keeps machine names and raw units
(``frt_median_s`` in seconds, ``reply_rate`` as a fraction). :func:`readable` turns it into the
text a manager reads (``first response time (median)``: ``47 min``; ``reply rate``: ``91.2%``;
a missing value as a dash, never "None"), every value through :mod:`toolkit.present.format`.
:func:`export_frame` makes the CSV/Excel version: readable headers that carry the unit
(``first response time (median), minutes``), values in that unit as numbers, and the raw values
after them in clearly named columns (``raw: frt_median_s (seconds)``).

>>> import polars as pl
>>> df = pl.DataFrame({"channel": ["email", None], "frt_median_s": [2820.0, None], "reply_rate": [0.912, 1.0]})
>>> readable(df).rows()
[('email', '47 min', '91.2%'), ('–', '–', '100%')]
>>> export_frame(df).columns
['channel', 'first response time (median), minutes', 'reply rate, %', 'raw: frt_median_s (seconds)', 'raw: reply_rate (fraction)']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from toolkit.present import format as fmt
from toolkit.present.i18n import N_, get_language, translate

__all__ = ["column_kind", "export_frame", "header", "readable"]

_SHARE_SUFFIXES = ("rate", "share", "compliance", "covered", "_pct_of_total")
_P_COLUMNS = ("p_value", "p-value", "pvalue", "p_adjusted")
_NAMES = {
    "aht": "average handling time",
    "ht_median": "median handling time",
    "tht": "total handling time",
    "nps": "NPS",
    "csat": "CSAT",
    "p_value": "p-value",
    "p_adjusted": "p-value after correction for many tests",
    "robust_z": "distance from peers (typical spreads)",
    "ht_p90": "handling time (90th percentile)",
}
_TIMES = {
    "frt": "first response time",
    "art": "response time",
    "frt_bh": "first response time in business hours",
    "art_bh": "response time in business hours",
}
_WORDS = (("frt_", "first response time "), ("art_", "response time "), ("bh_", "business-hours "), ("_", " "))


#: Column headers the app shows, for the catalogues (``header`` translates them at run time).
HEADER_WORDS = (
    N_('value'),
    N_('previous period'),
    N_('change'),
    N_('description'),
    N_('overall'),
    N_('candidate'),
    N_('hours'),
    N_('extra open hours per week'),
    N_('inbound covered'),
    N_('share of uncovered covered'),
    N_('first day'),
    N_('last day'),
    N_('days'),
    N_('baseline'),
    N_('ratio'),
    N_('max ratio'),
    N_('events'),
    N_('weekday'),
    N_('hour'),
    N_('arrivals per hour'),
    N_('handle'),
    N_('offered load'),
    N_('agents needed'),
    N_('agents active'),
    N_('short'),
    N_('open fraction'),
    N_('short while open'),
    N_('brand'),
    N_('agent id'),
    N_('turns answered'),
    N_('ht p90'),
    N_('handling time (90th percentile)'),
    N_('distance from peers (typical spreads)'),
    N_('phrase found'),
    N_('aht ratio vs rest'),
    N_('channel'),
    N_('conversation id'),
    N_('customer messages'),
    N_('first sentiment'),
    N_('last sentiment'),
    N_('min sentiment'),
    N_('first label'),
    N_('last label'),
    N_('first message id'),
    N_('last message id'),
    N_('first text'),
    N_('last text'),
    N_('csat satisfied'),
    N_('promoters'),
    N_('passives'),
    N_('detractors'),
    N_('from channel'),
    N_('to channel'),
    N_('moves'),
    N_('customers'),
    N_('moves after wait'),
    N_('customers after wait'),
    N_('category'),
    N_('subcategory'),
    N_('share'),
    N_('rank'),
    N_('bot replies'),
    N_('conversations with reply'),
    N_('bot only conversations'),
    N_('bot reply share'),
    N_('bot only share'),
    N_('toolkit column'),
    N_('file column'),
    N_('status'),
    N_('turns'),
    N_('period'),
    N_('messages'),
    N_('agent'),
    N_('date'),
    N_('name'),
    N_('kind'),
    N_('start'),
    N_('end'),
    N_('reason'),
    N_('column'),
    N_('rows'),
    N_('first rows'),
    N_('action'),
    N_('example message ids'),
    N_('example texts'),
    N_('example text'),
    N_('deflected to'),
)


def _label_from_registry(name: str) -> str | None:
    try:
        from toolkit.core.metrics import metric_registry
    except ImportError:  # pragma: no cover - the registry is part of the toolkit
        return None
    metric = metric_registry().get(name)
    label = getattr(metric, "label", "") if metric is not None else ""
    return str(label) if label else None


def header(name: str, labels: Mapping[str, str] | None = None) -> str:
    """A column or metric name in plain words: the metric's own label when it is a metric; in the
    current language (:mod:`toolkit.present.i18n`) when the catalogue has the words.

    Examples
    --------
    >>> header("turns_answered"), header("first_response_seconds"), header("p_value")
    ('turns answered', 'first response', 'p-value')
    """
    return translate(_english_header(name, labels))


def _english_header(name: str, labels: Mapping[str, str] | None) -> str:
    if labels and name in labels:
        return labels[name]
    registered = _label_from_registry(name)
    if registered:
        return registered
    base = name.removesuffix("_seconds").removesuffix("_minutes").removesuffix("_s")
    if base in _NAMES or name in _NAMES:
        return _NAMES.get(base) or _NAMES[name]
    for stat, word in (("_median", "median"), ("_p90", "90th percentile"), ("_mean", "mean")):
        if base.endswith(stat) and base.removesuffix(stat) in _TIMES:
            return f"{_TIMES[base.removesuffix(stat)]} ({word})"
    label = base
    for a, b in _WORDS:
        label = label.replace(a, b)
    return label.strip()


def column_kind(name: str, dtype: pl.DataType) -> str:
    """How a column's values read: ``seconds``, ``minutes``, ``share``, ``p``, ``ratio``, ``count``,
    ``number``, ``datetime``, ``date``, ``bool``, ``list`` or ``text``.

    >>> column_kind("frt_median_s", pl.Float64()), column_kind("reply_rate", pl.Float64()), column_kind("turns", pl.Int64())
    ('seconds', 'share', 'count')
    """
    if dtype.is_numeric():
        if name.endswith(("_s", "_seconds")) or name == "seconds":
            return "seconds"
        if name.endswith("_minutes"):
            return "minutes"
        if name in _P_COLUMNS:
            return "p"
        if name == "ratio" or name.endswith("_ratio") or name.startswith("ratio_"):
            return "ratio"
        if name.endswith(_SHARE_SUFFIXES) or name == "share":
            return "share"
        return "count" if dtype.is_integer() else "number"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    if isinstance(dtype, (pl.List, pl.Array)):
        return "list"
    return "text"


#: Booleans in tables, translated.
_YES_NO = (N_("yes"), N_("no"))


def _formatter(kind: str, name: str, locale: str, midnight: bool) -> Callable[[Any], str]:
    if kind == "seconds":
        return lambda x: fmt.duration(x, locale=locale)
    if kind == "minutes":
        return lambda x: fmt.duration(None if x is None else x * 60, locale=locale)
    if kind == "share":
        return lambda x: fmt.percent(x, locale=locale)
    if kind == "p":
        return lambda x: fmt.p_value(x, locale=locale, prefix=False)
    if kind == "count":
        return lambda x: fmt.count(x, locale=locale)
    if kind == "ratio":
        return lambda x: fmt.ratio(x, locale=locale)
    if kind == "number":
        decimals = 1 if name in ("nps", "robust_z") or name.endswith("_nps") else 2
        return lambda x: fmt.number(x, decimals=decimals, locale=locale)
    if kind == "datetime":
        return (lambda x: fmt.date(x, locale=locale)) if midnight else (lambda x: fmt.datetime(x, locale=locale))
    if kind == "date":
        return lambda x: fmt.date(x, locale=locale)
    if kind == "bool":
        yes, no = translate("yes", locale), translate("no", locale)
        return lambda x: fmt.MISSING if x is None else (yes if x else no)
    if kind == "list":
        return lambda x: fmt.MISSING if x is None else ", ".join(str(v) for v in x)
    return lambda x: fmt.MISSING if x is None or x == "" else str(x)


def _all_midnight(s: pl.Series) -> bool:
    wall = s.dt.replace_time_zone(None) if getattr(s.dtype, "time_zone", None) else s
    values = wall.drop_nulls()
    return values.len() > 0 and bool((values.dt.time() == dt.time()).all())


def readable(df: pl.DataFrame, *, labels: Mapping[str, str] | None = None, locale: str | None = None) -> pl.DataFrame:
    """A display copy: plain headers, every value as text in the one house style.

    Durations read ``47 min``/``11 h 37 min``, shares ``91.2%``, p-values ``< 0.001``, counts
    ``2,778``, times in their own zone to the minute (dates when all at midnight), missing values
    a dash, all in ``locale`` (default: the product's current language). Meant for display
    tables (a page's worth of rows), not for millions of rows.
    """
    locale = locale or get_language()
    out: dict[str, list[str]] = {}
    for name, dtype in df.schema.items():
        s = df.get_column(name)
        if isinstance(dtype, pl.Datetime) and dtype.time_zone:
            s = s.dt.replace_time_zone(None)
        kind = column_kind(name, dtype)
        f = _formatter(kind, name, locale, kind == "datetime" and _all_midnight(s))
        title = header(name, labels)
        while title in out:
            title += " "
        out[title] = [f(x) for x in s.to_list()]
    return pl.DataFrame(out, schema=dict.fromkeys(out, pl.String))


_EXPORT_UNIT = {"share": "%", "minutes": "minutes"}


def export_frame(df: pl.DataFrame, *, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The CSV/Excel version of a result: readable headers with units, raw values after them.

    Durations go out in the unit that fits the column (minutes, hours or days, rounded to 0.1),
    shares in percent (0.1), p-values to 4 decimals; each converted column is followed (at the
    end of the table) by its raw value under ``raw: <name> (<unit>)``. Times are local wall
    times as shown, nested values joined with commas.
    """
    front: list[pl.Expr] = []
    raw: list[pl.Expr] = []
    used: set[str] = set()

    def unique(title: str) -> str:
        while title in used:
            title += " "
        used.add(title)
        return title

    for name, dtype in df.schema.items():
        kind = column_kind(name, dtype)
        title = header(name, labels)
        col = pl.col(name)
        if kind == "seconds":
            unit, size = fmt.duration_unit(df.get_column(name).to_list())
            front.append((col / size).round(1).alias(unique(f"{title}, {unit}")))
            raw.append(col.alias(unique(f"raw: {name} (seconds)")))
        elif kind == "share":
            front.append((col * 100).round(1).alias(unique(f"{title}, %")))
            raw.append(col.alias(unique(f"raw: {name} (fraction)")))
        elif kind == "minutes":
            front.append(col.round(1).alias(unique(f"{title}, minutes")))
        elif kind == "p":
            front.append(col.round(4).alias(unique(title)))
        elif kind in ("number", "ratio"):
            front.append(col.round(2).alias(unique(title)))
        elif kind == "datetime":
            wall = col.dt.replace_time_zone(None) if getattr(dtype, "time_zone", None) else col
            front.append(wall.dt.truncate("1s").alias(unique(title)))
        elif kind == "list":
            front.append(col.cast(pl.List(pl.String)).list.join(", ").alias(unique(title)))
        elif isinstance(dtype, (pl.Struct, pl.Object)):
            continue
        else:
            front.append(col.alias(unique(title)))
    return df.select(*front, *raw)
