"""Altair chart builders for the app and the notebooks (no streamlit here).

Charts are made for reading, not defaults: a title that says what is shown, axis titles with
units ("minutes", "messages per day"), number formats a manager reads at a glance, bars sorted by
value, medians and targets marked. Durations come in seconds and are shown in the unit that fits
(:func:`toolkit.present.format.duration_unit`). Selections are named (``"pick"``) so the app can show the rows behind a
clicked bucket.

>>> import polars as pl, datetime as dt
>>> df = pl.DataFrame({"period": [dt.datetime(2025, 1, d) for d in (1, 2)], "inbound": [3, 5]})
>>> volume_timeline(df, every="1d").to_dict()["title"]["text"]
'Messages per day'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl

from toolkit.present import format as fmt
from toolkit.present.i18n import N_, _, get_language

__all__ = [
    "LOG_AXIS_SPREAD",
    "PICK",
    "chart_png",
    "chart_svg",
    "chart_title",
    "comparison_chart",
    "difference_chart",
    "distribution_chart",
    "duration_axis",
    "export_spec",
    "hour_of_week_heatmap",
    "ranked_bars",
    "response_time_trend",
    "sentiment_mix",
    "survival_chart",
    "transition_heatmap",
    "volume_timeline",
]

#: Name of the point selection every interactive chart carries.
PICK = "pick"

INK = "#1f2937"
MUTED = "#6b7280"
BLUE = "#2563eb"
ORANGE = "#ea580c"
RED = "#dc2626"
GREEN = "#16a34a"
EVENT = "#fde68a"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_EVERY_WORD = {"1h": "hour", "1d": "day", "1w": "week", "1mo": "month"}
#: Whole phrases per period, so each language words them its own way (not "Messages par day").
_PER_PERIOD = {
    "hour": (N_("Messages per hour"), N_("Customer sentiment per hour"), N_("Hour")),
    "day": (N_("Messages per day"), N_("Customer sentiment per day"), N_("Day")),
    "week": (N_("Messages per week"), N_("Customer sentiment per week"), N_("Week")),
    "month": (N_("Messages per month"), N_("Customer sentiment per month"), N_("Month")),
    "period": (N_("Messages per period"), N_("Customer sentiment per period"), N_("Period")),
}


def _per(word: str, which: int) -> str:
    return _(_PER_PERIOD.get(word, _PER_PERIOD["period"])[which])


def _vega_locale() -> alt.Locale:
    """Number and date formats of the current language for Vega (thousands, months, days)."""
    from babel import Locale as BabelLocale
    from babel.dates import get_day_names, get_month_names
    from babel.numbers import get_decimal_symbol, get_group_symbol

    loc = BabelLocale.parse(get_language())
    days = get_day_names("wide", locale=loc)
    short_days = get_day_names("abbreviated", locale=loc)
    months = get_month_names("wide", locale=loc)
    short_months = get_month_names("abbreviated", locale=loc)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # d3 starts weeks on Sunday; babel on Monday
    return alt.Locale(
        number={
            "decimal": get_decimal_symbol(loc),
            "thousands": get_group_symbol(loc),
            "grouping": [3],
            "currency": ["", ""],
        },
        time={
            "dateTime": "%A %e %B %Y, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [str(days[i]) for i in sunday_first],
            "shortDays": [str(short_days[i]) for i in sunday_first],
            "months": [str(months[i]) for i in range(1, 13)],
            "shortMonths": [str(short_months[i]) for i in range(1, 13)],
        },
    )


def _finish(chart: Any, *, width: int | str = "container", height: int = 280) -> Any:
    return (
        chart.properties(width=width, height=height)
        .configure(font="Inter, Segoe UI, Helvetica, Arial, sans-serif", locale=_vega_locale())
        .configure_title(fontSize=15, anchor="start", color=INK, subtitleColor=MUTED, subtitleFontSize=12)
        .configure_axis(
            labelColor=MUTED, titleColor=INK, labelFontSize=11, titleFontSize=12, gridColor="#e5e7eb"
        )
        .configure_view(strokeWidth=0)
        .configure_legend(orient="top", labelFontSize=11, titleFontSize=11)
    )


def _time_axis(periods: Any = None) -> alt.Axis:
    """A time axis that reads well for the range drawn: hours for a few days, dates for a few
    months, months beyond; ticks on whole units so no date is repeated.

    >>> import datetime as dt
    >>> _time_axis([dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2, 12)]).format
    '%a %H:%M'
    >>> _time_axis([dt.datetime(2025, 1, 1), dt.datetime(2025, 3, 1)]).format
    '%d %b'
    >>> _time_axis([dt.datetime(2024, 1, 1), dt.datetime(2025, 3, 1)]).format
    '%b %Y'
    """
    values = [p for p in (list(periods) if periods is not None else []) if p is not None]
    span = (max(values) - min(values)).total_seconds() / 86400 if len(values) > 1 else 0.0
    if span <= 4:
        # A count, not {"interval": "hour"}: Vega 6 (Streamlit's, vl-convert's) names the unit
        # "hours" and fails on "hour" (the only spelling Vega-Lite's schema allows), drawing an
        # empty chart; for a count it picks whole 3- or 6-hour steps itself.
        step = 6 if span > 1.5 else 3
        fmt_, ticks = "%a %H:%M", max(2, round(span * 24 / step))
    elif span <= 31:
        fmt_, ticks = "%d %b", {"interval": "day", "step": max(1, int(span // 10))}
    elif span <= 150:
        # Whole weeks (every tick the same weekday): "every 9 days" restarts each month and
        # reads as uneven steps (1, 19 Sep, 1 Oct...).
        fmt_, ticks = "%d %b", {"interval": "week", "step": 1 if span <= 70 else 2}
    else:
        fmt_, ticks = "%b %Y", {"interval": "month", "step": max(1, int(span // 300))}
    return alt.Axis(format=fmt_, tickCount=ticks, labelAngle=0, labelOverlap=True, labelSeparation=8)


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or "")


def _events_layer(events: Sequence[Any] | None, y_max: float) -> list[Any]:
    """Shaded bands and labels for user-marked periods (objects with name/first/last)."""
    if not events:
        return []
    rows = [
        {
            "event": e.name,
            "first": dt.datetime.combine(e.first, dt.time()),
            "last": dt.datetime.combine(e.last + dt.timedelta(days=1), dt.time()),
        }
        for e in events
    ]
    data = alt.Data(values=[{**r, "first": r["first"].isoformat(), "last": r["last"].isoformat()} for r in rows])
    band = (
        alt.Chart(data)
        .mark_rect(color=EVENT, opacity=0.55)
        .encode(x="first:T", x2="last:T", tooltip=[alt.Tooltip("event:N", title=_("Event"))])
    )
    label = (
        alt.Chart(data)
        .mark_text(align="left", baseline="top", dx=3, dy=3, color="#92400e", fontSize=11)
        .encode(x="first:T", y=alt.datum(y_max), text="event:N")
    )
    return [band, label]


def volume_timeline(
    df: pl.DataFrame,
    *,
    every: str = "1d",
    series: Sequence[tuple[str, str]] = (("inbound", "Inbound"),),
    peaks: pl.DataFrame | None = None,
    events: Sequence[Any] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
) -> Any:
    """Message counts per period (``period`` + one column per series), peaks and events marked.

    ``peaks``: rows with ``period`` (and optionally ``inbound``) flagged as peaks: red dots.
    Clicking a period selects it (selection ``pick`` on field ``key``: the bucket's local start
    as ``YYYY-MM-DDTHH:MM`` text).
    """
    word = _EVERY_WORD.get(every, "period")
    cols = [c for c, _ in series if c in df.columns]
    labels = dict(series)
    long = (
        df.select("period", *cols)
        .unpivot(index="period", variable_name="series", value_name="messages")
        .with_columns(
            pl.col("series").replace_strict(labels, default=pl.col("series")),
            key=pl.col("period").dt.strftime("%Y-%m-%dT%H:%M"),
        )
    )
    y_max = float(long["messages"].max() or 0) * 1.08 + 1
    # The selection carries the bucket as text: no time-zone games between browser and server.
    # empty=False: before a click no bucket is chosen, so no rule is drawn (not one per bucket).
    pick = alt.selection_point(name=PICK, fields=["key"], on="click", nearest=True, empty=False)
    base = alt.Chart(long.to_pandas())
    x = alt.X("period:T", title=None, axis=_time_axis(df["period"].to_list()))
    line = base.mark_line(strokeWidth=2).encode(
        x=x,
        y=alt.Y("messages:Q", title=_per(word, 0), axis=alt.Axis(format=",d", tickMinStep=1), scale=alt.Scale(domainMax=y_max)),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(range=[BLUE, ORANGE, GREEN, MUTED]),
            legend=alt.Legend(orient="top") if len(cols) > 1 else None,
        ),
    )
    points = base.mark_point(size=60, opacity=0, filled=True).encode(
        x=x,
        y="messages:Q",
        tooltip=[
            alt.Tooltip("period:T", title=_per(word, 2), format="%a %d %b %Y" if word != "hour" else "%a %d %b %H:%M"),
            alt.Tooltip("series:N", title=_("Series")),
            alt.Tooltip("messages:Q", title=_("Messages"), format=","),
        ],
    ).add_params(pick)
    chosen = base.mark_rule(color=INK, strokeDash=[2, 2]).encode(x=x).transform_filter(pick)
    layers: list[Any] = [*_events_layer(events, y_max), line, points, chosen]
    if peaks is not None and peaks.height and "period" in peaks.columns:
        ycol = "inbound" if "inbound" in peaks.columns else None
        pk = peaks.select("period", *([ycol] if ycol else []))
        if ycol is None:
            pk = pk.join(df.select("period", pl.col(cols[0]).alias("inbound")), on="period", how="left")
        layers.append(
            alt.Chart(pk.rename({"inbound": "messages"} if "inbound" in pk.columns else {}).to_pandas())
            .mark_point(color=RED, size=70, filled=True)
            .encode(
                x="period:T",
                y="messages:Q",
                tooltip=[alt.Tooltip("period:T", title=_("Peak"), format="%a %d %b %Y %H:%M"),
                         alt.Tooltip("messages:Q", title=_("Inbound"), format=",")],
            )
        )
    chart = alt.layer(*layers).properties(
        title=_title(title or _per(word, 0), subtitle)
    )
    return _finish(chart)


def response_time_trend(
    df: pl.DataFrame,
    *,
    every: str = "1d",
    columns: Sequence[tuple[str, str]] = (("art_median_s", N_("Median")), ("art_p90_s", N_("90th percentile"))),
    sla_seconds: float | None = None,
    title: str = "Response time",
    subtitle: str | None = None,
    min_turns: int = 5,
    periods: Sequence[Any] | pl.Series | None = None,
) -> Any:
    """Response-time statistics per period (seconds in), with the SLA target drawn and labelled.

    The axis follows :func:`duration_axis`: linear in the unit that fits (minutes, hours, days),
    or logarithmic with round duration ticks when the values span more than
    :data:`LOG_AXIS_SPREAD` times the target or their median. Periods with fewer than
    ``min_turns`` answered turns (column ``turns``), and ``periods`` (every period of the chart's
    range) without a row in ``df``, are drawn as gaps.
    """
    if periods is not None:
        grid = pl.DataFrame({"period": pl.Series(list(periods)).cast(df.schema["period"])})
        df = grid.join(df, on="period", how="left").sort("period")
    cols = [c for c, _ in columns if c in df.columns]
    if min_turns and "turns" in df.columns:
        # A median of two turns is noise: periods with few (or no) answered turns are drawn as
        # gaps in the line, not bridged by a straight segment.
        df = df.with_columns(pl.when(pl.col("turns").fill_null(0) >= min_turns).then(pl.col(c)).alias(c) for c in cols)
    labels = {c: _(label) for c, label in columns}  # legend in the reader's language
    values = pl.concat([df[c].drop_nulls() for c in cols]) if cols else pl.Series([], dtype=pl.Float64)
    # One rule for every page (duration_axis): linear in the unit that fits, or a log axis when
    # 90th percentiles of tens of hours would flatten the medians and the target against zero.
    log, unit, size = duration_axis(values.to_list(), sla_seconds)
    order = [labels[c] for c in cols]
    long = (
        df.select("period", *[(pl.col(c) / size).alias(c) for c in cols])
        .unpivot(index="period", variable_name="statistic", value_name="value")
        .with_columns(pl.col("statistic").replace_strict(labels, default=pl.col("statistic")))
    )
    # Each point's value as the one duration formatter writes it (one row per period and statistic).
    written = [fmt.duration(x * size) if x is not None else "" for x in long["value"].to_list()]
    long = long.with_columns(written=pl.Series(written, dtype=pl.String))
    if log:
        # A log axis has no zero: it starts at the round duration below the lowest value or the
        # target (15 s at least); lower values sit on that floor (the tooltip keeps the true value).
        lowest = min(float(long["value"].filter(long["value"] > 0).min() or 1.0), (sla_seconds or math.inf) / size)  # type: ignore[arg-type]
        floor = max([t for t in _TICKS_MIN if t <= lowest * 0.9] or [_TICKS_MIN[0]])
        long = long.with_columns(pl.col("value").clip(lower_bound=floor))
        top = max(float(long["value"].max() or 1.0), (sla_seconds or 0) / size, 1.0)  # type: ignore[arg-type]
        y_scale = alt.Scale(type="log", domain=[floor, top * 1.2], nice=False)
        y_axis = _log_time_axis(floor, top)
        y_title = _("Response time (log scale)")
    else:
        y_scale = alt.Scale(domainMin=0)
        y_axis = alt.Axis(format=",.2~f")
        y_title = _('Response time ({unit})').format(unit=unit)
    word = _EVERY_WORD.get(every, "period")
    base = alt.Chart(long.to_pandas())
    line = base.mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=18), invalid="break-paths-show-domains").encode(
        x=alt.X("period:T", title=None, axis=_time_axis(df["period"].to_list())),
        y=alt.Y("value:Q", title=y_title, axis=y_axis, scale=y_scale),
        color=alt.Color("statistic:N", title=None, scale=alt.Scale(domain=order, range=[BLUE, "#93c5fd", MUTED][: len(order)]), legend=alt.Legend(orient="top")),
        strokeDash=alt.StrokeDash("statistic:N", legend=None, scale=alt.Scale(domain=order, range=[[1, 0], [5, 3], [2, 2]][: len(order)])),
        tooltip=[
            alt.Tooltip("period:T", title=_per(word, 2), format="%a %d %b %Y"),
            alt.Tooltip("statistic:N", title=_("Statistic")),
            alt.Tooltip("written:N", title=_("Response time")),
        ],
    )
    layers: list[Any] = [line]
    if sla_seconds:
        # The target is labelled on the chart (not only in a tooltip): "SLA target 1 h".
        target = {"y": sla_seconds / size, "label": _("SLA target {duration}").format(duration=fmt.duration(sla_seconds))}
        rule = alt.Chart(alt.Data(values=[target]))
        layers += [
            rule.mark_rule(color=RED, strokeDash=[4, 4]).encode(
                y=alt.Y("y:Q", scale=y_scale), tooltip=[alt.Tooltip("label:N", title=_("Target"))]
            ),
            rule.mark_text(align="left", baseline="bottom", dx=4, dy=-3, color=RED, fontSize=11, fontWeight="bold").encode(
                x=alt.value(0), y=alt.Y("y:Q", scale=y_scale), text="label:N"
            ),
        ]
    return _finish(alt.layer(*layers).properties(title=_title(title, subtitle)))


def _weekdays() -> list[str]:
    """Monday ... Sunday, abbreviated in the current language (``Mon`` / ``lun.`` / ``lun``)."""
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=get_language())
    return [str(names[i]) for i in range(7)]


def _day_name(col: str) -> pl.Expr:
    return pl.col(col).replace_strict(dict(enumerate(_weekdays(), start=1)), return_dtype=pl.String)


def hour_of_week_heatmap(
    df: pl.DataFrame,
    *,
    value: str,
    title: str,
    value_title: str,
    fmt: str = ",.0f",
    scheme: str = "blues",
    open_hours: pl.DataFrame | None = None,
    subtitle: str | None = None,
) -> Any:
    """Weekday (1 = Monday) x hour heatmap of ``value``; open hours outlined when given.

    Clicking a cell selects it (selection ``pick`` on fields ``weekday``, ``hour``).
    """
    data = df.select(
        pl.col("weekday").cast(pl.Int64),
        pl.col("hour").cast(pl.Int64),
        pl.col(value).cast(pl.Float64).alias("value"),
    ).with_columns(day=_day_name("weekday"))
    pick = alt.selection_point(name=PICK, fields=["weekday", "hour"], on="click")
    # One extreme cell (a reply years late) must not wash out the rest: the colour scale stops
    # at the 95th percentile and clamps (the tooltip keeps the true value). The percentile is
    # taken over the cells with something in them: in a sparse log most cells are empty, and a
    # percentile of zeros would clamp a busy hour to the colour of a single message.
    filled = data["value"].filter(data["value"] > 0)
    top = filled.quantile(0.95, "linear") if filled.len() >= 20 else None
    clamped = top is not None and top > 0 and float(data["value"].max() or 0) > 2 * float(top)  # type: ignore[operator]
    color_scale = alt.Scale(scheme=scheme, domainMax=float(top), clamp=True) if clamped else alt.Scale(scheme=scheme)
    legend_fmt = fmt
    legend_max = float(top) if clamped else float(data["value"].max() or 0)  # type: ignore[arg-type]
    if fmt == ",.0f" and legend_max < 10:
        legend_fmt = ",.1~f"  # a legend of small values must not read "0 1 1 2 2"
        fmt = ",.1f" if float(data["value"].max() or 0) < 10 else fmt  # type: ignore[arg-type]
    base = alt.Chart(data.to_pandas())
    x = alt.X("hour:O", title=_("Hour of day (local time)"), axis=alt.Axis(labelAngle=0))
    y = alt.Y("day:N", title=None, sort=_weekdays())
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        x=x,
        y=y,
        color=alt.Color("value:Q", title=value_title, scale=color_scale, legend=alt.Legend(orient="right", format=legend_fmt)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[
            alt.Tooltip("day:N", title=_("Day")),
            alt.Tooltip("hour:O", title=_("Hour")),
            alt.Tooltip("value:Q", title=value_title, format=fmt),
        ],
    ).add_params(pick)
    layers: list[Any] = [cells]
    if open_hours is not None and open_hours.height:
        oh = open_hours.filter(pl.col("open_fraction") > 0).select(
            pl.col("weekday").cast(pl.Int64), pl.col("hour").cast(pl.Int64)
        ).with_columns(day=_day_name("weekday"))
        layers.append(
            alt.Chart(oh.to_pandas())
            .mark_rect(fillOpacity=0, stroke=INK, strokeWidth=1.2)
            .encode(x="hour:O", y=alt.Y("day:N", sort=_weekdays()))
        )
    sub = subtitle or (_("Outlined cells: opening hours") if open_hours is not None else None)
    return _finish(alt.layer(*layers).properties(title=_title(title, sub)), height=230)


#: Ticks of every log time axis, in minutes (15 s ... 30 days), labelled by the one duration
#: formatter (:func:`toolkit.present.format.duration`) in the reader's language.
_TICKS_MIN = [0.25, 1, 5, 15, 60, 240, 1440, 4320, 10080, 43200]

#: A response-time axis turns logarithmic when its highest value is more than this many times the
#: level that must stay readable (the SLA target, or the median of the values drawn).
LOG_AXIS_SPREAD = 10.0


def _log_time_axis(lo_min: float, hi_min: float, **axis: Any) -> alt.Axis:
    """A log axis in minutes with ticks at round durations between ``lo_min`` and ``hi_min``,
    labelled as durations ("15 min", "4 h", "3 days") in the reader's language."""
    ticks = [t for t in _TICKS_MIN if lo_min <= t <= hi_min * 1.5]
    labels = {t: fmt.duration(t * 60).replace("'", "\\'") for t in ticks}
    label_expr = " : ".join(f"datum.value == {t:g} ? '{labels[t]}'" for t in ticks) + " : ''"
    return alt.Axis(values=ticks, labelExpr=label_expr, grid=True, **axis)


