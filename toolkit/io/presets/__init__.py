"""Presets: how known exports map onto the canonical message columns, one file per export.

Every module in this package (other than the ``_``-prefixed machinery) is imported on first use
and registers its preset with :func:`register_preset`, so a new export layout is one new file
here (``docs/extending.md``, "A new export layout"). ``generic`` is the fallback; the header
decides between the others (:meth:`Preset.detect`).
"""

from __future__ import annotations

import importlib
import pkgutil

from toolkit.io.presets._base import (
    AUTHOR,
    EXCLUDE,
    MAPPABLE,
    OUTBOUND_FLAGS,
    PRESETS,
    Frame,
    Preset,
    detect_preset,
    direction_expr,
    direction_words,
    get_preset,
    is_outbound_flag,
    normalise_name,
    register_preset,
    resolve_mapping,
)

__all__ = [
    "AUTHOR",
    "EXCLUDE",
    "MAPPABLE",
    "OUTBOUND_FLAGS",
    "PRESETS",
    "Frame",
    "Preset",
    "detect_preset",
    "direction_expr",
    "direction_words",
    "get_preset",
    "is_outbound_flag",
    "normalise_name",
    "register_preset",
    "resolve_mapping",
]

from toolkit.io.presets._files import load_preset_file, preset_from_mapping, preset_toml, save_preset

__all__ += ["load_preset_file", "preset_from_mapping", "preset_toml", "save_preset"]

# generic first (the fallback, and the column map the others extend), then the rest by name.
for _module in ["generic", *sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))]:
    importlib.import_module(f"{__name__}.{_module}")
