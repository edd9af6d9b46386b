"""The customers table: one row per customer, beside the message log (SPEC "Customers table").

Canonical columns: ``customer_id`` (required, text), ``vip`` (bool), ``followers`` (int),
``monthly_revenue`` (float), ``churned_at`` (UTC time the customer left, empty if still a
customer) and ``segment`` (text); every other column is kept under its own name (a dimension).
The file formats, the quality report and the errors are those of the message loader.

>>> import polars as pl
>>> raw = pl.DataFrame({"Customer ID": ["c1", "c2"], "VIP": ["yes", "no"],
...                     "monthly_revenue": ["12,50", "$30"], "tier": ["gold", "basic"]})
>>> read_customers(raw, mapping={"customer_id": "Customer ID"}).select(
...     "customer_id", "vip", "monthly_revenue", "tier").rows()
[('c1', True, 12.5, 'gold'), ('c2', False, 30.0, 'basic')]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from toolkit.errors import DataError
from toolkit.io.load import read_table
from toolkit.io.presets._base import _columns_found
from toolkit.io.quality import QualityIssue, QualityReport, issue_from_mask
from toolkit.io.schema import UTC_DATETIME
from toolkit.io.timestamps import check_timestamps, parse_timestamps
from toolkit.present.i18n import N_, _

__all__ = ["CUSTOMER_COLUMNS", "CustomersResult", "load_customers", "read_customers"]

#: Canonical customer columns and their types (only ``customer_id`` is required).
CUSTOMER_COLUMNS: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "vip": pl.Boolean(),
    "followers": pl.Int64(),
    "monthly_revenue": pl.Float64(),
    "churned_at": UTC_DATETIME,
    "segment": pl.String(),
}

#: Other header names read as each canonical column (compared case- and separator-insensitively).
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customer", "customerid", "user_id", "author_id", "client_id", "id"),
    "vip": ("vip", "is_vip"),
    "followers": ("followers", "followers_count", "follower_count"),
    "monthly_revenue": ("monthly_revenue", "mrr", "revenue", "monthly_spend"),
    "churned_at": ("churned_at", "churn_date", "churned", "cancelled_at", "canceled_at"),
    "segment": ("segment", "customer_segment"),
}

_TRUE = ["true", "t", "yes", "y", "1", "1.0", "vip"]
_FALSE = ["false", "f", "no", "n", "0", "0.0"]


@dataclass(frozen=True)
class CustomersResult:
    """What :func:`load_customers` returns: ``customers``, ``quality``, ``mapping``."""

    customers: pl.DataFrame
    quality: QualityReport
    mapping: dict[str, str] = field(default_factory=dict)


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _resolve(columns: list[str], mapping: Mapping[str, str | None] | None) -> dict[str, str]:
    mapping = dict(mapping or {})
    unknown = [k for k in mapping if k not in CUSTOMER_COLUMNS]
    if unknown:
        raise DataError(
            _("mapping names unknown customer columns {unknown}; allowed: {allowed} (other columns are kept under their own names).").format(unknown=unknown, allowed=list(CUSTOMER_COLUMNS))
        )
    chosen: dict[str, str] = {}
    for name, source in mapping.items():
        if source is None:
            continue
        if source not in columns:
            raise DataError(
                _("mapping[{name!r}] = {source!r}: no such column in the customers file (found: {items}).").format(name=name, source=source, items=_columns_found(columns))
            )
        chosen[name] = source
    by_key = {_key(c): c for c in reversed(columns)}  # the first of equal keys wins
    for name, aliases in _ALIASES.items():
        if name in chosen or name in mapping:
            continue
        for alias in aliases:
            source = by_key.get(_key(alias))
            if source is not None and source not in chosen.values():
                chosen[name] = source
                break
    return chosen


def _text(column: str) -> pl.Expr:
    t = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(t == "").then(None).otherwise(t)


def _amount(column: str) -> pl.Expr:
    """A number written with a currency sign, spaces, a decimal comma or thousands separators."""
    t = _text(column).str.replace_all(r"[\s$€£¥\u00a0'_]", "")
    both = t.str.contains(r"\.") & t.str.contains(",")
    t = (
        pl.when(both & t.str.contains(r",\d{1,2}$"))
        .then(t.str.replace_all(r"\.", "").str.replace(",", "."))  # 1.234,50
        .when(both)
        .then(t.str.replace_all(",", ""))  # 1,234.50
        .when(t.str.contains(r"^-?\d{1,3}(?:,\d{3})+$"))
        .then(t.str.replace_all(",", ""))  # 1,234
        .otherwise(t.str.replace(",", "."))  # 12,50
    )
    return t.cast(pl.Float64, strict=False)


def _count(column: str) -> pl.Expr:
    """A whole number, also written ``12.3k`` / ``1.2M`` (social profiles show followers so)."""
    t = _text(column).str.to_lowercase().str.replace_all(r"[\s,'_\u00a0]", "")
    unit = (
        pl.when(t.str.ends_with("k")).then(1e3).when(t.str.ends_with("m")).then(1e6).otherwise(1.0)
    )
    number = t.str.replace(r"[km]$", "").cast(pl.Float64, strict=False) * unit
    return pl.when(number.is_finite() & (number >= 0)).then(number.round(0)).cast(pl.Int64)


def _flag(column: str) -> pl.Expr:
    t = _text(column).str.to_lowercase()
    return pl.when(t.is_in(_TRUE)).then(True).when(t.is_in(_FALSE)).then(False)


def _unreadable(frame: pl.DataFrame, source: str, converted: pl.Expr, what: str) -> QualityIssue | None:
    bad = _text(source).is_not_null() & converted.is_null()
    return issue_from_mask(frame, bad, what, source, "kept")


def load_customers(
    source: Any,
    *,
    mapping: Mapping[str, str | None] | None = None,
    timezone: str = "UTC",
    filename: str | None = None,
) -> CustomersResult:
    """Read a customers table, accounting for every row (see :func:`read_customers`)."""
    raw = read_table(source, filename=filename)
    if "__ragged" in raw.columns:
        raw = raw.drop("__ragged")
    if raw.width == 0 or raw.height == 0:
        raise DataError(_("The customers file has no data rows."))
    if "row_nr" in raw.columns:
        raw = raw.rename({"row_nr": "row_nr_source"})
    columns = raw.columns
    raw = raw.with_row_index("row_nr", offset=1).with_columns(pl.col("row_nr").cast(pl.Int64))
    chosen = _resolve(columns, mapping)
    if "customer_id" not in chosen:
        raise DataError(
            _("The customers file has no customer_id column (also read from customer, user_id, author_id, client_id, id). Columns found: {items}. Pass mapping={{'customer_id': '<column>'}} if it has another name.").format(items=_columns_found(columns))
        )
    issues: list[QualityIssue] = []
    converters = {
        "customer_id": (_text, None),
        "vip": (_flag, N_("not readable as vip true/false (left empty)")),
        "followers": (_count, N_("not readable as followers (a whole number) (left empty)")),
        "monthly_revenue": (_amount, N_("not readable as monthly_revenue (a number) (left empty)")),
        "segment": (_text, None),
    }
    exprs: dict[str, pl.Expr] = {}
    for name, (convert, what) in converters.items():
        if name not in chosen:
            continue
        exprs[name] = convert(chosen[name])
        if what and (issue := _unreadable(raw, chosen[name], exprs[name], what)):
            issues.append(issue)
    if "customer_id" in exprs:
        exprs["customer_id"] = exprs["customer_id"].str.replace(r"^(\d+)\.0+$", "${1}")
    used = set(chosen.values())
    others = [c for c in columns if c not in used]
    renames = {c: f"{c}_source" for c in others if c in CUSTOMER_COLUMNS}
    frame = raw.select("row_nr", *[e.alias(n) for n, e in exprs.items()], *[pl.col(c).alias(renames.get(c, c)) for c in others])
    if "churned_at" in chosen:
        src = chosen["churned_at"]
        frame = frame.with_columns(
            churned_at=parse_timestamps(raw.get_column(src), timezone=timezone),
            __raw=raw.get_column(src),
        )
        issues += check_timestamps(frame, "__raw", "churned_at", src, action="kept")
        frame = frame.drop("__raw")

    missing = pl.col("customer_id").is_null()
    if issue := issue_from_mask(frame, missing, N_("missing (row dropped)"), chosen["customer_id"]):
        issues.append(issue)
        frame = frame.filter(~missing)
    duplicate = ~pl.col("customer_id").is_first_distinct()
    if issue := issue_from_mask(frame, duplicate, N_("duplicate (the first row is kept)"), chosen["customer_id"]):
        issues.append(issue)
        frame = frame.filter(~duplicate)
    if frame.height == 0:
        raise DataError(_("The customers file has no row with a {customer_id!r} value.").format(customer_id=chosen['customer_id']))

    canonical = [pl.col(n).cast(t) for n, t in CUSTOMER_COLUMNS.items() if n in frame.columns]
    customers = frame.select(*canonical, *[c for c in frame.columns if c not in CUSTOMER_COLUMNS and c != "row_nr"])
    quality = QualityReport(input_rows=raw.height, used_rows=customers.height, issues=issues)
    return CustomersResult(customers=customers, quality=quality, mapping=chosen)


def read_customers(
    source: Any,
    *,
    mapping: Mapping[str, str | None] | None = None,
    timezone: str = "UTC",
    filename: str | None = None,
) -> pl.DataFrame:
    """Read a customers table into canonical, typed columns.

    Parameters
    ----------
    source
        File path, bytes, file object, polars or pandas frame; the formats of
        :func:`toolkit.read_messages` (CSV/TSV in any common encoding, Excel, Parquet, JSON).
    mapping
        ``{canonical_column: source_column}`` for headers with other names (``None``: do not
        map that column). Canonical: ``customer_id``, ``vip``, ``followers``,
        ``monthly_revenue``, ``churned_at``, ``segment``.
    timezone
        IANA zone for ``churned_at`` times written without a UTC offset.
    filename
        Name of an uploaded file (format hint for bytes).

    Returns
    -------
    DataFrame: ``customer_id`` (String), then whichever of ``vip`` (Boolean), ``followers``
    (Int64), ``monthly_revenue`` (Float64), ``churned_at`` (UTC Datetime), ``segment`` (String)
    the source has, then its other columns as they are. Unreadable values are left empty and
    counted in the quality report of :func:`load_customers`; rows without a customer id and
    repeated ids (after the first) are dropped and counted.

    Raises
    ------
    DataError
        No customer_id column (naming the columns found), empty or unreadable file, a mapping to
        a missing column.

    Examples
    --------
    >>> import polars as pl
    >>> read_customers(pl.DataFrame({"customer_id": ["a"], "followers": ["12.5k"]}))["followers"].item()
    12500
    """
    return load_customers(source, mapping=mapping, timezone=timezone, filename=filename).customers
