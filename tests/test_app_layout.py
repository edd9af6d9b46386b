"""App pages lay out and call the toolkit: no computation of their own in app_pages/."""

from __future__ import annotations

import re
from pathlib import Path

APP_PAGES = Path(__file__).resolve().parents[1] / "app_pages"

# Frame computations that belong in the toolkit. (``", ".join(...)`` and ``.list.join`` are text.)
FORBIDDEN = {
    "group_by": re.compile(r"\.group_by(_dynamic)?\("),
    "agg": re.compile(r"\.agg\("),
    "join": re.compile(r"\.join\([^)]*\b(on|how|left_on|right_on)\s*="),
    "map_elements": re.compile(r"map_elements|map_rows|\.apply\("),
}


def test_patterns_catch_what_they_should():
    assert FORBIDDEN["group_by"].search("t.group_by('a')")
    assert FORBIDDEN["join"].search("grid.join(counts, on='period', how='left')")
    assert not FORBIDDEN["join"].search('", ".join(names)')
    assert FORBIDDEN["map_elements"].search("pl.col('p').map_elements(f)")


def test_no_computation_in_app_pages():
    found = [
        f"{path.name}:{n}: {name}"
        for path in sorted(APP_PAGES.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for name, pattern in FORBIDDEN.items()
        if pattern.search(line)
    ]
    assert not found, "move these computations into the toolkit: " + "; ".join(found)
