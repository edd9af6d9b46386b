"""The data-quality report: every input row is either used or counted here with a reason.

Loading never silently loses a row. Each rule that removes or alters rows records a
:class:`QualityIssue` (what happened, in which column, how many rows, the first row numbers),
and :class:`QualityReport` keeps the books: ``input_rows == used_rows + dropped_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

__all__ = ["QualityIssue", "QualityReport", "issue_from_mask"]

Action = Literal["dropped", "kept", "fixed"]

#: How many row numbers an issue lists (enough to find the problem, short enough to read).
FIRST_ROWS = 10


@dataclass(frozen=True)
class QualityIssue:
    """One problem found while loading, applying to ``rows`` input rows.

    Attributes
    ----------
    reason
        Short text, e.g. ``"unparseable timestamp"``.
    column
        The source column concerned (``None`` when the issue is about whole rows).
    rows
        How many rows have the problem.
    first_rows
        Up to 10 row numbers (1-based data rows of the source, the header is not counted).
    action
        ``"dropped"`` (rows removed), ``"kept"`` (rows used, value left empty or as is) or
        ``"fixed"`` (rows used with a corrected value).
    """

    reason: str
    column: str | None
    rows: int
    first_rows: tuple[int, ...] = ()
    action: Action = "dropped"

    def describe(self) -> str:
        """One human line, e.g. ``"2 dropped: created_at unparseable (rows 17, 230)"``."""
        where = f"{self.column} {self.reason}" if self.column else self.reason
        text = f"{self.rows:,} {self.action}: {where}"
        if self.first_rows:
            shown = ", ".join(str(r) for r in self.first_rows)
            more = ", ..." if self.rows > len(self.first_rows) else ""
            label = "row" if self.rows == 1 else "rows"
            text += f" ({label} {shown}{more})"
        return text


@dataclass(frozen=True)
class QualityReport:
    """What loading did with every input row.

    Attributes
    ----------
    input_rows
        Data rows read from the source (the header is not counted; empty rows are counted).
    used_rows
        Rows in the canonical messages frame.
    issues
        Problems found, in the order they were handled. A row is counted in at most one
        ``"dropped"`` issue, so ``input_rows == used_rows + dropped_rows``.
    notes
        Plain-language remarks that are not problems (e.g. the time zone naive times were
        read in).
    """

    input_rows: int
    used_rows: int
    issues: list[QualityIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def dropped_rows(self) -> int:
        """Rows removed while loading (the sum over ``"dropped"`` issues)."""
        return sum(i.rows for i in self.issues if i.action == "dropped")

    @property
    def ok(self) -> bool:
        """True when every input row was used unchanged."""
        return not self.issues

    def summary(self) -> str:
        """A few human lines, e.g.

        ``"5,000 rows read, 4,998 used; 2 dropped: created_at unparseable (rows 17, 230)"``.
        """
        head = f"{self.input_rows:,} rows read, {self.used_rows:,} used"
        dropped = [i for i in self.issues if i.action == "dropped"]
        others = [i for i in self.issues if i.action != "dropped"]
        lines: list[str] = []
        if len(dropped) == 1:
            head += f"; {dropped[0].describe()}"
        elif dropped:
            head += f"; {self.dropped_rows:,} dropped"
            lines += [f"  - {i.describe()}" for i in dropped]
        lines += [f"  - {i.describe()}" for i in others]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join([head, *lines])

    def to_frame(self) -> pl.DataFrame:
        """The issues as a table (one row per issue), e.g. for display or export."""
        return pl.DataFrame(
            {
                "reason": [i.reason for i in self.issues],
                "column": [i.column for i in self.issues],
                "rows": [i.rows for i in self.issues],
                "first_rows": [list(i.first_rows) for i in self.issues],
                "action": [i.action for i in self.issues],
            },
            schema={
                "reason": pl.String,
                "column": pl.String,
                "rows": pl.Int64,
                "first_rows": pl.List(pl.Int64),
                "action": pl.String,
            },
        )

    def __str__(self) -> str:
        return self.summary()


def issue_from_mask(
    frame: pl.DataFrame,
    mask: pl.Series | pl.Expr,
    reason: str,
    column: str | None,
    action: Action = "dropped",
    *,
    row_nr: str = "row_nr",
) -> QualityIssue | None:
    """Build the issue for the rows of ``frame`` where ``mask`` is true (``None`` if none).

    Parameters
    ----------
    frame
        Frame holding a 1-based ``row_nr`` column.
    mask
        Boolean Series or expression over ``frame``; nulls count as false.
    reason, column, action
        See :class:`QualityIssue`.
    row_nr
        Name of the row-number column.
    """
    keep = (
        frame.select(mask.fill_null(False)).to_series()
        if isinstance(mask, pl.Expr)
        else mask.fill_null(False)
    )
    n = int(keep.sum())
    if n == 0:
        return None
    # The smallest row numbers, without sorting every hit (a padded file has a million).
    first_rows = frame.get_column(row_nr).filter(keep).bottom_k(FIRST_ROWS).sort()
    first = tuple(int(r) for r in first_rows.to_list())
    return QualityIssue(reason=reason, column=column, rows=n, first_rows=first, action=action)
