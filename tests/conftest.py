"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of the real twcs excerpts (``../shared/realdata`` beside the checkout).

    ``TOOLKIT_REALDATA=/path/to/realdata`` points elsewhere (a git worktree has no ``../shared``).
    """
    path = Path(os.environ.get("TOOLKIT_REALDATA") or Path(__file__).parents[1].parent / "shared" / "realdata")
    if not path.is_dir():
        pytest.skip("../shared/realdata not present: real-data tests run in CI where shared/ sits beside the checkout")
    return path