def duration_axis(values_s: Sequence[Any], target_s: float | None = None) -> tuple[bool, str, float]:
    """The one rule for a response-time axis: ``(log, unit, size)``.

    Linear, in the unit that fits the highest value and the target
    (:func:`toolkit.present.format.duration_unit`), while everything drawn is within
    :data:`LOG_AXIS_SPREAD` times the level a reader must read (the SLA target, or the median of
    the values when it is lower). Beyond that (medians of minutes and 90th percentiles of tens of
    hours) a linear axis flattens the target line and the medians against zero, so the axis is
    logarithmic, in minutes, with ticks at round durations (15 s, 1 min, 15 min, 1 h, 1 day).

    >>> duration_axis([600, 1200, 1800], 3600)
    (False, 'minutes', 60.0)
    >>> duration_axis([300, 600, 36 * 3600], 3600)
    (True, 'minutes', 60.0)
    """
    vals = sorted(v for v in (fmt._finite(x) for x in values_s) if v is not None and v > 0)
    top = vals[-1] if vals else 0.0
    low = vals[len(vals) // 2] if vals else 0.0
    if target_s:
        low = min(low, float(target_s)) if low else float(target_s)
    if low > 0 and top > LOG_AXIS_SPREAD * low:
        return True, fmt.duration_unit([600])[0], 60.0
    unit, size = fmt.duration_unit([top, target_s or 0])
    return False, unit, size


def distribution_chart(
    seconds: pl.Series,
    *,
    title: str,
    sla_seconds: float | None = None,
    subtitle: str | None = None,
    bins: int = 36,
) -> Any:
    """Histogram of durations on a log time axis (1 min ... days), median and SLA target marked.

    Response times span seconds to days; a log axis shows the quick replies and the overnight
    waits in one readable picture. Durations under 30 s are counted in the first bin.
    """
    import numpy as np

    s = seconds.drop_nulls().cast(pl.Float64)
    minutes = (s / 60).clip(lower_bound=0.5).to_numpy()
    median = float(s.median() or 0) if s.len() else 0.0
    hi = max(float(minutes.max()) if minutes.size else 1.0, 2.0)
    edges = np.logspace(np.log10(0.5), np.log10(hi * 1.001), bins + 1)
    counts, _bins = np.histogram(minutes, bins=edges)
    data = pl.DataFrame({"start": edges[:-1], "end": edges[1:], "turns": counts})
    sub = subtitle or _("{turns} turns · median {median} · log time axis").format(turns=fmt.count(s.len()), median=fmt.duration(median))
    x_scale = alt.Scale(type="log", domain=[0.5, float(edges[-1])], nice=False)
    bars = (
        alt.Chart(data.to_pandas())
        .mark_rect(color="#93c5fd", stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start:Q", scale=x_scale, title=_("Response time (log scale)"), axis=_log_time_axis(0.5, hi)),
            x2="end:Q",
            y=alt.Y("turns:Q", title=_("Turns"), axis=alt.Axis(format=",d", tickMinStep=1)),
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip("start:Q", title=_("From (minutes)"), format=",.1f"),
                alt.Tooltip("end:Q", title=_("To (minutes)"), format=",.1f"),
                alt.Tooltip("turns:Q", title=_("Turns"), format=","),
            ],
        )
    )
    marks = [{"x": max(median / 60, 0.5), "label": _("median {d}").format(d=fmt.duration(median)), "kind": "median"}]
    if sla_seconds:
        marks.append({"x": max(sla_seconds / 60, 0.5), "label": _("SLA {d}").format(d=fmt.duration(sla_seconds)), "kind": "SLA target"})
    rules_data = alt.Data(values=marks)
    color = alt.Color("kind:N", scale=alt.Scale(domain=["median", "SLA target"], range=[INK, RED]), legend=None)
    rules = alt.Chart(rules_data).mark_rule(strokeWidth=2).encode(
        x=alt.X("x:Q", scale=x_scale),
        color=color,
        strokeDash=alt.StrokeDash("kind:N", scale=alt.Scale(domain=["median", "SLA target"], range=[[1, 0], [5, 4]]), legend=None),
    )
    texts = [
        alt.Chart(alt.Data(values=[m]))
        .mark_text(align="left", dx=4, baseline="top", fontSize=11, fontWeight="bold")
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.value(2 + 16 * i), text="label:N", color=color)
        for i, m in enumerate(marks)
    ]
    return _finish(alt.layer(bars, rules, *texts).properties(title=_title(title, sub)), height=240)


