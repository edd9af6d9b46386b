"""Which data a notebook reads: the full twcs file, the shared excerpt, or the sample data.

The real-data notebooks take a data path at the top. :func:`resolve_data_path` applies one
fallback rule so that every notebook (and its test) behaves the same:

1. the file the user points at (the ``preferred`` argument, else the ``TOOLKIT_DATA`` environment
   variable), when it exists, typically the full ``twcs.csv`` of the Kaggle data set
   "Customer Support on Twitter" by ThoughtVector;
2. else the 5,000-row excerpt ``../shared/realdata/twcs_head.csv`` beside the checkout, read in
   place (never copied into the project);
3. else the bundled synthetic sample data ``sample_data/sample_messages.csv``.

The description says which one was chosen and why, in a sentence a notebook prints.

>>> path, description = resolve_data_path(None)
>>> path.exists()
True
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.present.i18n import _
from toolkit.sample import SAMPLE_PATH

__all__ = [
    "KAGGLE_HINT",
    "REPO_ROOT",
    "SAMPLE_PATH",
    "TWCS_EXCERPT",
    "resolve_data_path",
]

#: The checkout (the folder holding ``toolkit/``), whatever the working directory is.
REPO_ROOT = Path(__file__).resolve().parents[2]
#: The shared real-data excerpt, read in place beside the checkout.
TWCS_EXCERPT = REPO_ROOT.parent / "shared" / "realdata" / "twcs_head.csv"
#: Where the full data set comes from.
KAGGLE_HINT = (
    'The full data set is "Customer Support on Twitter" by ThoughtVector on Kaggle '
    "(https://www.kaggle.com/datasets/thoughtvector/customer-support-on-twitter, file twcs.csv, "
    "2.8 million tweets, licence CC BY-NC-SA 4.0); download it and set DATA_PATH to its twcs.csv."
)


def resolve_data_path(preferred: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """Pick the data file a notebook reads, and say why.

    Parameters
    ----------
    preferred
        The path a user set at the top of the notebook (``~`` is expanded), or None. When None,
        the ``TOOLKIT_DATA`` environment variable is used if set.

    Returns
    -------
    (path, description)
        An existing file, and a sentence naming it and, for a fallback, what was missing.

    Raises
    ------
    FileNotFoundError
        When not even the sample data is there (a broken checkout).

    Examples
    --------
    >>> path, description = resolve_data_path("/no/such/twcs.csv")
    >>> "not found" in description
    True
    """
    if preferred is None or str(preferred).strip() == "":
        preferred = os.environ.get("TOOLKIT_DATA") or None
    missing = ""
    if preferred is not None:
        wanted = Path(preferred).expanduser()
        if wanted.is_file():
            return wanted, f"Reading {wanted} (the file you pointed at)."
        missing = f"{wanted} was not found. "

    if TWCS_EXCERPT.is_file():
        return TWCS_EXCERPT, (
            f"{missing}Reading the real-data excerpt {TWCS_EXCERPT} in place: the first 5,000 "
            "tweets of the Kaggle twcs.csv, real conversations between customers and brand support "
            f"accounts on Twitter, mostly from late 2017. {KAGGLE_HINT}"
        )
    if SAMPLE_PATH.is_file():
        return SAMPLE_PATH, (
            f"{missing}Neither the full twcs.csv nor the excerpt {TWCS_EXCERPT} is here, so "
            f"this falls back to the bundled SYNTHETIC sample data {SAMPLE_PATH}: the numbers "
            f"below describe a made-up inbox, not real customers. {KAGGLE_HINT}"
        )
    msg = (
        _("{missing}No data found: neither {excerpt} nor the sample data {sample}. Regenerate the sample with `python -m toolkit sample --out sample_data/sample_messages.csv`.").format(missing=missing, excerpt=TWCS_EXCERPT, sample=SAMPLE_PATH)
    )
    raise FileNotFoundError(msg)
