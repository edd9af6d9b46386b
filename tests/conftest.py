"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of the real twcs excerpts (``../shared/realdata`` beside the checkout)."""
    path = Path(__file__).parents[1].parent / "shared" / "realdata"
    if not path.is_dir():
        pytest.skip("../shared/realdata not present: real-data tests run in CI where shared/ sits beside the checkout")
    return path