def _whole_ticks(fmt: str) -> alt.Axis:
    """An axis whose labels have no decimals ticks on whole numbers only: values from 0 to 4.3
    read "0 1 2 3 4", not "0 0 0 1 1 1 1 2 2 ..." (ticks every 0.2 rounded).

    >>> _whole_ticks(",.0f").tickMinStep, _whole_ticks(".0%").tickMinStep
    (1, Undefined)
    """
    if fmt.endswith(".0f"):
        return alt.Axis(format=fmt, tickMinStep=1)
    return alt.Axis(format=fmt)


def ranked_bars(
    df: pl.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    value_title: str,
    fmt: str = ",.0f",
    subtitle: str | None = None,
    highlight: str | None = None,
    reference: float | None = None,
    reference_label: str = "",
    top: int = 25,
    color: str = BLUE,
    text: str | None = None,
) -> Any:
    """Horizontal bars sorted by value (largest first); optional highlight column (bool) and
    a reference rule (e.g. the team median). ``text``: a column holding each bar's label as
    written (e.g. ``"1 min 40 s"`` where a number on the hours axis would read ``0.0``)."""
    data = df.filter(pl.col(value).is_not_null()).sort(value, descending=True).head(top)
    cols = [label, value, *([highlight] if highlight and highlight in data.columns else []),
            *([text] if text and text in data.columns else [])]
    pdf = data.select(pl.col(label).cast(pl.String).fill_null("(none)"), *cols[1:]).to_pandas()
    enc_color: Any = alt.value(color)
    if highlight and highlight in data.columns:
        enc_color = alt.condition(f"datum['{highlight}']", alt.value(ORANGE), alt.value(color))
    bars = (
        alt.Chart(pdf)
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)),
            x=alt.X(f"{value}:Q", title=value_title, axis=_whole_ticks(fmt.replace(".1f", ".0f"))),
            color=enc_color,
            tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", title=value_title, format=fmt)],
        )
    )
    labels = bars.mark_text(align="left", dx=3, color=INK, fontSize=11).encode(
        text=alt.Text(f"{text}:N") if text and text in data.columns else alt.Text(f"{value}:Q", format=fmt),
        color=alt.value(INK),
    )
    layers: list[Any] = [bars, labels]
    if reference is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"x": reference, "label": reference_label}]))
            .mark_rule(color=INK, strokeDash=[4, 3])
            .encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title=_("Reference"))])
        )
    height = max(120, 22 * len(pdf))
    return _finish(alt.layer(*layers).properties(title=_title(title, subtitle)), height=height)


