"""SLA targets: the one parser (SPEC "Per-channel SLA targets").

``sla`` is one target or one per channel. A target is seconds (``3600``), a
:class:`~datetime.timedelta` or text such as ``"1h"``, ``"30m"``, ``"1d12h"`` (the toolkit's one
duration parser, :func:`toolkit._durations.duration_seconds`). Per channel: a mapping channel ->
target with an optional ``default`` key (``{"twitter": "1h", "email": 86400, "default": 3600}``),
or the same as text, ``twitter=1h,email=86400,default=3600`` (the command line's ``--sla``).
Channels the mapping does not name, and messages without a channel, get the default (1 h when
the mapping gives none). Channel names match case-insensitively, surrounding spaces ignored.

Every user of an SLA goes through here: :func:`toolkit.kpis` and comparisons
(:func:`sla_targets` -> :class:`toolkit.core.metrics.MetricContext`), the live queue
(:func:`parse_sla`, :func:`sla_target`), the CLI and the app.

>>> parse_sla("twitter=1h,email=86400,default=30m")
{'twitter': 3600.0, 'email': 86400.0, 'default': 1800.0}
>>> sla_targets("twitter=1h,facebook=86400,default=30m")
(1800.0, (('twitter', 3600.0), ('facebook', 86400.0)))
>>> sla_targets(600), default_sla({"twitter": 600})
((600.0, ()), 3600.0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from toolkit._durations import duration_seconds
from toolkit.errors import DataError
from toolkit.present.i18n import _

__all__ = [
    "DEFAULT_SLA_SECONDS",
    "SlaLike",
    "check_sla",
    "default_sla",
    "parse_sla",
    "sla_target",
    "sla_target_expr",
    "sla_targets",
]

#: The target when nothing else is said: 1 hour.
DEFAULT_SLA_SECONDS = 3600.0

Target = float | int | str | dt.timedelta
SlaLike = Target | Mapping[str, Target]

def _text_mapping(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for part in text.split(","):
        channel, sep, target = part.partition("=")
        if not sep or not channel.strip():
            msg = _(
                "sla: cannot read {part!r} in {text!r}; expected SECONDS, a duration such as 1h or "
                "30m, or CHANNEL=TARGET,...,default=TARGET (e.g. twitter=1h,default=3600)"
            ).format(part=part.strip(), text=text)
            raise DataError(msg)
        mapping[channel.strip()] = target.strip()
    return mapping


def parse_sla(sla: SlaLike) -> float | dict[str, float]:
    """``sla`` checked and in seconds: one positive number, or channel (lower case) -> seconds.

    Parameters
    ----------
    sla
        Seconds, a timedelta, text (``"1h"``, ``"900"``), a mapping channel -> any of these, or
        that mapping as text (``"twitter=1h,email=86400,default=3600"``).

    Raises
    ------
    DataError
        A target that is not a positive duration (naming the channel), an empty mapping, or
        text that is neither a duration nor ``CHANNEL=TARGET`` pairs.

    Examples
    --------
    >>> parse_sla("900"), parse_sla("1h"), parse_sla(dt.timedelta(minutes=5))
    (900.0, 3600.0, 300.0)
    >>> parse_sla({"Email": "1d"})
    {'email': 86400.0}
    """
    if isinstance(sla, str) and "=" in sla:
        sla = _text_mapping(sla)
    if isinstance(sla, Mapping):
        out = {
            str(k).strip().lower(): duration_seconds(v, argument=f"sla[{k!r}]")  # type: ignore[arg-type]
            for k, v in sla.items()
        }
        if not out:
            msg = _("sla mapping is empty; give seconds per channel, e.g. {'twitter': 3600, 'default': 3600}")
            raise DataError(msg)
        return out
    if isinstance(sla, bool):
        msg = _(
            "sla={value!r} is not a duration; expected SECONDS, a duration such as 1h or 30m, or "
            "CHANNEL=TARGET,...,default=TARGET"
        ).format(value=sla)
        raise DataError(msg)
    return duration_seconds(sla, argument="sla")


#: The old name of :func:`parse_sla` for already-parsed values; same checks.
check_sla = parse_sla


def sla_targets(sla: SlaLike) -> tuple[float, tuple[tuple[str, float], ...]]:
    """The default target and the per-channel ones, in seconds (what the metrics read).

    >>> sla_targets({"twitter": "1h"})
    (3600.0, (('twitter', 3600.0),))
    """
    parsed = parse_sla(sla)
    if not isinstance(parsed, dict):
        return parsed, ()
    named = tuple((k, v) for k, v in parsed.items() if k != "default")
    return parsed.get("default", DEFAULT_SLA_SECONDS), named


def default_sla(sla: SlaLike) -> float:
    """The target for channels a mapping does not name (``sla`` itself when it is one target)."""
    return sla_targets(sla)[0]


def sla_target_expr(
    default: float, channels: tuple[tuple[str, float], ...] = (), channel: str = "channel"
) -> nw.Expr:
    """A row's SLA target in seconds as an engine-neutral (narwhals) expression: its channel's
    target (matched case-insensitively), else ``default``. Runs on polars, DuckDB and Spark."""
    target = nw.lit(float(default))
    if not channels:
        return target
    key = nw.col(channel).cast(nw.String).str.strip_chars().str.to_lowercase()
    for name, seconds in reversed(channels):
        target = nw.when(key == name).then(nw.lit(float(seconds))).otherwise(target)
    return target


def sla_target(sla: SlaLike, channel: str | Any = "channel") -> pl.Expr:
    """Per-row SLA target in seconds (Float64) for the channel in ``channel`` (a polars
    expression named ``sla_target_s``).

    Channels are matched case-insensitively.

    Examples
    --------
    >>> df = pl.DataFrame({"channel": ["twitter", "Email", None]})
    >>> df.select(sla_target({"email": 86400, "default": 600})).to_series().to_list()
    [600.0, 86400.0, 600.0]
    """
    from toolkit.core.metrics import to_polars

    default, channels = sla_targets(sla)
    if isinstance(channel, pl.Expr):
        if not channels:
            return pl.lit(default, pl.Float64).alias("sla_target_s")
        key = channel.cast(pl.String).str.strip_chars().str.to_lowercase()
        named = dict(channels)
        return key.replace_strict(list(named), list(named.values()), default=default,
                                  return_dtype=pl.Float64).alias("sla_target_s")
    return to_polars(sla_target_expr(default, channels, channel)).cast(pl.Float64).alias("sla_target_s")
