"""The one error family a user of the toolkit meets.

Every error the user can act on is a :class:`ToolkitError` (a ``ValueError``), with a short
message that names the argument or column, the value, and what is allowed, plus a did-you-mean
hint when a close match exists:

- :class:`DataError`: input the toolkit cannot use (a bad log, a bad argument value).
- :class:`ArgumentError`: an argument value that is not allowed (a ``DataError``).
- :class:`ColumnNotFoundError`: a column argument naming no column of the messages (an
  ``ArgumentError``).

>>> try:
...     check_columns(["channel", "brand"], "by", ["chanel"])
... except ColumnNotFoundError as e:
...     print(e)
by='chanel': no such column. Hint: did you mean 'channel'? Columns: ['channel', 'brand'].
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import polars as pl

__all__ = [
    "ArgumentError",
    "ColumnNotFoundError",
    "DataError",
    "ToolkitError",
    "check_choice",
    "check_columns",
    "did_you_mean",
]


def _(message: str) -> str:
    """``message`` in the current language (:mod:`toolkit.present.i18n`, imported here on use:
    it raises these errors itself)."""
    from toolkit.present.i18n import gettext

    return gettext(message)


class ToolkitError(ValueError):
    """Base of every error the toolkit raises on purpose."""


class DataError(ToolkitError):
    """Input that the toolkit cannot use, with a message that says what and where.

    Messages name the column or argument, how many rows, and the first row numbers (1-based data
    rows, the header is not counted), plus a hint when one helps.
    """


class ArgumentError(DataError):
    """An argument value that is not allowed: names the argument, the value and what is allowed.

    Examples
    --------
    >>> print(ArgumentError.invalid("every", "dya", ["hour", "day", "week"]))
    every='dya' is not allowed; use one of ['hour', 'day', 'week']. Hint: did you mean 'day'?
    """

    @classmethod
    def invalid(
        cls,
        argument: str,
        value: Any,
        allowed: Iterable[str] | str,
        *,
        why: str = "is not allowed",
    ) -> ArgumentError:
        """``argument=value`` <why>; what is allowed; a did-you-mean hint when one is close."""
        if why == "is not allowed":
            why = _("is not allowed")
        if isinstance(allowed, str):
            text = _("{argument}={value!r} {why}; {allowed}.").format(argument=argument, value=value, why=why,
                                                                     allowed=allowed)
            return cls(text)
        options = list(allowed)
        text = _("{argument}={value!r} {why}; use one of {options}.").format(argument=argument, value=value, why=why,
                                                                            options=options)
        hint = did_you_mean(value, options)
        return cls(f"{text} {hint}" if hint else text)


class ColumnNotFoundError(ArgumentError):
    """A column argument that names no column of the messages."""

    @classmethod
    def from_missing_and_available_column_names(
        cls, argument: str, missing: Sequence[str], available: Sequence[str]
    ) -> ColumnNotFoundError:
        """The error for ``argument`` naming ``missing`` columns among ``available`` ones."""
        value = missing[0] if len(missing) == 1 else list(missing)
        hints = [h for h in (did_you_mean(name, available, bare=True) for name in missing) if h]
        hint = " " + _("Hint: did you mean {names}?").format(names=" / ".join(hints)) if hints else ""
        if len(missing) == 1:
            text = _("{argument}={value!r}: no such column.{hint} Columns: {columns}.")
        else:
            text = _("{argument}={value!r}: no such columns.{hint} Columns: {columns}.")
        return cls(text.format(argument=argument, value=value, hint=hint, columns=list(available)))


def did_you_mean(value: Any, options: Iterable[str], *, bare: bool = False) -> str:
    """``"Hint: did you mean 'x'?"`` for the closest option, or ``""`` when none is close.

    >>> did_you_mean("brnd", ["brand", "channel"])
    "Hint: did you mean 'brand'?"
    """
    if not isinstance(value, str):
        return ""
    options = [str(o) for o in options]
    by_lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=1, cutoff=0.6)
    if not close:
        return ""
    match = repr(by_lower[close[0]])
    return match if bare else _("Hint: did you mean {names}?").format(names=match)


def check_choice(argument: str, value: Any, allowed: Collection[Any]) -> Any:
    """``value`` when it is one of ``allowed``, else an :class:`ArgumentError` saying so.

    >>> check_choice("level", "category", ["category", "subcategory"])
    'category'
    """
    if value in allowed:
        return value
    raise ArgumentError.invalid(argument, value, [str(a) for a in allowed])


def check_columns(
    messages: pl.DataFrame | pl.LazyFrame | Iterable[str],
    argument: str,
    names: str | Sequence[str] | None,
) -> list[str]:
    """The column names an argument (``by=``, ``peers_by=`` ...) asks for, all present.

    Parameters
    ----------
    messages
        A frame, or its column names.
    argument
        The argument's name, for the message.
    names
        A column name, several, or None (no column).

    Raises
    ------
    ColumnNotFoundError
        Naming the argument, the missing column(s), a close match and the columns there are.
    """
    wanted = [names] if isinstance(names, str) else list(dict.fromkeys(names or []))
    if isinstance(messages, pl.LazyFrame):
        available = messages.collect_schema().names()
    elif isinstance(messages, pl.DataFrame):
        available = messages.columns
    else:
        available = list(messages)
    missing = [n for n in wanted if n not in available]
    if missing:
        raise ColumnNotFoundError.from_missing_and_available_column_names(argument, missing, available)
    return wanted