def survival_chart(
    curve: pl.DataFrame,
    *,
    title: str = N_("Share of turns still waiting for a reply"),
    naive_median_s: float | None = None,
    km_median_s: float | None = None,
    horizon_s: float | None = 7 * 86400,
) -> Any:
    """The Kaplan-Meier time-to-reply curve (:func:`toolkit.measures.outcomes.reply_survival`),
    as a step line on a log time axis (1 min, 15 min, 1 h, 1 day...: the first minutes, where
    most replies happen, are not squashed against zero by a week-long tail), with the honest
    (Kaplan-Meier) and the naive answered-only medians marked."""
    data = curve if horizon_s is None else curve.filter(pl.col("seconds") <= horizon_s)
    floor_s = 30.0  # the axis starts at half a minute (a log axis has no zero)
    top_s = max(float(data["seconds"].max() or 0.0), 3600.0) if data.height else 3600.0
    if data.height > 600:  # a step per reply is more than a chart can show: 500 steps, even on the log axis
        step = (math.log(top_s) - math.log(floor_s)) / 500
        data = data.group_by(
            ((pl.col("seconds").clip(lower_bound=floor_s).log() - math.log(floor_s)) / step).floor().alias("_bucket"),
            maintain_order=True,
        ).agg(pl.col("seconds").first(), pl.col("still_waiting").last(), pl.col("at_risk").first())
    pdf = data.select(
        (pl.col("seconds").clip(lower_bound=floor_s) / 60).alias("minutes"),
        pl.col("still_waiting"),
        pl.col("at_risk"),
    ).to_pandas()
    x_scale = alt.Scale(type="log", domain=[floor_s / 60, top_s / 60])
    line = (
        alt.Chart(pdf)
        .mark_line(interpolate="step-after", color=BLUE, strokeWidth=2)
        .encode(
            x=alt.X("minutes:Q", title=_("Time after the customer wrote (log scale)"), scale=x_scale,
                    axis=_log_time_axis(floor_s / 60, top_s / 60)),
            y=alt.Y("still_waiting:Q", title=_("Turns still waiting"), axis=alt.Axis(format=".0%"),
                    scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("minutes:Q", title=_("Minutes"), format=",.1f"),
                     alt.Tooltip("still_waiting:Q", title=_("Still waiting"), format=".1%"),
                     alt.Tooltip("at_risk:Q", title=_("Turns still waiting before"), format=",.0f")],
        )
    )
    layers: list[Any] = [line]
    marks = []
    if km_median_s is not None:
        marks.append({"minutes": max(km_median_s, 30.0) / 60, "label": _("median, unanswered included: {d}").format(d=fmt.duration(km_median_s)), "c": "km"})
    if naive_median_s is not None:
        marks.append({"minutes": max(naive_median_s, 30.0) / 60, "label": _("median of answered turns only: {d}").format(d=fmt.duration(naive_median_s)), "c": "naive"})
    if marks:
        layers.append(
            alt.Chart(alt.Data(values=marks))
            .mark_rule(strokeDash=[4, 3])
            .encode(
                x=alt.X("minutes:Q", scale=x_scale),
                color=alt.Color("label:N", title=None, scale=alt.Scale(range=[BLUE, ORANGE]),
                                legend=alt.Legend(orient="top", labelLimit=400)),
                tooltip=[alt.Tooltip("label:N", title=_("Marker"))],
            )
        )
    layers.append(
        alt.Chart(alt.Data(values=[{"y": 0.5}])).mark_rule(color=MUTED, strokeDash=[2, 2]).encode(y="y:Q")
    )
    subtitle = _("Unanswered turns count as still waiting until the end of the data.")
    return _finish(alt.layer(*layers).properties(title=_title(_(title), subtitle)))


