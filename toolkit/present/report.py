"""A one-page HTML report of an app view: KPI cards, charts (inline SVG), tables.

Self-contained (no scripts, no external files), so it can be mailed or printed.

>>> import polars as pl
>>> html = html_report(title="Overview", dataset="sample", filters=["SLA target: 60 min"],
...                    sections=[Cards([("Reply rate", "93.0%", "+1.2 pts")]),
...                              Table("Top", pl.DataFrame({"a": [1]}))])
>>> "<h1>Overview</h1>" in html and "93.0%" in html
True
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from toolkit.present import format as fmt
from toolkit.present import tables
from toolkit.present.i18n import _

__all__ = [
    "Bullets",
    "Cards",
    "Figure",
    "Table",
    "Text",
    "comparison_export",
    "comparison_sentences",
    "html_report",
]


@dataclass(frozen=True)
class Cards:
    """KPI cards: (label, value, change) triples."""

    items: Sequence[tuple[str, str, str]]


@dataclass(frozen=True)
class Figure:
    """An altair chart, embedded as SVG."""

    chart: Any
    caption: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    frame: pl.DataFrame
    max_rows: int = 30


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Bullets:
    """A titled list of short lines (e.g. one sentence per compared measure)."""

    title: str
    lines: Sequence[str]


_CSS = """
body{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2937;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}
.meta{color:#6b7280;font-size:12px;margin-bottom:14px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:10px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px}
.card .l{font-size:12px;color:#6b7280}.card .v{font-size:22px;font-weight:600}.card .d{font-size:12px;color:#374151}
table{border-collapse:collapse;font-size:12px;width:100%}th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left}
th{background:#f9fafb}figure{margin:12px 0}figcaption{font-size:12px;color:#6b7280}
@media print{body{margin:0}}
"""


def _cell(value: Any) -> str:
    if value is None:
        return fmt.MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return fmt.number(value, decimals=2)
    if isinstance(value, int):
        return fmt.count(value)
    return html.escape(str(value))


def _table(t: Table) -> str:
    df = t.frame.head(t.max_rows)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(x)}</td>" for x in row) + "</tr>" for row in df.iter_rows())
    shown = _("First {shown} of {total} rows.").format(shown=fmt.count(t.max_rows), total=fmt.count(t.frame.height))
    more = f"<p class='meta'>{html.escape(shown)}</p>" if t.frame.height > t.max_rows else ""
    return f"<h2>{html.escape(t.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def html_report(
    *,
    title: str,
    dataset: str,
    filters: Sequence[str],
    sections: Sequence[Cards | Figure | Table | Text | Bullets],
) -> str:
    """Render the sections into one HTML page."""
    from toolkit.present.charts import chart_svg

    generated = _("Generated {when} UTC").format(when=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        (
            f"<div class='meta'>{html.escape(dataset)} · {' · '.join(html.escape(x) for x in filters)} · "
            f"{html.escape(generated)}</div>"
        ),
    ]
    for s in sections:
        if isinstance(s, Cards):
            parts.append("<div class='cards'>")
            for label, value, delta in s.items:
                parts.append(
                    f"<div class='card'><div class='l'>{html.escape(label)}</div>"
                    f"<div class='v'>{html.escape(value)}</div><div class='d'>{html.escape(delta)}</div></div>"
                )
            parts.append("</div>")
        elif isinstance(s, Figure):
            parts.append(f"<figure>{chart_svg(s.chart)}<figcaption>{html.escape(s.caption)}</figcaption></figure>")
        elif isinstance(s, Table):
            parts.append(_table(s))
        elif isinstance(s, Bullets):
            items = "".join(f"<li>{html.escape(x)}</li>" for x in s.lines)
            parts.append(f"<h2>{html.escape(s.title)}</h2><ul>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(s.text)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


#: The comparison engine's significance level (``toolkit.compare(alpha=0.05)``).
_ALPHA = 0.05


def _unit(metric: str) -> str:
    """The registered metric's unit (``"s"`` makes a count of seconds a duration)."""
    from toolkit.core.metrics import metric_registry

    m = metric_registry().get(metric)
    return str(getattr(m, "unit", "") or "")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def comparison_sentences(result: pl.DataFrame, *, labels: dict[str, str] | None = None) -> list[str]:
    """One plain sentence per compared measure of a :func:`toolkit.compare` result.

    "First response time (median): 47 min (after) vs 53 min (before); the difference is likely
    real (p = 0.019)." A measure with a test says whether its difference is likely real (the
    test's own verdict, its ``direction``) or could be chance; a count says only the two counts
    (two groups may cover unequal stretches of time); a measure too thin to test says so; a small
    p-value whose statistic's 95% interval still includes no change says that, not "likely real".

    Examples
    --------
    >>> import polars as pl
    >>> r = pl.DataFrame({"metric": ["frt_median_s", "inbound_messages"], "kind": ["time", "count"],
    ...     "a_label": ["after", "after"], "b_label": ["before", "before"], "a": [2820.0, 10.0],
    ...     "b": [3180.0, 12.0], "p_value": [0.019, None], "direction": ["better", None]})
    >>> for line in comparison_sentences(r, labels={"frt_median_s": "first response time (median)",
    ...                                           "inbound_messages": "inbound messages"}):
    ...     print(line)
    First response time (median): 47 min (after) vs 53 min (before); the difference is likely real (p = 0.019).
    Inbound messages: 10 (after) vs 12 (before).
    """
    from toolkit.analysis.compare import NOT_ENOUGH

    names = labels or {}
    out = []
    for r in result.iter_rows(named=True):
        kind, unit = str(r.get("kind") or "value"), _unit(str(r["metric"]))
        fields = {
            "measure": _capital(names.get(r["metric"]) or tables.header(str(r["metric"]))),
            "a": fmt.measure(r.get("a"), kind=kind, unit=unit),
            "b": fmt.measure(r.get("b"), kind=kind, unit=unit),
            "a_label": r.get("a_label") or "A",
            "b_label": r.get("b_label") or "B",
        }
        p = r.get("p_value")
        direction = r.get("direction")
        if p is None and kind == "count":
            out.append(_("{measure}: {a} ({a_label}) vs {b} ({b_label}).").format(**fields))
        elif p is None or direction == NOT_ENOUGH:
            out.append(_("{measure}: {a} ({a_label}) vs {b} ({b_label}); too few to test.").format(**fields))
        elif direction not in (None, "no significant difference"):
            out.append(_("{measure}: {a} ({a_label}) vs {b} ({b_label}); the difference is likely real ({p}).").format(
                p=fmt.p_value(p), **fields))
        elif p < _ALPHA:
            # The test sees a difference in the distributions, the interval of this statistic
            # includes no change (the engine's own verdict): no small p next to "could be chance".
            out.append(_(
                "{measure}: {a} ({a_label}) vs {b} ({b_label}); no clear difference: the 95% interval "
                "of the difference includes no change ({p})."
            ).format(p=fmt.p_value(p), **fields))
        else:
            out.append(_("{measure}: {a} ({a_label}) vs {b} ({b_label}); the difference could be chance ({p}).").format(
                p=fmt.p_value(p), **fields))
    return out


def comparison_export(result: pl.DataFrame, *, labels: dict[str, str] | None = None) -> pl.DataFrame:
    """A :func:`toolkit.compare` result as a table a manager reads and an analyst can reuse.

    First the measure, its sentence (:func:`comparison_sentences`) and the two groups' values
    with their units as text ("1 h 52 min", "72%"); then, for analysts, the raw statistics in
    named columns: times in seconds, rates as fractions, interval bounds, p-value, test and
    group sizes.

    Examples
    --------
    >>> import polars as pl
    >>> r = pl.DataFrame({"metric": ["reply_rate"], "kind": ["rate"], "a_label": ["email"],
    ...     "b_label": ["chat"], "a": [0.9], "b": [0.8], "difference": [0.1], "ci_low": [0.05],
    ...     "ci_high": [0.15], "p_value": [0.001], "direction": ["better"], "test": ["two-proportion z-test"],
    ...     "n_a": [100], "n_b": [120]})
    >>> comparison_export(r).row(0, named=True)["email"]
    '90%'
    """
    names = labels or {}
    sentences = comparison_sentences(result, labels=names)
    a_name = str(result["a_label"][0]) if result.height and "a_label" in result.columns else "A"
    b_name = str(result["b_label"][0]) if result.height and "b_label" in result.columns else "B"
    if a_name == b_name:
        a_name, b_name = f"{a_name} (A)", f"{b_name} (B)"
    rows = []
    for r, sentence in zip(result.iter_rows(named=True), sentences, strict=True):
        kind, unit = str(r.get("kind") or "value"), _unit(str(r["metric"]))
        low, high = r.get("ci_low"), r.get("ci_high")

        def diff(x: Any, kind: str = kind, unit: str = unit) -> str:
            return fmt.measure(x, kind=kind, unit=unit, difference=True)

        rows.append({
            _("measure"): _capital(names.get(r["metric"]) or tables.header(str(r["metric"]))),
            _("in words"): sentence,
            a_name: fmt.measure(r.get("a"), kind=kind, unit=unit),
            b_name: fmt.measure(r.get("b"), kind=kind, unit=unit),
            # Counts of two groups may cover unequal stretches of time: no difference of counts.
            _("difference"): fmt.MISSING if kind == "count" else diff(r.get("difference")),
            _("95% interval"): fmt.MISSING if low is None or high is None else _("{low} to {high}").format(
                low=diff(low), high=diff(high)),
            _("p-value"): fmt.p_value(r.get("p_value"), prefix=False),
            "raw: metric": r["metric"],
            "raw: kind": kind,
            "raw: unit": "seconds" if kind == "time" or unit == "s" else "fraction" if kind == "rate" else unit,
            "raw: a": r.get("a"),
            "raw: b": r.get("b"),
            "raw: difference (a - b)": r.get("difference"),
            "raw: ci_low (95%)": low,
            "raw: ci_high (95%)": high,
            "raw: p_value": r.get("p_value"),
            "raw: test": r.get("test"),
            "raw: n_a": r.get("n_a"),
            "raw: n_b": r.get("n_b"),
        })
    schema = {
        "raw: a": pl.Float64, "raw: b": pl.Float64, "raw: difference (a - b)": pl.Float64, "raw: ci_low (95%)": pl.Float64,
        "raw: ci_high (95%)": pl.Float64, "raw: p_value": pl.Float64, "raw: n_a": pl.Int64, "raw: n_b": pl.Int64,
    }
    return pl.DataFrame(rows, schema_overrides=schema, infer_schema_length=None)
