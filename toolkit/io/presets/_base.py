"""The preset machinery: the :class:`Preset` class, the registry and column resolution.

A preset lists, for each canonical column, the source column names it accepts. Names are
compared case-insensitively, ignoring spaces, underscores, dashes and dots, so ``Created At``,
``created_at`` and ``CREATED-AT`` are the same name. Without a preset the header decides
(:func:`detect_preset`), and a user ``mapping`` ``{canonical: source_column}`` always wins.

Besides the canonical names, a mapping may use the key ``"author"``: a column naming who wrote
each message. By default it fills ``customer_id`` on inbound rows and ``agent_id`` on outbound
rows; a preset may do otherwise (``twcs``: the author of a reply is the brand, and ``agent_id``
comes from the sign-off initials) by overriding :meth:`Preset.fill_author` and
:meth:`Preset.finish`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from toolkit.errors import DataError
from toolkit.io.schema import CANONICAL, INBOUND, OUTBOUND
from toolkit.present.format import count
from toolkit.present.i18n import _

__all__ = [
    "AUTHOR",
    "EXCLUDE",
    "MAPPABLE",
    "PRESETS",
    "Frame",
    "Preset",
    "detect_preset",
    "direction_expr",
    "get_preset",
    "normalise_name",
    "register_preset",
    "resolve_mapping",
]

Frame = pl.DataFrame | pl.LazyFrame

#: Column a preset's :meth:`Preset.prepare` fills with the reason a source row is not a message.
EXCLUDE = "preset_exclude"

#: Pseudo-column: who wrote the message (customer on inbound rows, agent/brand on outbound).
AUTHOR = "author"


def normalise_name(name: str) -> str:
    """Header name as compared: lower case, without spaces, ``_``, ``-``, ``.`` or BOM."""
    return re.sub(r"[\s_\-.\ufeff]+", "", str(name)).lower()


#: Direction columns whose "true" means outbound (the opposite of ``inbound``).
OUTBOUND_FLAGS = frozenset({"outbound", "isoutbound", "fromagent", "frombrand"})
#: Direction synonyms too vague to trust unless most values read as a direction.
_VAGUE = frozenset({"type", "messagetype", "kind"})

_INBOUND_WORDS = ("inbound", "in", "incoming", "received", "customer", "from customer", "i")
_OUTBOUND_WORDS = ("outbound", "out", "outgoing", "sent", "agent", "brand", "reply", "o")
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


@dataclass(frozen=True)
class Preset:
    """A known export layout, and what loading does specially for it.

    Subclass it (and override the hooks) when an export needs more than a column map; see
    ``toolkit/io/presets/twcs.py`` for an example and ``docs/extending.md`` for the steps.

    Attributes
    ----------
    name
        What users pass as ``preset=``.
    description
        One line for the app's preset picker.
    columns
        Canonical column (or ``"author"``) -> accepted source names, normalised, best first.
    signature
        Normalised header names that together identify this export (empty: never detected).
    channel
        Channel of every message when the export has no channel column.
    author_fills
        Canonical columns the ``author`` column fills (reported in ``LoadResult.mapping``).
    day_first
        How the export writes dates like ``05/09/2024``: True (day first), False (month first)
        or None (decided from the values).
    """

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    signature: frozenset[str] = field(default_factory=frozenset)
    channel: str | None = None
    author_fills: tuple[str, ...] = ("customer_id", "agent_id")
    day_first: bool | None = None

    def read_source(self, data: bytes, name: str | None) -> pl.DataFrame | None:
        """Read a file format only this export uses (e.g. an X archive's ``.js``), else None.

        Called for every file before the common formats (CSV, JSON, Excel, Parquet) are tried;
        return None quickly when ``data`` is not yours.
        """
        return None

    def prepare(self, raw: pl.DataFrame, options: Mapping[str, str]) -> pl.DataFrame:
        """Reshape the source rows before columns are mapped (default: as they are).

        A preset may add columns its column map names (prefix them ``preset_``), and a String
        column :data:`EXCLUDE` giving, for rows that are not messages to or from a customer
        (internal notes, activity events), the reason they are left out; loading counts those
        rows in the quality report under that reason. ``options`` are the ``options=`` given to
        :func:`toolkit.load` (e.g. ``account_id`` for X archives).
        """
        return raw

    def expand(self, messages: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
        """The final canonical rows (default: ``messages`` as they are).

        Ticket exports (one row per ticket with the times already computed) add here the reply
        each ticket row implies. Added rows carry a Boolean column ``__implied`` (True), so the
        quality report counts source rows only; loading drops that column.
        """
        return messages

    def detect(self, names: frozenset[str]) -> int:
        """How well a header (normalised names) matches this export: 0 = not at all.

        The default is the size of :attr:`signature` when the header carries all of it, so the
        most specific matching preset wins.
        """
        return len(self.signature) if self.signature and self.signature <= names else 0

    def fill_author(self, frame: Frame, author: str) -> Frame:
        """Fill people columns from the ``author`` column, before conversations are assigned.

        Default: ``customer_id`` on inbound rows, ``agent_id`` on outbound rows (a value the
        source gives directly wins).
        """
        inbound = pl.col("direction") == INBOUND
        return frame.with_columns(
            customer_id=pl.coalesce("customer_id", pl.when(inbound).then(author)),
            agent_id=pl.coalesce("agent_id", pl.when(~inbound).then(author)),
        )

    def finish(self, frame: Frame, author: str | None) -> Frame:
        """Post-process the canonical rows once ``conversation_id`` is known (default: as is).

        Parameters
        ----------
        frame
            Canonical columns plus ``row_nr`` and, when ``author`` is not None, that column.
        author
            Name of the helper column holding the author, or None when the source has none.
        """
        return frame


#: Every known preset by name, in registration order (``generic`` first).
PRESETS: dict[str, Preset] = {}


def register_preset(preset: Preset, *, replace: bool = False) -> Preset:
    """Make ``preset`` available as ``preset=<name>`` and to header detection.

    Parameters
    ----------
    preset
        The preset.
    replace
        Allow redefining an existing name (re-imported modules, notebooks).

    Returns
    -------
    Preset
        ``preset``, so a module can write ``TWCS = register_preset(TwcsPreset(...))``.

    Examples
    --------
    >>> from toolkit.io.presets import PRESETS, Preset, register_preset
    >>> _ = register_preset(Preset("demo", "A demo layout.", {"created_at": ("when",)}))
    >>> "demo" in PRESETS
    True
    >>> del PRESETS["demo"]
    """
    key = preset.name.strip().lower()
    if key != preset.name or not key:
        raise ValueError(_("Preset name {name!r} must be non-empty lower case without spaces.").format(name=preset.name))
    if key in PRESETS and not replace and PRESETS[key] is not preset:
        raise ValueError(_("A preset named {key!r} exists already; pass replace=True to redefine it.").format(key=key))
    PRESETS[key] = preset
    return preset


def detect_preset(columns: Iterable[str]) -> str:
    """The preset whose header detection matches best, else ``"generic"``.

    Examples
    --------
    >>> detect_preset(["tweet_id", "author_id", "inbound", "created_at", "text"])
    'twcs'
    >>> detect_preset(["message_id", "created_at", "direction"])
    'generic'
    """
    names = frozenset(normalise_name(c) for c in columns)
    best, score = "generic", 0
    for preset in PRESETS.values():
        s = preset.detect(names)
        if s > score:
            best, score = preset.name, s
    return best


def get_preset(name: str | None, columns: Iterable[str]) -> Preset:
    """The named preset (detected from ``columns`` when ``name`` is None)."""
    if name is None:
        return PRESETS[detect_preset(columns)]
    key = str(name).strip().lower()
    if key not in PRESETS:
        raise DataError(
            _("Unknown preset {value!r}. Allowed: {items} (or leave it out to detect it from the header).").format(value=str(name)[:60], items=', '.join(sorted(PRESETS)))
        )
    return PRESETS[key]


#: Names a ``mapping`` may use as keys.
MAPPABLE: tuple[str, ...] = (*[c for c in CANONICAL if c != "row_nr"], AUTHOR)


def direction_words(values: pl.Series, inverted: bool = False) -> pl.Series:
    """Read direction values (see :func:`direction_expr`) from a Series."""
    return values.to_frame("v").select(direction_expr(pl.col("v"), inverted)).to_series()


def direction_expr(values: pl.Expr, inverted: bool = False) -> pl.Expr:
    """``"inbound"``/``"outbound"`` from words (in/out, incoming/outgoing, ...) or booleans.

    Parameters
    ----------
    values
        Expression giving the source values (any type; compared as lower-case text).
    inverted
        True when the column is an *outbound* flag (``is_outbound``), so true means outbound.
    """
    yes, no = (OUTBOUND, INBOUND) if inverted else (INBOUND, OUTBOUND)
    table = {
        **dict.fromkeys(_INBOUND_WORDS, INBOUND),
        **dict.fromkeys(_OUTBOUND_WORDS, OUTBOUND),
        **dict.fromkeys(_TRUE, yes),
        **dict.fromkeys(_FALSE, no),
    }
    text = values.cast(pl.String).str.strip_chars().str.to_lowercase()
    return text.replace_strict(table, default=None, return_dtype=pl.String)


def _did_you_mean(wanted: Iterable[str], columns: list[str]) -> str:
    by_norm = {normalise_name(c): c for c in columns}
    hits: list[str] = []
    for w in wanted:
        for m in difflib.get_close_matches(normalise_name(w), list(by_norm), n=2, cutoff=0.7):
            if by_norm[m] not in hits:
                hits.append(by_norm[m])
    return " " + _("Did you mean {names}?").format(names=" / ".join(repr(h)[:60] for h in hits)) if hits else ""


def _columns_found(columns: list[str], limit: int = 12, chars: int = 160) -> str:
    """Column names for a message: at most ``limit`` of them and about ``chars`` characters,
    each cut to 40 characters, then "and N more"."""
    if not columns:
        return _("(none)")

    def short(c: str) -> str:
        text = repr(c)
        return text if len(text) <= 40 else text[:36] + "...'"

    shown: list[str] = []
    for c in columns[:limit]:
        if shown and sum(len(t) + 2 for t in shown) + len(short(c)) > chars:
            break
        shown.append(short(c))
    rest = len(columns) - len(shown)
    return ", ".join(shown) + (" " + _("and {n} more").format(n=count(rest)) if rest else "")


def resolve_mapping(
    frame: pl.DataFrame,
    preset: Preset,
    mapping: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Which source column gives each canonical column.

    Parameters
    ----------
    frame
        The source rows (used for the names, and to check vague direction columns' values).
    preset
        Gives the accepted names.
    mapping
        ``{canonical: source_column}`` overrides; ``None`` as a value means "do not use a column
        for this even if one has a matching name". Keys may also be ``"author"`` (module docs).

    Returns
    -------
    dict
        Canonical name (or ``"author"``) -> source column, only for columns found.

    Raises
    ------
    DataError
        Unknown canonical name, a source column that is not there, or a required column
        (``created_at``, ``direction``) that cannot be found.
    """
    columns = [c for c in frame.columns if c != "row_nr"]
    mapping = dict(mapping or {})
    chosen: dict[str, str] = {}
    for key, source in mapping.items():
        if key not in MAPPABLE:
            raise DataError(
                _("mapping: {key!r} is not a column the toolkit knows. Allowed: {items}.{did_you_mean}").format(key=key, items=', '.join(MAPPABLE), did_you_mean=_did_you_mean([key], list(MAPPABLE)))
            )
        if source is None:
            continue
        if source not in columns:
            raise DataError(
                _("mapping: {key!r} -> {source!r}, but the file has no column {source!r}. Columns found: {columns_found}.{did_you_mean}").format(key=key, source=source, columns_found=_columns_found(columns), did_you_mean=_did_you_mean([source], columns))
            )
        chosen[key] = source
    used = set(chosen.values())
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(normalise_name(c), c)
    for key, names in preset.columns.items():
        if key in mapping:
            continue
        for name in names:
            source = by_norm.get(name)
            if source is None or source in used:
                continue
            if key == "direction" and name in _VAGUE and not _looks_like_direction(frame, source):
                continue
            chosen[key] = source
            used.add(source)
            break
    for required in ("created_at", "direction"):
        if required not in chosen:
            hint = _did_you_mean([required, *preset.columns[required]], columns)
            raise DataError(
                _("Missing required column {required!r}: no column with that name or a known synonym ({items}, ...). Columns found: {columns_found}.{hint} Pass mapping={{{required!r}: '<column>'}} to name it.").format(required=required, items=', '.join(preset.columns[required][:6]), columns_found=_columns_found(columns), hint=hint)
            )
    return chosen


def _looks_like_direction(frame: pl.DataFrame, column: str) -> bool:
    values = frame.get_column(column).drop_nulls()
    if values.len() == 0:
        return False
    return direction_words(values).is_not_null().mean() > 0.5  # type: ignore[operator]


def is_outbound_flag(source_column: str) -> bool:
    """True when ``source_column`` is an outbound flag (true = outbound)."""
    return normalise_name(source_column) in OUTBOUND_FLAGS