def comparison_chart(rows: pl.DataFrame, *, title: str, a_label: str = "A", b_label: str = "B") -> Any:
    """Side-by-side values of one metric family for two groups (rows: metric, a, b)."""
    long = rows.select("metric", pl.col("a").cast(pl.Float64).alias(a_label), pl.col("b").cast(pl.Float64).alias(b_label)).unpivot(
        index="metric", variable_name="group", value_name="value"
    )
    chart = (
        alt.Chart(long.to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("metric:N", title=None),
            yOffset=alt.YOffset("group:N"),
            x=alt.X("value:Q", title=_("Value")),
            color=alt.Color("group:N", title=None, scale=alt.Scale(range=[BLUE, ORANGE])),
            tooltip=["metric:N", "group:N", alt.Tooltip("value:Q", format=",.2f")],
        )
    )
    return _finish(chart.properties(title=_title(title)), height=max(140, 44 * rows.height))


def sentiment_mix(df: pl.DataFrame, *, every: str = "1w") -> Any:
    """Stacked shares of negative / neutral / positive customer messages per period.

    ``df``: ``period`` and ``negative_share``, ``neutral_share``, ``positive_share`` (as from
    :func:`toolkit.sentiment_series`).
    """
    word = _EVERY_WORD.get(every, "period")
    period = pl.col("period").dt.replace_time_zone(None) if getattr(df.schema["period"], "time_zone", None) else pl.col("period")
    order = ["Negative", "Neutral", "Positive"]
    long = df.select(
        period, pl.col("negative_share").alias("Negative"), pl.col("neutral_share").alias("Neutral"),
        pl.col("positive_share").alias("Positive"),
    ).unpivot(index="period", variable_name="label", value_name="share")
    chart = (
        alt.Chart(long.to_pandas())
        .mark_area()
        .encode(
            x=alt.X("period:T", title=None, axis=_time_axis(long["period"].to_list())),
            y=alt.Y("share:Q", stack="normalize", title=_("Share of customer messages"), axis=alt.Axis(format="%")),
            color=alt.Color("label:N", title=None, sort=order, scale=alt.Scale(domain=order, range=[RED, "#d1d5db", GREEN])),
            order=alt.Order("label:N"),
            tooltip=[alt.Tooltip("period:T", title=_per(word, 2), format="%d %b %Y"), alt.Tooltip("label:N", title=_("Sentiment")),
                     alt.Tooltip("share:Q", title=_("Share"), format=".0%")],
        )
        .properties(title=_title(_per(word, 1), _("Share of customer messages by sentiment label")))
    )
    return _finish(chart, height=240)


