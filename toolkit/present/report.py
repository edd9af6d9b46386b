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

__all__ = ["Cards", "Figure", "Table", "Text", "html_report"]


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
    more = f"<p class='meta'>First {t.max_rows} of {fmt.count(t.frame.height)} rows.</p>" if t.frame.height > t.max_rows else ""
    return f"<h2>{html.escape(t.title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def html_report(
    *,
    title: str,
    dataset: str,
    filters: Sequence[str],
    sections: Sequence[Cards | Figure | Table | Text],
) -> str:
    """Render the sections into one HTML page."""
    from toolkit.present.charts import chart_svg

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        (
            f"<div class='meta'>{html.escape(dataset)} · {' · '.join(html.escape(x) for x in filters)} · "
            f"generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC</div>"
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
        else:
            parts.append(f"<p>{html.escape(s.text)}</p>")
    parts.append("</body></html>")
    return "".join(parts)
