"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, settings

import toolkit

# Property tests check results, not speed: on a loaded 2-core machine a per-example deadline
# only makes them flaky. Tests that set their own settings keep them.
settings.register_profile("toolkit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("toolkit")


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of the real twcs excerpts (``../shared/realdata`` beside the checkout).

    ``TOOLKIT_REALDATA=/path/to/realdata`` points elsewhere (a git worktree has no ``../shared``).
    """
    path = Path(os.environ.get("TOOLKIT_REALDATA") or Path(__file__).parents[1].parent / "shared" / "realdata")
    if not path.is_dir():
        pytest.skip("../shared/realdata not present: real-data tests run in CI where shared/ sits beside the checkout")
    return path


@pytest.fixture(params=["eager", "lazy"])
def frame_kind(request) -> Callable[[pl.DataFrame], pl.DataFrame | pl.LazyFrame]:
    """Runs a test on a DataFrame and again on a LazyFrame: ``frame_kind(df)`` gives the kind."""
    return (lambda df: df.lazy()) if request.param == "lazy" else (lambda df: df)


@pytest.fixture(params=["eager", "lazy"])
def run_kpis(request):
    """The same test on a DataFrame and on a LazyFrame."""

    def run(messages: pl.DataFrame, **kwargs) -> list[dict]:
        if request.param == "lazy":
            out = toolkit.kpis(messages.lazy(), **kwargs)
            assert isinstance(out, pl.LazyFrame)
            return out.collect().to_dicts()
        return toolkit.kpis(messages, **kwargs).to_dicts()

    return run


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (2 cores) for the engine tests; skips without Java or pyspark."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (CI installs openjdk-17-jre-headless); java is not on PATH")
    pytest.importorskip("pyspark", reason="pyspark is in requirements-dev.txt")
    from toolkit.core.engines import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