def transition_heatmap(moves: pl.DataFrame, *, within: str = "48 h") -> Any:
    """Customers' channel switches: from-channel rows x to-channel columns, moves in the cells.

    ``moves``: ``from_channel``, ``to_channel``, ``moves`` (and optionally ``moves_after_wait``),
    as from :func:`toolkit.transition_matrix`.
    """
    extra = [alt.Tooltip("moves_after_wait:Q", title=_("after waiting > 24 h"), format=",")] if "moves_after_wait" in moves.columns else []
    base = alt.Chart(moves.to_pandas()).encode(
        x=alt.X("to_channel:N", title=_("To channel"), axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("from_channel:N", title=_("From channel")),
    )
    top = float(moves["moves"].max() or 0)
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("moves:Q", title=_("Moves"), scale=alt.Scale(scheme="purples"), legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("from_channel:N", title=_("From")), alt.Tooltip("to_channel:N", title=_("To")),
                 alt.Tooltip("moves:Q", title=_("Moves"), format=","), *extra],
    )
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("moves:Q", format=","),
        color=alt.condition(f"datum.moves > {top * 0.55}", alt.value("white"), alt.value(INK)),
    )
    height = max(200, 44 * moves["from_channel"].n_unique())
    title = _title(_("Channel switches within {within}").format(within=within), _("Customers' moves from one channel to another (number of moves)"))
    return _finish(alt.layer(cells, labels).properties(title=title), height=height)


