"""The sample data: a seeded synthetic inbox that feeds notebooks, tests and the app alike.

:func:`sample_path` is the one place that says where the sample messages CSV is: the checkout's
``sample_data/sample_messages.csv`` when the toolkit runs from a checkout, else the same file
generated once (seeded, byte-identical, about 2 s) into a cache folder, so an installed toolkit
has it too.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SAMPLE_CUSTOMERS_PATH", "SAMPLE_PATH", "sample_customers_path", "sample_path"]

#: The bundled sample messages in a checkout (``sample_data/`` beside ``toolkit/``).
SAMPLE_PATH = Path(__file__).resolve().parents[2] / "sample_data" / "sample_messages.csv"
#: The sample's customers table in a checkout (VIPs, revenue, churn after bad experiences).
SAMPLE_CUSTOMERS_PATH = SAMPLE_PATH.with_name("sample_customers.csv")


def _cache_dir() -> Path:
    base = os.environ.get("TOOLKIT_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root if os.environ.get("TOOLKIT_CACHE_DIR") else root / "social-care-kpis"


def sample_path() -> Path:
    """The sample messages CSV (generic layout): the checkout's file, or a cached generated copy.

    Returns
    -------
    pathlib.Path
        An existing CSV file, read with :func:`toolkit.read_messages`.

    Examples
    --------
    >>> sample_path().name
    'sample_messages.csv'
    """
    if SAMPLE_PATH.is_file():
        return SAMPLE_PATH
    cached = _cache_dir() / SAMPLE_PATH.name
    if not cached.is_file():
        from toolkit.sample.generate import write_sample

        # Written beside and renamed: a reader never sees half a file.
        partial = write_sample(cached.with_name(f".{cached.name}.{os.getpid()}.tmp"))
        partial.replace(cached)
    return cached


def sample_customers_path() -> Path:
    """The sample customers CSV (for ``customers=``): the checkout's file, or a cached copy.

    >>> sample_customers_path().name
    'sample_customers.csv'
    """
    if SAMPLE_CUSTOMERS_PATH.is_file():
        return SAMPLE_CUSTOMERS_PATH
    cached = _cache_dir() / SAMPLE_CUSTOMERS_PATH.name
    if not cached.is_file():
        from toolkit.sample.generate import write_sample_customers

        partial = write_sample_customers(cached.with_name(f".{cached.name}.{os.getpid()}.tmp"))
        partial.replace(cached)
    return cached
