"""The data-quality report: every input row is either used or counted here with a reason.

Loading never silently loses a row. Each rule that removes or alters rows records a
:class:`QualityIssue` (what happened, in which column, how many rows, the first row numbers),
and :class:`QualityReport` keeps the books: ``input_rows == used_rows + dropped_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from toolkit.present.i18n import N_, _, localise, message_from_dict, ngettext

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
        """One human line in the current language, e.g.
        ``"2 dropped: created_at unparseable (rows 17, 230)"``."""
        from toolkit.present.format import count

        reason = localise(self.reason)
        where = _("{column} {reason}").format(column=self.column, reason=reason) if self.column else reason
        if self.action == "dropped":
            line = ngettext("{n} dropped: {what}", "{n} dropped: {what}", self.rows)
        elif self.action == "kept":
            line = ngettext("{n} kept: {what}", "{n} kept: {what}", self.rows)
        else:
            line = ngettext("{n} fixed: {what}", "{n} fixed: {what}", self.rows)
        text = line.format(n=count(self.rows), what=where)
        if self.first_rows:
            shown = ", ".join(str(r) for r in self.first_rows)
            more = ", ..." if self.rows > len(self.first_rows) else ""
            text += " " + ngettext("(row {rows})", "(rows {rows})", self.rows).format(rows=shown + more)
        return text

    def to_dict(self) -> dict[str, Any]:
        """The issue as JSON-ready data (the reason as its template and values, so it can be shown
        later in any language)."""
        reason = self.reason.to_dict() if hasattr(self.reason, "to_dict") else self.reason
        return {"reason": reason, "column": self.column, "rows": self.rows,
                "first_rows": list(self.first_rows), "action": self.action}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityIssue:
        """The issue :meth:`to_dict` wrote."""
        return cls(message_from_dict(data["reason"]), data.get("column"), int(data["rows"]),
                   tuple(data.get("first_rows") or ()), data.get("action", "dropped"))



#: The action words, for a translated table.
ACTION_WORDS = {"dropped": N_("dropped"), "kept": N_("kept"), "fixed": N_("fixed")}


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
        """A few human lines in the current language, e.g.

        ``"5,000 rows read, 4,998 used; 2 dropped: created_at unparseable (rows 17, 230)"``.
        """
        from toolkit.present.format import count

        head = ngettext("{read} row read, {used} used", "{read} rows read, {used} used", self.input_rows).format(
            read=count(self.input_rows), used=count(self.used_rows)
        )
        dropped = [i for i in self.issues if i.action == "dropped"]
        others = [i for i in self.issues if i.action != "dropped"]
        lines: list[str] = []
        if len(dropped) == 1:
            head = _("{counts}; {dropped}").format(counts=head, dropped=dropped[0].describe())
        elif dropped:
            n_dropped = ngettext("{n} dropped", "{n} dropped", self.dropped_rows).format(n=count(self.dropped_rows))
            head = _("{counts}; {dropped}").format(counts=head, dropped=n_dropped)
            lines += [f"  - {i.describe()}" for i in dropped]
        lines += [f"  - {i.describe()}" for i in others]
        lines += ["  " + _("note: {note}").format(note=localise(n)) for n in self.notes]
        return "\n".join([head, *lines])

    def notes_text(self) -> list[str]:
        """The notes in the current language."""
        return [localise(n) for n in self.notes]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, to store and show later in any language
        (:meth:`from_dict` reads it back)."""
        return {
            "input_rows": self.input_rows,
            "used_rows": self.used_rows,
            "issues": [i.to_dict() for i in self.issues],
            "notes": [n.to_dict() if hasattr(n, "to_dict") else n for n in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QualityReport:
        """The report :meth:`to_dict` wrote.

        Examples
        --------
        >>> report = QualityReport(3, 2, [QualityIssue(N_("unparseable"), "created_at", 1, (2,))])
        >>> print(QualityReport.from_dict(report.to_dict()))
        3 rows read, 2 used; 1 dropped: created_at unparseable (row 2)
        """
        return cls(int(data["input_rows"]), int(data["used_rows"]),
                   [QualityIssue.from_dict(i) for i in data.get("issues", [])],
                   [message_from_dict(n) for n in data.get("notes", [])])

    def to_frame(self, *, translated: bool = False) -> pl.DataFrame:
        """The issues as a table (one row per issue), e.g. for display or export.

        The column names are English (data); ``translated=True`` writes the
        ``reason`` and ``action`` in the current language (for a person to read), else it stays English.
        """
        return pl.DataFrame(
            {
                "reason": [localise(i.reason) if translated else str(i.reason) for i in self.issues],
                "column": [i.column for i in self.issues],
                "rows": [i.rows for i in self.issues],
                "first_rows": [list(i.first_rows) for i in self.issues],
                "action": [_(ACTION_WORDS[i.action]) if translated else i.action for i in self.issues],
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
