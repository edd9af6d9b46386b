"""SLA targets: one number of seconds, or one per channel (SPEC "Per-channel SLA targets").

``sla`` is seconds (``3600``) or a mapping channel -> seconds with an optional ``default`` key
(``{"twitter": 3600, "email": 86400, "default": 3600}``); channels the mapping does not name, and
messages without a channel, get the default (3600 s when the mapping gives none). On the command
line the mapping is written ``twitter=3600,email=86400,default=3600``.

>>> parse_sla("twitter=3600,email=86400,default=1800")
{'twitter': 3600.0, 'email': 86400.0, 'default': 1800.0}
>>> default_sla({"twitter": 600})
3600.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

from toolkit.errors import DataError
from toolkit.present.i18n import _

__all__ = ["DEFAULT_SLA_SECONDS", "SlaLike", "check_sla", "default_sla", "parse_sla", "sla_target"]

#: The target when nothing else is said: 1 hour.
DEFAULT_SLA_SECONDS = 3600.0

SlaLike = float | int | Mapping[str, float]


def _seconds(value: object, what: str) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        msg = _("{what} must be a positive number of seconds, got {value!r}").format(what=what, value=value)
        raise DataError(msg)
    return seconds


def check_sla(sla: SlaLike) -> float | dict[str, float]:
    """``sla`` validated: positive seconds, or a channel -> positive seconds mapping.

    Raises
    ------
    DataError
        A target that is not a positive number of seconds (naming the channel).
    """
    if isinstance(sla, Mapping):
        out = {str(k).strip().lower(): _seconds(v, f"sla[{k!r}]") for k, v in sla.items()}
        if not out:
            msg = _("sla mapping is empty; give seconds per channel, e.g. {'twitter': 3600, 'default': 3600}")
            raise DataError(msg)
        return out
    return _seconds(sla, "sla")


def parse_sla(text: str | float) -> float | dict[str, float]:
    """The ``--sla`` argument: ``3600`` or ``twitter=3600,email=86400,default=3600``.

    Examples
    --------
    >>> parse_sla("900")
    900.0
    """
    if not isinstance(text, str):
        return check_sla(text)
    if "=" not in text:
        return _seconds(text.strip(), "--sla")
    mapping: dict[str, str] = {}
    for part in text.split(","):
        channel, sep, seconds = part.partition("=")
        if not sep or not channel.strip():
            msg = _("--sla expects SECONDS or CHANNEL=SECONDS,...,default=SECONDS, got {text!r}").format(text=text)
            raise DataError(msg)
        mapping[channel.strip()] = seconds.strip()
    return check_sla(mapping)  # type: ignore[arg-type]


def default_sla(sla: SlaLike) -> float:
    """The target for channels a mapping does not name (``sla`` itself when it is a number)."""
    checked = check_sla(sla)
    if isinstance(checked, dict):
        return checked.get("default", DEFAULT_SLA_SECONDS)
    return checked


def sla_target(sla: SlaLike, channel: str | pl.Expr = "channel") -> pl.Expr:
    """Per-row SLA target in seconds (Float64) for the channel in ``channel``.

    Channels are matched case-insensitively.

    Examples
    --------
    >>> df = pl.DataFrame({"channel": ["twitter", "Email", None]})
    >>> df.select(sla_target({"email": 86400, "default": 600})).to_series().to_list()
    [600.0, 86400.0, 600.0]
    """
    checked = check_sla(sla)
    if not isinstance(checked, dict):
        return pl.lit(checked, pl.Float64).alias("sla_target_s")
    expr = pl.col(channel) if isinstance(channel, str) else channel
    named = {k: v for k, v in checked.items() if k != "default"}
    key = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        key.replace_strict(list(named), list(named.values()), default=default_sla(checked), return_dtype=pl.Float64)
        .alias("sla_target_s")
    )
