"""One place says where the sample data is; an installed toolkit (no checkout) regenerates it."""

from __future__ import annotations

from pathlib import Path

import toolkit
import toolkit.sample as sample_module
from toolkit.sample import SAMPLE_PATH, notebook_data, sample_path


def test_the_checkout_file_is_used_when_present():
    assert sample_path() == SAMPLE_PATH
    assert toolkit.sample_path() == SAMPLE_PATH
    assert notebook_data.SAMPLE_PATH is SAMPLE_PATH


def test_without_a_checkout_it_is_generated_once_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setattr(sample_module, "SAMPLE_PATH", tmp_path / "no-checkout" / "sample_messages.csv")
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path / "cache"))
    path = sample_path()
    assert path == tmp_path / "cache" / "sample_messages.csv"
    assert path.read_bytes() == SAMPLE_PATH.read_bytes()
    stamp = path.stat().st_mtime_ns
    assert sample_path() == path and path.stat().st_mtime_ns == stamp  # not written again
    assert [p.name for p in Path(tmp_path / "cache").iterdir()] == ["sample_messages.csv"]
