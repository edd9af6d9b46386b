"""Declared events: named periods (a promotion, a holiday, an outage) and their one text grammar.

An event is written ``NAME: FIRST..LAST`` (local dates, both inclusive); ``NAME=FIRST..LAST`` (the
command line's spelling), ``to`` or ``/`` between the dates, and a single date are read too.

>>> parse_event("Black Friday: 2025-11-28..2025-11-30").to_text()
'Black Friday: 2025-11-28..2025-11-30'
>>> parse_event("Launch=2025-10-01") == parse_event("Launch: 2025-10-01..2025-10-01")
True
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from toolkit.errors import ArgumentError, DataError
from toolkit.present.i18n import _

__all__ = ["DATE_RANGE", "Event", "parse_event", "parse_events", "promotion"]

#: Dates an event may have: calendars, charts and links work inside this range (a crafted
#: ``9999-12-31`` would overflow the day after it).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))

_FORM = "NAME: YYYY-MM-DD..YYYY-MM-DD (or NAME=YYYY-MM-DD..YYYY-MM-DD, or a single date)"
_EVENT_RE = re.compile(
    r"^\s*(?P<name>.+?)\s*[:=]\s*(?P<a>\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:\.\.|to|/)\s*(?P<b>\d{4}-\d{2}-\d{2}))?\s*$"
)


@dataclass(frozen=True)
class Event:
    """A declared period: a holiday, a promotion, an outage...

    ``start``/``end`` are local dates (``end`` inclusive: the whole day) or datetimes (``end``
    exclusive; naive ones are local wall time in the team's zone).

    Examples
    --------
    >>> e = Event("Sale", dt.date(2025, 1, 2), dt.date(2025, 1, 5))
    >>> e.to_text(), e.first, e.last
    ('Sale: 2025-01-02..2025-01-05', datetime.date(2025, 1, 2), datetime.date(2025, 1, 5))
    """

    name: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    kind: str = "promotion"

    @property
    def first(self) -> dt.date:
        """The first local date the event touches."""
        return self.start.date() if isinstance(self.start, dt.datetime) else self.start

    @property
    def last(self) -> dt.date:
        """The last local date the event touches (inclusive)."""
        if isinstance(self.end, dt.datetime):
            return (self.end - dt.timedelta(microseconds=1)).date()
        return self.end

    def to_text(self) -> str:
        """The event in the one grammar, ``NAME: FIRST..LAST`` (what :func:`parse_event` reads)."""
        return f"{self.name}: {self.first.isoformat()}..{self.last.isoformat()}"

    def bounds(self, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        """The event as a half-open interval of UTC instants."""
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(timezone)

        def instant(value: dt.date | dt.datetime, *, end: bool) -> dt.datetime:
            if not isinstance(value, dt.datetime):
                day = value + dt.timedelta(days=1) if end else value
                value = dt.datetime(day.year, day.month, day.day)
            if value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            return value.astimezone(dt.UTC)

        start, stop = instant(self.start, end=False), instant(self.end, end=True)
        if stop <= start:
            msg = _("event {name!r}: its end {end} is not after its start {start}").format(name=self.name, end=self.end, start=self.start)
            raise DataError(msg)
        return start, stop


def as_date(value: dt.date | str, *, argument: str = "date") -> dt.date:
    """A local date from a date or ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ArgumentError.invalid(argument, value, _("write a date YYYY-MM-DD"), why=_("is not a date")) from None


def promotion(name: str, start: dt.date | str, end: dt.date | str) -> Event:
    """A promotion over local dates ``start..end`` (inclusive).

    Examples
    --------
    >>> promotion("Black Friday", "2025-11-28", "2025-12-01").end
    datetime.date(2025, 12, 1)
    """
    return Event(name, as_date(start, argument="start"), as_date(end, argument="end"), "promotion")


def parse_event(text: str) -> Event:
    """One event from its text (see the module docstring for the grammar).

    Dates in the wrong order are swapped.

    Raises
    ------
    toolkit.errors.ArgumentError
        Naming the text and the form expected.

    Examples
    --------
    >>> parse_event("Launch=2025-10-01..2025-10-03").name
    'Launch'
    """
    match = _EVENT_RE.match(text) if isinstance(text, str) else None
    try:
        if match is None:
            raise ValueError
        a = dt.date.fromisoformat(match["a"])
        b = dt.date.fromisoformat(match["b"] or match["a"])
    except ValueError:
        raise ArgumentError.invalid("event", text, _("write {form}").format(form=_FORM), why=_("is not an event")) from None
    lo, hi = DATE_RANGE
    if not (lo <= min(a, b) and max(a, b) <= hi):
        raise ArgumentError.invalid("event", text, _("use dates from {lo} to {hi}").format(lo=lo, hi=hi), why=_("has a date out of range"))
    return Event(match["name"], min(a, b), max(a, b), "promotion")


def parse_events(text: str) -> tuple[tuple[Event, ...], list[str]]:
    """Events from lines (or ``;``-separated parts) of text; returns (events, unreadable parts).

    >>> events, bad = parse_events("Black Friday: 2025-11-28..2025-11-30; oops")
    >>> events[0].last, bad
    (datetime.date(2025, 11, 30), ['oops'])
    """
    events: list[Event] = []
    errors: list[str] = []
    for line in text.replace(";", "\n").splitlines():
        if not line.strip():
            continue
        try:
            events.append(parse_event(line))
        except ArgumentError:
            errors.append(line.strip())
    return tuple(events), errors
