"""The browser benchmarks' own arithmetic (the runs themselves need a server and Chromium)."""

from __future__ import annotations

import math
import os

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.browser import load_average, proc_memory
from benchmarks.load_test import percentile


@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60), st.sampled_from([50, 90, 95, 99, 100]))
def test_percentile_is_the_nearest_rank(values: list[float], q: int) -> None:
    ordered = sorted(values)
    expected = ordered[math.ceil(q / 100 * len(ordered)) - 1]
    assert percentile(values, q) == expected
    assert sum(v <= expected for v in values) >= q / 100 * len(values)


def test_proc_memory_reads_this_process() -> None:
    mem = proc_memory(os.getpid())
    assert 10 < mem["VmRSS"] <= mem["VmHWM"] < 1e6
    assert mem["cpu_s"] > 0
    assert len(load_average().split()) == 3
