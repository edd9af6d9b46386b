"""The one error family a user of the toolkit meets."""

from __future__ import annotations

__all__ = ["DataError"]


class DataError(ValueError):
    """Input that the toolkit cannot use, with a message that says what and where.

    Messages name the column, how many rows, and the first row numbers (1-based data rows,
    the header is not counted), plus a hint when one helps.
    """
