"""Researchers' own metrics, loaded into the toolkit, the command line and the app.

A plugin is an ordinary Python module that calls :func:`toolkit.register_metric` when imported.
:func:`load_plugins` imports

every entry of the ``TOOLKIT_PLUGINS`` environment variable (comma-separated): a module name
importable from the working directory or ``sys.path`` (``my_metrics``, ``team.kpis``) or the path
of a ``.py`` file (``notebooks/my_metrics.py``, relative to the working directory).

Nothing else: a plugin is code run with the rights of whoever starts the app or the command line,
so only what the operator names is imported, never a file that happens to lie in the folder a
command is started from (a ``toolkit_plugins.py`` there is ignored).

Once imported, a registered metric is a column of :func:`toolkit.kpis`, a row of every comparison
and a choice in the app: nothing else needs editing. ``docs/extending.md`` has a complete example.

Loading is idempotent: a module already imported (by name, or the same file) is not run again, so
the app can call :func:`load_plugins` on every rerun. Plugins should still register with
``replace=True`` so that editing and reloading a plugin redefines its metric.

>>> load_plugins(env={}, cwd="/nonexistent")
[]
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from toolkit.present.i18n import _

__all__ = ["ENV_VAR", "PluginError", "load_plugins"]

#: Environment variable naming plugin modules or files, comma-separated.
ENV_VAR = "TOOLKIT_PLUGINS"


#: Plugin files already imported, by resolved path (so a rerun does not run them twice).
_FILE_MODULES: dict[str, ModuleType] = {}


class PluginError(ImportError):
    """A plugin named in ``TOOLKIT_PLUGINS`` failed to load."""


def load_plugins(
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> list[str]:
    """Import the plugin modules so that the metrics they register are available.

    Parameters
    ----------
    env
        Where to read ``TOOLKIT_PLUGINS`` (default: ``os.environ``).
    cwd
        Folder against which relative file paths and module names resolve (default: the working
        directory).
    strict
        Raise :class:`PluginError` when a plugin fails; by default a failure is a warning (the
        app keeps working with the built-in metrics) and the other plugins still load.

    Returns
    -------
    list of str
        The plugins loaded or already loaded, as named (module names or file paths).

    Examples
    --------
    >>> import os
    >>> os.environ["TOOLKIT_PLUGINS"] = "my_metrics"  # doctest: +SKIP
    >>> load_plugins()  # doctest: +SKIP
    ['my_metrics']
    """
    environ = os.environ if env is None else env
    folder = Path(cwd) if cwd is not None else Path.cwd()
    entries = [e.strip() for e in environ.get(ENV_VAR, "").split(",") if e.strip()]

    loaded: list[str] = []
    for entry in entries:
        try:
            _import(entry, folder)
        except Exception as exc:  # a plugin may fail in any way: report it, keep the others
            source = f"{ENV_VAR}={environ.get(ENV_VAR, '')!r}"
            msg = (
                _("plugin {entry!r} (from {source}) could not be loaded: {kind}: {exc}. Hint: a module name must be importable from {folder} or sys.path; a file path must end in .py.").format(entry=entry, source=source, kind=type(exc).__name__, exc=exc, folder=folder)
            )
            if strict:
                raise PluginError(msg) from exc
            warnings.warn(msg, stacklevel=2)
        else:
            loaded.append(entry)
    return loaded


def _is_file_entry(entry: str) -> bool:
    return entry.endswith(".py") or "/" in entry or os.sep in entry


def _import(entry: str, folder: Path) -> ModuleType:
    if _is_file_entry(entry):
        return _import_file(entry, folder)
    if entry in sys.modules:
        return sys.modules[entry]
    # Module names resolve against the working directory too (streamlit and jupyter do not
    # always put it on sys.path); the change is undone right after the import.
    added = str(folder) not in sys.path
    if added:
        sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(entry)
    finally:
        if added:
            sys.path.remove(str(folder))


def _import_file(entry: str, folder: Path) -> ModuleType:
    path = Path(entry).expanduser()
    if not path.is_absolute():
        path = folder / path
    path = path.resolve()
    if not path.is_file():
        msg = _("no such file: {path}").format(path=path)
        raise FileNotFoundError(msg)
    if str(path) in _FILE_MODULES:
        return _FILE_MODULES[str(path)]
    name = f"toolkit_plugin_{path.stem}"
    if name in sys.modules:  # same stem, another file: keep both
        name = f"{name}_{abs(hash(str(path))):x}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        msg = _("cannot import {path} as a Python module").format(path=path)
        raise ImportError(msg)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    _FILE_MODULES[str(path)] = module
    return module
