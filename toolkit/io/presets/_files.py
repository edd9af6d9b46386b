"""A user's own export layout, saved as a preset file (TOML) and used again.

A preset file names, for each toolkit column, the column of the user's export it is read from::

    name = "our_helpdesk"
    description = "Our helpdesk's message export"
    day_first = true            # optional: dates like 05/09/2024 are day first

    [columns]
    created_at = "Sent (local)"
    direction = "Way"
    conversation_id = "Case"

Loaded with :func:`load_preset_file` (CLI ``--preset-file FILE``; the app's Data page), it is
registered like the built-in presets and detected from a header that has all its columns.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

from toolkit.errors import DataError
from toolkit.io.presets._base import MAPPABLE, PRESETS, Preset, normalise_name, register_preset
from toolkit.present.i18n import _

__all__ = ["load_preset_file", "preset_from_mapping", "preset_toml", "save_preset"]


def _with_author(mapping: Mapping[str, str]) -> dict[str, str]:
    """One column naming who wrote each message is the ``author`` (customer in, agent out)."""
    out = {k: v for k, v in mapping.items() if v}
    if out.get("customer_id") and out.get("customer_id") == out.get("agent_id"):
        out["author"] = out.pop("customer_id")
        out.pop("agent_id")
    return out


def preset_from_mapping(
    name: str, mapping: Mapping[str, str], *, description: str = "", day_first: bool | None = None
) -> Preset:
    """A preset reading each toolkit column from the named source column.

    Examples
    --------
    >>> p = preset_from_mapping("ours", {"created_at": "Sent", "direction": "Way", "conversation_id": "Case"})
    >>> p.columns["created_at"], sorted(p.signature)
    (('sent',), ['case', 'sent', 'way'])
    """
    mapping = _with_author(mapping)
    key = str(name).strip().lower().replace(" ", "_")
    if not key or not key.replace("_", "").isalnum():
        raise DataError(_("preset name {value!r}: use letters, digits and underscores.").format(value=str(name)[:60]))
    if key in PRESETS and key != name and not isinstance(PRESETS[key], Preset):  # pragma: no cover
        raise DataError(_("preset name {key!r} is taken.").format(key=key))
    unknown = [k for k in mapping if k not in MAPPABLE]
    if unknown:
        raise DataError(_("preset {key!r}: {unknown} are not toolkit columns; allowed: {items}.").format(key=key, unknown=unknown, items=', '.join(MAPPABLE)))
    for required in ("created_at", "direction"):
        if not mapping.get(required):
            raise DataError(_("preset {key!r}: the column for {required!r} is missing.").format(key=key, required=required))
    columns = {k: (normalise_name(v),) for k, v in mapping.items() if v}
    return Preset(
        name=key,
        description=description or f"Saved layout {key!r}.",
        columns=columns,
        signature=frozenset(c[0] for c in columns.values()),
        day_first=day_first,
    )


def preset_toml(preset_name: str, mapping: Mapping[str, str], *, description: str = "", day_first: bool | None = None) -> str:
    """The text of a preset file for ``mapping`` (validated first)."""
    preset = preset_from_mapping(preset_name, mapping, description=description, day_first=day_first)
    lines = [f"name = {json.dumps(preset.name)}", f"description = {json.dumps(preset.description)}"]
    if day_first is not None:
        lines.append(f"day_first = {'true' if day_first else 'false'}")
    lines += ["", "[columns]"]
    lines += [f"{key} = {json.dumps(str(source))}" for key, source in _with_author(mapping).items()]
    return "\n".join(lines) + "\n"


def save_preset(path: str | Path, name: str, mapping: Mapping[str, str], *, description: str = "",
                day_first: bool | None = None) -> Path:
    """Write a preset file for ``mapping`` (see the module docstring) and return its path."""
    path = Path(path)
    path.write_text(preset_toml(name, mapping, description=description, day_first=day_first), encoding="utf-8")
    return path


def load_preset_file(source: str | Path | bytes) -> Preset:
    """Read a preset file (path or its bytes) and register the preset; returns it.

    Raises
    ------
    DataError
        Not TOML, no ``[columns]`` table, unknown toolkit columns, or no created_at/direction.
    """
    try:
        text = source.decode("utf-8") if isinstance(source, bytes) else Path(source).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise DataError(_("No such preset file: {value!r}.").format(value=str(source)[:200])) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(_("The preset file is not valid TOML: {value}").format(value=str(exc)[:200])) from None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise DataError(_('The preset file has no [columns] table (toolkit column = "your column").'))
    day_first = data.get("day_first")
    preset = preset_from_mapping(
        str(data.get("name") or "saved"),
        {str(k): str(v) for k, v in columns.items()},
        description=str(data.get("description") or ""),
        day_first=day_first if isinstance(day_first, bool) else None,
    )
    return register_preset(preset, replace=True)
