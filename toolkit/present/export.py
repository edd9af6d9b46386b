"""Exports that are safe to open: CSV with spreadsheet formula cells neutralised, file names
that say what and when (:func:`export_name`).

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)`` becomes a clickable phishing link, ``+cmd|' /C calc'!A0`` can start
a program), and one starting with a tab or carriage return after trimming. Data values in a
message log come from the public (customer handles, message text, channel names), so every CSV
the toolkit writes, from the app's downloads and from ``python -m toolkit ... --format csv``, goes
through :func:`safe_csv`.

The neutralised value stays readable: a single quote is put in front (``'=HYPERLINK(...)``), the
convention spreadsheets themselves use for "this is text". Numbers stay numbers: numeric columns
are never touched, and a text cell that is a plain number (``-2``, ``+1.5``, ``-3e4``) is left as
it is, since a spreadsheet reads it as that number and runs nothing.

>>> import polars as pl
>>> print(safe_csv(pl.DataFrame({"text": ["=1+1", "hello", "-2"], "n": [-1, 2, 3]})), end="")
text,n
'=1+1,-1
hello,2
-2,3
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import cast

import polars as pl

__all__ = ["FORMULA_PREFIXES", "export_name", "neutralise_formulas", "safe_cell", "safe_csv"]

#: First characters that make a spreadsheet treat a CSV cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_STARTS_LIKE_FORMULA = r"^[=+\-@\t\r]"
#: A plain number a spreadsheet reads as a number (kept as is): optional sign, digits, decimals,
#: exponent. ``-2+3`` is not one (a spreadsheet computes it).
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_PLAIN_NUMBER_RE = re.compile(_PLAIN_NUMBER)


def safe_cell(value: str) -> str:
    """One text value as a spreadsheet shows it without running it (for headers and single cells).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("-2.5"), safe_cell("-2+3+cmd"), safe_cell("ok")
    ('-2.5', "'-2+3+cmd", 'ok')
    """
    if value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER_RE.match(value):
        return "'" + value
    return value


def _safe_expr(name: str) -> pl.Expr:
    col = pl.col(name).cast(pl.String)
    risky = col.str.contains(_STARTS_LIKE_FORMULA) & ~col.str.contains(_PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name)


def neutralise_formulas(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """The frame with every text cell and column name that a spreadsheet would run made inert.

    Text columns (``String``, ``Categorical``, ``Enum``) become ``String`` columns whose risky cells
    start with a single quote; other columns (numbers, dates, booleans) are unchanged. Nested
    columns are left alone: CSV cannot hold them, flatten them first. Column names coming from data
    (a pivot by channel, say) are neutralised the same way.

    Parameters
    ----------
    frame
        A polars DataFrame or LazyFrame (the work stays lazy for a LazyFrame).

    Returns
    -------
    DataFrame or LazyFrame
        Same kind as the input, same columns in the same order.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"v": ["@SUM(A1:A9)", "+cmd|' /C calc'!A0", "fine"], "x": [-1.5, 0.0, 2.0]})
    >>> neutralise_formulas(df)["v"].to_list()
    ["'@SUM(A1:A9)", "'+cmd|' /C calc'!A0", 'fine']
    """
    schema = frame.collect_schema()
    text = [c for c, t in schema.items() if t == pl.String or isinstance(t, (pl.Categorical, pl.Enum))]
    out = frame.with_columns(_safe_expr(c) for c in text) if text else frame
    renames = {c: safe_cell(c) for c in schema.names() if safe_cell(c) != c}
    return out.rename(renames) if renames else out


def safe_csv(frame: pl.DataFrame, **kwargs: object) -> str:
    """``frame`` as CSV text with formula cells neutralised (see :func:`neutralise_formulas`).

    ``kwargs`` go to :meth:`polars.DataFrame.write_csv` (``separator``, ``include_header`` ...).

    >>> import polars as pl
    >>> print(safe_csv(pl.DataFrame({"name": ["@SUM(A1)"]})), end="")
    name
    '@SUM(A1)
    """
    return cast("pl.DataFrame", neutralise_formulas(frame)).write_csv(**kwargs)  # type: ignore[arg-type]


#: Longest "what" part of a file name (characters).
_NAME_LENGTH = 60


def export_name(what: str, start: dt.date | None = None, end: dt.date | None = None, *, ext: str) -> str:
    """A download's file name that says what and when: ``first-response-time_2017-10-01_2017-10-31.png``.

    ``what`` (a chart title, a page name, possibly in French or Italian, possibly holding data
    values) becomes lower-case ASCII words joined by hyphens: accents dropped, every other
    character (path separators, control characters, quotes, dots) a separator, at most 60
    characters; nothing left gives ``export``. The dates are ISO dates; ``ext`` is letters and
    digits only. So the name never carries a path, a hidden-file dot or a character a file system
    or a ``Content-Disposition`` header would choke on.

    Examples
    --------
    >>> import datetime as dt
    >>> export_name("First response time", dt.date(2017, 10, 1), dt.date(2017, 10, 31), ext="png")
    'first-response-time_2017-10-01_2017-10-31.png'
    >>> export_name("../../etc/passwd\\x00 <b>Délai</b>", ext="pdf")
    'etc-passwd-b-delai-b.pdf'
    >>> export_name("", dt.date(2025, 1, 1), dt.date(2025, 1, 1), ext=".csv")
    'export_2025-01-01.csv'
    """
    ascii_text = unicodedata.normalize("NFKD", str(what)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:_NAME_LENGTH].strip("-") or "export"
    when = [d.isoformat() for d in (start, end) if d is not None]
    if len(when) == 2 and when[0] == when[1]:
        when = when[:1]
    suffix = re.sub(r"[^A-Za-z0-9]", "", ext) or "bin"
    return "_".join([slug, *when]) + "." + suffix