def difference_chart(result: pl.DataFrame, *, labels: dict[str, str] | None = None) -> Any | None:
    """Response-time differences of a :func:`toolkit.compare` result with their 95% intervals.

    One row per time measure (``kind == "time"``) that was tested (it has an interval), sorted by
    the difference; significant ones (p < 0.05) in orange. Seconds in, shown in minutes or hours. None when there is nothing to draw.
    """
    # Only measures that were tested: a difference without its interval (too few turns on a side)
    # is a number a reader cannot weigh.
    times = result.filter((pl.col("kind") == "time") & pl.col("difference").is_not_null() & pl.col("ci_low").is_not_null())
    if times.height == 0:
        return None
    # The unit fits the largest difference (most measures may differ by nothing).
    unit, size = fmt.duration_unit(times["difference"].abs().to_list())
    names = labels or {}
    data = times.select(
        pl.col("metric").replace_strict(names, default=pl.col("metric")),
        (pl.col("difference") / size).alias("diff"), (pl.col("ci_low") / size).alias("lo"), (pl.col("ci_high") / size).alias("hi"),
        significant=(pl.col("p_value") < 0.05).fill_null(False),
    ).sort("diff", descending=True)
    a_label, b_label = result["a_label"][0], result["b_label"][0]
    order = data["metric"].to_list()
    base = alt.Chart(data.to_pandas()).encode(y=alt.Y("metric:N", title=None, sort=order, axis=alt.Axis(labelLimit=380)))
    x_title = _("Difference {a} − {b} ({unit}, 95% interval)").format(a=a_label, b=b_label, unit=unit)
    chart = alt.layer(
        base.mark_rule(strokeWidth=2, color=MUTED).encode(x=alt.X("lo:Q", title=x_title), x2="hi:Q"),
        base.mark_point(filled=True, size=80).encode(
            x="diff:Q",
            color=alt.condition("datum.significant", alt.value(ORANGE), alt.value(MUTED)),
            tooltip=[alt.Tooltip("metric:N", title=_("Measure")), alt.Tooltip("diff:Q", format="+,.1f", title=unit.title()),
                     alt.Tooltip("lo:Q", format="+,.1f", title=_("95% from")), alt.Tooltip("hi:Q", format="+,.1f", title=_("95% to"))],
        ),
        alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=INK).encode(x="x:Q"),
    ).properties(title=_title(_("Response-time differences"), _("Orange: the difference is likely real · lines: 95% intervals")))
    return _finish(chart, height=max(140, 26 * data.height))


def chart_png(
    chart: Any, *, scale: float = 2.0, context: Sequence[str] = (), title: str | None = None, width: int = 760
) -> bytes:
    """The chart as PNG bytes (vl-convert, offline), for downloads and reports.

    ``context`` lines (the date range, the filters) are written under the chart's title inside
    the image, so a copied or forwarded picture still says what it shows; see :func:`export_spec`.
    """
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart, context=context, title=title, width=width), scale=scale)


def chart_svg(chart: Any, *, context: Sequence[str] = (), title: str | None = None) -> str:
    """The chart as SVG text (vl-convert, offline), with ``context`` lines under its title.

    >>> import polars as pl
    >>> c = alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q").properties(title="Speed")
    >>> svg = chart_svg(c, context=["Dates: 2025-01-01 to 2025-01-31", "Channel: <email>"])
    >>> "Speed" in svg and "2025-01-31" in svg and "Channel: &lt;email&gt;" in svg
    True
    """
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart, context=context, title=title))


#: Characters per subtitle line in an exported chart (about the 760-pixel width at 12 px).
_CONTEXT_WIDTH = 110


def chart_title(chart: Any) -> str:
    """The chart's title text ("" when it has none), e.g. for a file name.

    >>> import polars as pl
    >>> chart_title(alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().properties(title="Speed"))
    'Speed'
    """
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(x) for x in title)
    return str(title or "")


def export_spec(chart: Any, *, context: Sequence[str] = (), title: str | None = None, width: int = 760) -> dict[str, Any]:
    """The Vega-Lite spec written to a PNG/SVG file: a fixed ``width`` (pixels) for a chart that
    fills its container in the app, and the chart's title followed by its own subtitle and the
    ``context`` lines (wrapped to the chart's width).

    Title and subtitle are plain text in Vega (no markup), so data values and file names can be
    passed as they are.

    Examples
    --------
    >>> import polars as pl
    >>> c = alt.Chart(pl.DataFrame({"a": [1]})).mark_bar().properties(title=alt.TitleParams("Speed", subtitle="median"))
    >>> export_spec(c, context=["Dates: 2025-01-01 to 2025-01-31"])["title"]["subtitle"]
    ['median', 'Dates: 2025-01-01 to 2025-01-31']
    """
    import textwrap

    spec = chart.to_dict()
    # "container" width needs a browser; a fixed width for files.
    if spec.get("width") == "container":
        spec["width"] = width
    for layer in spec.get("layer", []):
        if layer.get("width") == "container":
            layer["width"] = width
    if not context and title is None:
        return spec
    own = spec.get("title")
    own_sub: list[str] = []
    if isinstance(own, dict):
        sub = own.get("subtitle") or []
        own_sub = [str(x) for x in ([sub] if isinstance(sub, str) else sub) if x]
    lines = own_sub + [
        part
        for line in context
        if line
        for part in textwrap.wrap(str(line), max(40, _CONTEXT_WIDTH * width // 760), break_on_hyphens=False)
    ]
    spec["title"] = {
        "text": title if title is not None else chart_title(spec),
        "subtitle": lines,
        "anchor": "start",
        "subtitlePadding": 4,
        "offset": 14,
    }
    return spec
